import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Sets the security headers on a response Fastify does not answer (socket.io's polling and
     * handshake requests), as Connect-style middleware.
     */
    securityHeaders: (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;
  }
}

/** The WebSocket origin (`ws://…` or `wss://…`) of an http(s) origin. */
function webSocketOrigin(origin: string): string {
  const url = new URL(origin);
  return `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}`;
}

/**
 * The built client loads only its own scripts and styles; Svelte sets style attributes, hence
 * 'unsafe-inline' for styles only. Connections go to the page's own origin ('self', which covers its
 * WebSockets) and to the configured origins' WebSocket endpoints, nowhere else.
 */
function contentSecurityPolicyDirectives(publicUrl: string, allowedOrigins: string[]) {
  const sockets = [...new Set([publicUrl, ...allowedOrigins].map((origin) => webSocketOrigin(origin)))];
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'", ...sockets],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  };
}

/**
 * Helmet's headers with our policy: the CSP above (without Helmet's defaults, which would add
 * `upgrade-insecure-requests` to a plain-http localhost), no framing, same-origin referrers and
 * opener, and HSTS only when the public URL is https (over http a browser ignores it anyway).
 */
function helmetOptions(publicUrl: string, allowedOrigins: string[]): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: contentSecurityPolicyDirectives(publicUrl, allowedOrigins),
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    strictTransportSecurity:
      new URL(publicUrl).protocol === 'https:' ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
  };
}

/** Helmet has no Permissions-Policy: the page uses no camera, microphone or location. */
const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=()';

/**
 * Security headers on every response, socket.io's included (`app.securityHeaders`). One Helmet
 * middleware, built once, serves both: @fastify/helmet would build Helmet anew for every request.
 */
export const securityHeadersPlugin = fp(
  async (app) => {
    const middleware = helmet(helmetOptions(app.config.publicUrl, app.config.allowedOrigins));
    const setHeaders = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => {
      response.setHeader('permissions-policy', PERMISSIONS_POLICY);
      middleware(request, response, next);
    };
    app.decorate('securityHeaders', setHeaders);
    // On the raw response in onRequest, so that answers written straight to the socket (streamed
    // import progress) and error answers carry them too.
    app.addHook('onRequest', (request, reply, done) =>
      setHeaders(request.raw, reply.raw, (error) => done(error instanceof Error ? error : undefined)),
    );
  },
  { name: 'security-headers' },
);
