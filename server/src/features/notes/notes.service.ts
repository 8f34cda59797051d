import * as Y from 'yjs';
import { isNoteCardId, NOTE_ROOT, noteCardIdOf, noteDocName } from '#shared/protocol/notes.js';
import { publishedNoteCards } from './note-publication.repository.js';
import type { Sql } from '#server/db/sql.js';
import { loadBoardUpdates, loadNoteUpdates } from '#server/sync/board-updates.repository.js';

/** The Markdown of a note document given its stored updates ('' when it has none). */
export function noteText(updates: Uint8Array[]): string {
  if (updates.length === 0) return '';
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update);
    });
    return doc.getText(NOTE_ROOT).toString();
  } finally {
    doc.destroy();
  }
}

/**
 * A card's note as Markdown, read from the stored log ('' when the card has no note). Notes are edited
 * as Markdown text (CodeMirror 6 on `doc.getText('markdown')`), so this is the text itself. The log is at
 * most one group commit (~50 ms) behind what connected editors see. The text is what members typed:
 * a page that renders it must sanitise the HTML it makes (e.g. `marked` then DOMPurify, as the client
 * does for comments).
 */
export async function noteMarkdown(sql: Sql, boardId: string, cardId: string): Promise<string> {
  return noteText(await loadBoardUpdates(sql, boardId, noteDocName(cardId)));
}

/**
 * Every non-empty note of a board, as Markdown by card id (cards no longer on the board included), or
 * only those of `cardIds`.
 */
export async function boardNotes(sql: Sql, boardId: string, cardIds?: string[]): Promise<Map<string, string>> {
  const notes = new Map<string, string>();
  const docs = cardIds?.filter(isNoteCardId).map(noteDocName);
  for (const [docName, updates] of await loadNoteUpdates(sql, boardId, docs)) {
    const cardId = noteCardIdOf(docName);
    const text = cardId ? noteText(updates) : '';
    if (cardId && text.trim() !== '') notes.set(cardId, text);
  }
  return notes;
}

/**
 * The notes the owner published of these cards (ARCHITECTURE §11, the public page), as Markdown by card
 * id; a published note that is still empty is left out. Members' text: a page must escape it.
 */
export async function publicNotes(sql: Sql, boardId: string, cardIds: string[]): Promise<Map<string, string>> {
  const published = await publishedNoteCards(sql, boardId, cardIds);
  return published.length === 0 ? new Map() : boardNotes(sql, boardId, published);
}
