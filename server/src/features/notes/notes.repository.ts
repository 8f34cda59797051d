import type { Querier } from '#server/db/sql.js';

/**
 * Records that these users wrote in a card's note now (the digest's "notes written since the last
 * digest"). One row per (board, card, user), moved forward by each write.
 */
export async function recordNoteEdits(sql: Querier, boardId: string, cardId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  // A user deleted meanwhile has no row to refer to: the insert skips them rather than fail the rest.
  await sql`
    insert into card_note_edits (board_id, card_id, user_id)
    select ${boardId}::uuid, ${cardId}, u.id from users u where u.id = any(${userIds}::uuid[])
    on conflict (board_id, card_id, user_id) do update set edited_at = now()`;
}

/** A note written on one of the reader's boards, and by whom. */
export interface NoteWrittenRow {
  boardId: string;
  boardName: string;
  cardId: string;
  paperTitle: string | null;
  /** Everyone but the reader who wrote in it in the period, by name. */
  authorNames: string[];
}

/**
 * Notes of cards on the user's boards that others wrote in during (`since`, `until`], most recently
 * written first, at most `limit`; the reader's own writing is not news to them. Cards no longer on the
 * board are left out (their notes are kept, but there is nothing to open).
 */
export async function notesWrittenSince(
  sql: Querier,
  userId: string,
  since: Date,
  until: Date,
  limit: number,
): Promise<NoteWrittenRow[]> {
  return sql<NoteWrittenRow[]>`
    select e.board_id, b.name as board_name, e.card_id, p.title as paper_title,
      array_agg(u.name order by e.edited_at desc, u.name) as author_names
    from card_note_edits e
    join board_members m on m.board_id = e.board_id and m.user_id = ${userId}
    join boards b on b.id = e.board_id
    join board_cards c on c.board_id = e.board_id and c.card_id = e.card_id
    left join papers p on p.id = c.paper_id
    join users u on u.id = e.user_id
    where e.edited_at > ${since} and e.edited_at <= ${until} and e.user_id <> ${userId}
    group by e.board_id, b.name, e.card_id, p.title
    order by max(e.edited_at) desc, e.card_id
    limit ${limit}`;
}
