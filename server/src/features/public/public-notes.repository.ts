import type { Sql } from '#server/db/sql.js';

/**
 * The slot where session notes reach the public page: the notes each card's owner marked public, by
 * card id, as plain text (the page escapes it). Notes (a Yjs document per card, ARCHITECTURE §11) are
 * built by another feature, which fills this function in; until then no card has public notes, so past
 * sessions are listed without notes. Only cards of shown columns are asked for.
 */
export async function publicNotesFor(_sql: Sql, _boardId: string, _cardIds: string[]): Promise<Map<string, string>> {
  return new Map();
}
