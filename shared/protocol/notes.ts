/**
 * Card notes: one Yjs document per card, next to the board's own document. Shared by the server (the
 * upgrade path, storage keys, the Markdown of a note), the client (the editor's provider) and the tests.
 */

/** The root type of a note document: the note's Markdown, edited as plain text (CodeMirror 6). */
export const NOTE_ROOT = 'markdown';

/** Default size limit of one note's document, in bytes of its updates (`NOTE_DOC_MAX_BYTES`). */
export const DEFAULT_NOTE_DOC_MAX_BYTES = 256 * 1024;

/**
 * Card ids a note may belong to: the board's own ids are UUIDs; anything else a tool may have written
 * must still make a short, path-safe room name (`<boardId>/notes/<cardId>`).
 */
const NOTE_CARD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `cardId` can have a note (see NOTE_CARD_ID). */
export function isNoteCardId(cardId: string): boolean {
  return NOTE_CARD_ID.test(cardId);
}

/** The document name of a card's note within its board (`board_updates.doc`). */
export function noteDocName(cardId: string): string {
  return `notes/${cardId}`;
}

/** The card id of a note's document name, or null when `docName` names no note (the board document is ''). */
export function noteCardIdOf(docName: string): string | null {
  if (!docName.startsWith('notes/')) return null;
  const cardId = docName.slice('notes/'.length);
  return isNoteCardId(cardId) ? cardId : null;
}

/** The y-websocket room name of a card's note: `new WebsocketProvider(HOST + '/yjs', noteRoom(...), doc)`. */
export function noteRoom(boardId: string, cardId: string): string {
  return `${boardId}/${noteDocName(cardId)}`;
}
