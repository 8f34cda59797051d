import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '#shared/schemas/auth.js';
import { unauthorized } from '#server/errors.js';
import { createSession, deleteSession, findSession } from './sessions.repository.js';

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

/**
 * Name of the session cookie: with the `__Host-` prefix when served over https, which browsers accept
 * only from a secure origin, for the whole host and no other (no `Domain`): a sibling subdomain
 * cannot plant or shadow it.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-pb_session' : 'pb_session';
}

/** A session is renewed (its expiry slid forward) at most once in this long. */
export const RENEW_AFTER_MS = 24 * 3600 * 1000;

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
interface HandshakeSession {
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

/** Sets the session cookie (HttpOnly, SameSite=Lax, Secure over https). */
export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: Date, secure: boolean): void {
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
