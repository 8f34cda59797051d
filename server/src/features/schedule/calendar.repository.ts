import crypto from 'node:crypto';
import type { Sql } from '../../db/connect.js';

function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** The board's feed token, created on first use. */
export async function ensureCalendarToken(sql: Sql, boardId: string): Promise<string> {
  await sql`
    insert into board_calendars (board_id, token) values (${boardId}, ${newToken()})
    on conflict (board_id) do nothing`;
  const [row]: [{ token: string }] = await sql`select token from board_calendars where board_id = ${boardId}`;
  return row.token;
}

/** Replaces the board's feed token; the old one stops working at once. */
export async function rotateCalendarToken(sql: Sql, boardId: string): Promise<string> {
  const token = newToken();
  await sql`
    insert into board_calendars (board_id, token) values (${boardId}, ${token})
    on conflict (board_id) do update set token = excluded.token, created_at = now()`;
  return token;
}

/** Whether `token` is the board's current feed token (compared in constant time). */
export async function calendarTokenMatches(sql: Sql, boardId: string, token: string): Promise<boolean> {
  const [row]: [{ token: string }?] = await sql`select token from board_calendars where board_id = ${boardId}`;
  if (!row) return false;
  const expected = Buffer.from(row.token);
  const given = Buffer.from(token);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

/** The board's name, or null when there is no such board. */
export async function boardName(sql: Sql, boardId: string): Promise<string | null> {
  const [row]: [{ name: string }?] = await sql`select name from boards where id = ${boardId}`;
  return row?.name ?? null;
}
