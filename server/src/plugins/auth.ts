import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import { adminSecret, secretMatches } from '#server/db/admin-secret.js';
import { forbidden, unauthorized } from '#server/errors.js';
import { findSession, renewSession } from '#server/features/auth/sessions.repository.js';
import { hashToken, RENEW_AFTER_MS, sessionCookieName, setSessionCookie } from '#server/features/auth/sessions.js';
import { ASSETS_PREFIX } from './client.js';
import { OriginPolicy } from './origins.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Which browser origins may send unsafe requests and open the realtime connections. */
    origins: OriginPolicy;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Routes that never need a session (and must answer while the database is down, or with their own token). */
const SESSIONLESS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Sessions, CSRF protection and the CLI's admin secret.
 * - A random 256-bit token in an HttpOnly, SameSite=Lax cookie; the database keeps its SHA-256 with an
 *   expiry that slides forward at most once a day.
 * - State-changing requests whose Origin (or Referer) names another site are refused: browsers always
 *   send Origin on cross-site POSTs, while non-browser clients (CLI, curl) send none.
 */
export const authPlugin = fp(
  async (app) => {
    await app.register(fastifyCookie);
    const ttlMs = app.config.sessionTtlDays * 24 * 3600 * 1000;
    const secret = adminSecret(app.config.dataDir);
    app.decorate('origins', new OriginPolicy(app.config.publicUrl, app.config.allowedOrigins));

    app.decorateRequest('user', null);
    app.decorateRequest('sessionTokenHash', null);
    app.decorateRequest('system', false);

    app.addHook('onRequest', async (request, reply) => {
      if (UNSAFE_METHODS.has(request.method)) {
        if (!app.origins.allows(request.headers, request.protocol === 'https', { referer: true })) {
          throw forbidden('cross-site request refused');
        }
      }
      // The client's hashed files are the same for everyone: no session lookup for each of them. Nor for
      // the probes and metrics: liveness must not depend on the database, and /metrics has its own token.
      if (request.url.startsWith(ASSETS_PREFIX) || SESSIONLESS.has(request.url.split('?')[0])) return;
      const authorization = request.headers.authorization;
      if (authorization?.startsWith('Bearer ')) {
        request.system = secretMatches(secret, authorization.slice('Bearer '.length));
        if (!request.system) throw unauthorized('invalid bearer token');
        return;
      }
      const token = request.cookies[sessionCookieName(app.config.secureCookies)];
      if (!token) return;
      const tokenHash = hashToken(token);
      const session = await findSession(app.sql, tokenHash);
      if (!session) {
        reply.clearCookie(sessionCookieName(app.config.secureCookies), { path: '/', secure: app.config.secureCookies });
        return;
      }
      request.user = session.user;
      request.sessionTokenHash = tokenHash;
      if (Date.now() - session.renewedAt.getTime() > RENEW_AFTER_MS) {
        const expiresAt = new Date(Date.now() + ttlMs);
        await renewSession(app.sql, tokenHash, expiresAt);
        setSessionCookie(reply, token, expiresAt, app.config.secureCookies);
      }
    });
  },
  { name: 'auth', dependencies: ['db'] },
);
