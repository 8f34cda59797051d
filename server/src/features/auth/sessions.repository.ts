import type { Sql } from '#server/db/sql.js';
import type { User } from '#shared/schemas/auth.js';
import { toUser, type UserRow } from './users.repository.js';

/** Stores a new session under the hash of its token. */
export async function createSession(sql: Sql, tokenHash: Buffer, userId: string, expiresAt: Date): Promise<void> {
  await sql`insert into sessions (token_hash, user_id, expires_at) values (${tokenHash}, ${userId}, ${expiresAt})`;
}

/** The user of a live session and when the session was last renewed; null if unknown or expired. */
export async function findSession(sql: Sql, tokenHash: Buffer): Promise<{ user: User; renewedAt: Date } | null> {
  const [row]: [(UserRow & { renewedAt: Date })?] = await sql`
    select u.id, u.email, u.name, u.created_at, s.renewed_at
    from sessions s join users u on u.id = s.user_id
    where s.token_hash = ${tokenHash} and s.expires_at > now()`;
  return row ? { user: toUser(row), renewedAt: row.renewedAt } : null;
}

/** Pushes a session's expiry forward (sliding expiry). */
export async function renewSession(sql: Sql, tokenHash: Buffer, expiresAt: Date): Promise<void> {
  await sql`update sessions set expires_at = ${expiresAt}, renewed_at = now() where token_hash = ${tokenHash}`;
}

/** Revokes one session. */
export async function deleteSession(sql: Sql, tokenHash: Buffer): Promise<void> {
  await sql`delete from sessions where token_hash = ${tokenHash}`;
}

/** Revokes every session of a user except, optionally, one. */
export async function deleteUserSessions(sql: Sql, userId: string, except: Buffer | null = null): Promise<void> {
  await sql`delete from sessions where user_id = ${userId} and (${except}::bytea is null or token_hash <> ${except})`;
}

/** Deletes expired sessions. */
export async function deleteExpiredSessions(sql: Sql): Promise<void> {
  await sql`delete from sessions where expires_at < now()`;
}
