import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The headers every response carries (socket.io's too, which do not pass Fastify's hooks). */
    securityHeaders: Record<string, string>;
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
export function contentSecurityPolicy(publicUrl: string, allowedOrigins: string[]): string {
  const sockets = [...new Set([publicUrl, ...allowedOrigins].map((origin) => webSocketOrigin(origin)))];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ${sockets.join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Security headers on every response. */
export const securityHeadersPlugin = fp(
  async (app) => {
    const headers: Record<string, string> = {
      'content-security-policy': contentSecurityPolicy(app.config.publicUrl, app.config.allowedOrigins),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=()',
    };
    app.decorate('securityHeaders', headers);
    app.addHook('onSend', async (_request, reply) => {
      reply.headers(headers);
    });
  },
  { name: 'security-headers' },
);
