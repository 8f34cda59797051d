import crypto from 'node:crypto';
import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../../shared/schemas/auth.js';
import { adminSecret, secretMatches } from '../admin-secret.js';
import { forbidden, unauthorized } from '../errors.js';
import { createSession, deleteSession, findSession, renewSession } from '../features/auth/auth.repository.js';
import { ASSETS_PREFIX } from './client.js';
import { OriginPolicy } from './origins.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Which browser origins may send unsafe requests and open the realtime connections. */
    origins: OriginPolicy;
  }
  interface FastifyRequest {
    /** The signed-in user, or null. */
    user: User | null;
    /** Hash of the session token presented, if it was valid. */
    sessionTokenHash: Buffer | null;
    /** True for the local CLI authenticated by the data directory's admin secret. */
    system: boolean;
  }
}

/**
 * Name of the session cookie: with the `__Host-` prefix when served over https, which browsers accept
 * only from a secure origin, for the whole host and no other (no `Domain`): a sibling subdomain
 * cannot plant or shadow it.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-pb_session' : 'pb_session';
}
const RENEW_AFTER_MS = 24 * 3600 * 1000;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Routes that never need a session (and must answer while the database is down, or with their own token). */
const SESSIONLESS = new Set(['/healthz', '/readyz', '/metrics']);

/** SHA-256 of a session or invite token: only hashes are stored. */
export function hashToken(token: string): Buffer {
  return crypto.createHash('sha256').update(token).digest();
}

/** The signed-in user, or a 401. */
export function requireUser(request: FastifyRequest): User {
  if (!request.user) throw unauthorized();
  return request.user;
}

/** A session as the realtime handshakes see it: its user and its token's hash (hex). */
export interface HandshakeSession {
  user: User;
  sessionHash: string;
}

/**
 * Resolves the session of a cookie header, for the WebSocket and socket.io handshakes: the connection
 * keeps the session's hash, so that it is closed when that session ends.
 */
export async function sessionFromCookieHeader(
  app: FastifyInstance,
  cookieHeader: string | undefined,
): Promise<HandshakeSession | null> {
  const token = app.parseCookie(cookieHeader ?? '')[sessionCookieName(app.config.secureCookies)];
  if (!token) return null;
  const tokenHash = hashToken(token);
  const session = await findSession(app.sql, tokenHash);
  return session ? { user: session.user, sessionHash: tokenHash.toString('hex') } : null;
}

/**
 * Tells every node that sessions of `userId` ended, so that their open `/yjs` and socket.io
 * connections close: `only` one session (logout), or all but `except` (none: a reset).
 */
export async function announceSessionsEnded(
  app: FastifyInstance,
  userId: string,
  which: { only?: Buffer | null; except?: Buffer | null },
): Promise<void> {
  await app.bus.publish({
    kind: 'sessions',
    node: app.bus.nodeId,
    userId,
    only: which.only?.toString('hex') ?? null,
    except: which.except?.toString('hex') ?? null,
  });
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

function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date, secure: boolean): void {
  reply.setCookie(sessionCookieName(secure), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    expires: expiresAt,
  });
}

/** Opens a session for `userId` and sets its cookie. */
export async function startSession(request: FastifyRequest, reply: FastifyReply, userId: string): Promise<void> {
  const { sql, config } = request.server;
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + config.sessionTtlDays * 24 * 3600 * 1000);
  await createSession(sql, hashToken(token), userId, expiresAt);
  setSessionCookie(reply, token, expiresAt, config.secureCookies);
}

/** Revokes the current session on the server, closes its realtime connections and clears the cookie. */
export async function endSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.sessionTokenHash && request.user) {
    await deleteSession(request.server.sql, request.sessionTokenHash);
    await announceSessionsEnded(request.server, request.user.id, { only: request.sessionTokenHash });
  }
  const secure = request.server.config.secureCookies;
  reply.clearCookie(sessionCookieName(secure), { path: '/', secure });
}
