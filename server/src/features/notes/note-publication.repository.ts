import type { Querier } from '#server/db/sql.js';

/** A note's publication as stored: null when the note is not public. */
export interface NotePublicationRow {
  publishedAt: Date;
  publishedBy: string | null;
}

/** Whether the card's note is public, since when and by whom (by name). */
export async function findNotePublication(
  sql: Querier,
  boardId: string,
  cardId: string,
): Promise<NotePublicationRow | null> {
  const [row]: [NotePublicationRow?] = await sql`
    select n.published_at, u.name as published_by
    from public_notes n left join users u on u.id = n.published_by
    where n.board_id = ${boardId} and n.card_id = ${cardId}`;
  return row ?? null;
}

/** Marks the card's note public (kept as it was when it already is) or not public. */
export async function setNotePublic(
  sql: Querier,
  change: { boardId: string; cardId: string; userId: string; public: boolean },
): Promise<void> {
  if (change.public) {
    await sql`
      insert into public_notes (board_id, card_id, published_by)
      values (${change.boardId}, ${change.cardId}, ${change.userId})
      on conflict (board_id, card_id) do nothing`;
  } else {
    await sql`delete from public_notes where board_id = ${change.boardId} and card_id = ${change.cardId}`;
  }
}

/** Which of these cards have a public note. */
export async function publishedNoteCards(sql: Querier, boardId: string, cardIds: string[]): Promise<string[]> {
  if (cardIds.length === 0) return [];
  const rows: { cardId: string }[] = await sql`
    select card_id from public_notes where board_id = ${boardId} and card_id = any(${cardIds}::text[])`;
  return rows.map((r) => r.cardId);
}
