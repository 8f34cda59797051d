import crypto from 'node:crypto';
import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../../shared/schemas/auth.js';
import { adminSecret, secretMatches } from '../admin-secret.js';
import { forbidden, unauthorized } from '../errors.js';
import { createSession, deleteSession, findSession, renewSession } from '../features/auth/auth.repository.js';
import { ASSETS_PREFIX } from './client.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null. */
    user: User | null;
    /** Hash of the session token presented, if it was valid. */
    sessionTokenHash: Buffer | null;
    /** True for the local CLI authenticated by the data directory's admin secret. */
    system: boolean;
  }
}

/** Name of the session cookie. */
export const SESSION_COOKIE = 'pb_session';
const RENEW_AFTER_MS = 24 * 3600 * 1000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** SHA-256 of a session or invite token: only hashes are stored. */
export function hashToken(token: string): Buffer {
  return crypto.createHash('sha256').update(token).digest();
}

/** The signed-in user, or a 401. */
export function requireUser(request: FastifyRequest): User {
  if (!request.user) throw unauthorized();
  return request.user;
}

/** Resolves the user of a session cookie value; used by the WebSocket and socket.io handshakes too. */
export async function userFromCookieHeader(
  app: FastifyInstance,
  cookieHeader: string | undefined,
): Promise<User | null> {
  const token = app.parseCookie(cookieHeader ?? '')[SESSION_COOKIE];
  if (!token) return null;
  return (await findSession(app.sql, hashToken(token)))?.user ?? null;
}

function originOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).origin;
  } catch {
    return 'invalid';
  }
}

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
    const publicOrigin = new URL(app.config.publicUrl).origin;

    app.decorateRequest('user', null);
    app.decorateRequest('sessionTokenHash', null);
    app.decorateRequest('system', false);

    app.addHook('onRequest', async (request, reply) => {
      if (UNSAFE_METHODS.has(request.method)) {
        const origin = originOf(request.headers.origin) ?? originOf(request.headers.referer);
        const own = [publicOrigin, originOf(`${request.protocol}://${request.headers.host}`)];
        if (origin && !own.includes(origin)) throw forbidden('cross-site request refused');
      }
      const authorization = request.headers.authorization;
      if (authorization?.startsWith('Bearer ')) {
        request.system = secretMatches(secret, authorization.slice('Bearer '.length));
        if (!request.system) throw unauthorized('invalid bearer token');
        return;
      }
      // The client's hashed files are the same for everyone: no session lookup for each of them.
      if (request.url.startsWith(ASSETS_PREFIX)) return;
      const token = request.cookies[SESSION_COOKIE];
      if (!token) return;
      const tokenHash = hashToken(token);
      const session = await findSession(app.sql, tokenHash);
      if (!session) {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
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

function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, expires: expiresAt });
}

/** Opens a session for `userId` and sets its cookie. */
export async function startSession(request: FastifyRequest, reply: FastifyReply, userId: string): Promise<void> {
  const { sql, config } = request.server;
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + config.sessionTtlDays * 24 * 3600 * 1000);
  await createSession(sql, hashToken(token), userId, expiresAt);
  setSessionCookie(reply, token, expiresAt, config.secureCookies);
}

/** Revokes the current session on the server and clears the cookie. */
export async function endSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.sessionTokenHash) await deleteSession(request.server.sql, request.sessionTokenHash);
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
