import crypto from 'node:crypto';
import type { Sql } from '#server/db/sql.js';

function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** A member's feed token for a board, created on first use; null when they are not (or no longer) a member. */
export async function ensureCalendarToken(sql: Sql, boardId: string, userId: string): Promise<string | null> {
  await sql`
    insert into member_calendars (board_id, user_id, token)
    select ${boardId}, ${userId}, ${newToken()}
    where exists (select 1 from board_members where board_id = ${boardId} and user_id = ${userId})
    on conflict (board_id, user_id) do nothing`;
  const [row]: [{ token: string }?] = await sql`
    select token from member_calendars where board_id = ${boardId} and user_id = ${userId}`;
  return row?.token ?? null;
}

/** Replaces a member's feed token; their old URL stops working at once, nobody else's changes. */
export async function rotateCalendarToken(sql: Sql, boardId: string, userId: string): Promise<string | null> {
  const token = newToken();
  const [row]: [{ token: string }?] = await sql`
    insert into member_calendars (board_id, user_id, token)
    select ${boardId}, ${userId}, ${token}
    where exists (select 1 from board_members where board_id = ${boardId} and user_id = ${userId})
    on conflict (board_id, user_id) do update set token = excluded.token, created_at = now()
    returning token`;
  return row?.token ?? null;
}

/** Whether `token` is the current feed token of a member of the board. */
export async function calendarTokenMatches(sql: Sql, boardId: string, token: string): Promise<boolean> {
  const rows = await sql`select 1 from member_calendars where board_id = ${boardId} and token = ${token}`;
  return rows.length > 0;
}

/** The board's name, or null when there is no such board. */
export async function boardName(sql: Sql, boardId: string): Promise<string | null> {
  const [row]: [{ name: string }?] = await sql`select name from boards where id = ${boardId}`;
  return row?.name ?? null;
}
