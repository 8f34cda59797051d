import type { Sql } from '../../db/connect.js';
import type { User } from '../../../../shared/schemas/auth.js';
import { cleanEmail, emailKey } from './email.js';

interface UserRow {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
}

/** A user row with the password hash, for login only. */
export interface UserWithPassword extends User {
  passwordHash: string;
}

function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.createdAt.toISOString() };
}

/** Creates a user; null when the email (case-insensitively) is taken. */
export async function createUser(
  sql: Sql,
  input: { email: string; name: string; passwordHash: string },
): Promise<User | null> {
  const [row]: [UserRow?] = await sql`
    insert into users (email, email_key, name, password_hash)
    values (${cleanEmail(input.email)}, ${emailKey(input.email)}, ${input.name}, ${input.passwordHash})
    on conflict (email_key) do nothing
    returning id, email, name, created_at`;
  return row ? toUser(row) : null;
}

/** The user with this email (any case), with the password hash. */
export async function findUserByEmail(sql: Sql, email: string): Promise<UserWithPassword | null> {
  const [row]: [(UserRow & { passwordHash: string })?] = await sql`
    select id, email, name, created_at, password_hash from users where email_key = ${emailKey(email)}`;
  return row ? { ...toUser(row), passwordHash: row.passwordHash } : null;
}

/** The password hash of a user. */
export async function findPasswordHash(sql: Sql, userId: string): Promise<string | null> {
  const [row]: [{ passwordHash: string }?] = await sql`select password_hash from users where id = ${userId}`;
  return row?.passwordHash ?? null;
}

/** Updates name and/or password hash; returns the user. */
export async function updateUser(
  sql: Sql,
  userId: string,
  changes: { name?: string; passwordHash?: string },
): Promise<User> {
  const [row]: [UserRow] = await sql`
    update users set
      name = coalesce(${changes.name ?? null}, name),
      password_hash = coalesce(${changes.passwordHash ?? null}, password_hash)
    where id = ${userId}
    returning id, email, name, created_at`;
  return toUser(row);
}

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

/** Reads an instance setting. */
export async function getSetting<T>(sql: Sql, key: string): Promise<T | null> {
  const [row]: [{ value: T }?] = await sql`select value from instance_settings where key = ${key}`;
  return row?.value ?? null;
}

/** Writes an instance setting. */
export async function putSetting(sql: Sql, key: string, value: unknown): Promise<void> {
  await sql`
    insert into instance_settings (key, value) values (${key}, ${sql.json(value as never)})
    on conflict (key) do update set value = excluded.value`;
}

/** Stores a password reset token (its hash) for a user. */
export async function createPasswordReset(sql: Sql, tokenHash: Buffer, userId: string, expiresAt: Date): Promise<void> {
  await sql`insert into password_resets (token_hash, user_id, expires_at) values (${tokenHash}, ${userId}, ${expiresAt})`;
}

/**
 * Uses a reset token: in one transaction, marks it used (only if unused and unexpired, so two requests
 * with one token cannot both succeed), sets the new password, voids the user's other reset links and
 * revokes every session. Returns the user's id, or null when the token is unknown, expired or used.
 */
export async function resetPassword(sql: Sql, tokenHash: Buffer, passwordHash: string): Promise<string | null> {
  return sql.begin(async (tx) => {
    const [reset]: [{ userId: string }?] = await tx`
      update password_resets set used_at = now()
      where token_hash = ${tokenHash} and used_at is null and expires_at > now()
      returning user_id`;
    if (!reset) return null;
    await tx`update users set password_hash = ${passwordHash} where id = ${reset.userId}`;
    await tx`update password_resets set used_at = now() where user_id = ${reset.userId} and used_at is null`;
    await tx`delete from sessions where user_id = ${reset.userId}`;
    return reset.userId;
  });
}

/** Deletes reset tokens that can no longer be used. */
export async function deleteDeadPasswordResets(sql: Sql): Promise<void> {
  await sql`delete from password_resets where expires_at < now() - interval '1 day'`;
}
