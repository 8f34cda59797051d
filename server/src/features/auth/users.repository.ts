import type { Sql } from '#server/db/sql.js';
import type { User } from '#shared/schemas/auth.js';
import { cleanEmail, emailKey } from './email.js';

/** A `users` row as read for a `User`. */
export interface UserRow {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
}

/** A user row with the password hash, for login only. */
interface UserWithPassword extends User {
  passwordHash: string;
}

/** The `User` of a row. */
export function toUser(row: UserRow): User {
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

/** How many accounts the instance has. */
export async function countUsers(sql: Sql): Promise<number> {
  const [{ users }] = await sql<{ users: number }[]>`select count(*)::int as users from users`;
  return users;
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
