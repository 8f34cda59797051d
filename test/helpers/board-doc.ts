// Helpers shared by the board document's tests (test/shared/board-doc/).
import { expect } from 'vitest';
import * as Y from 'yjs';
import { addCard, initBoardDoc } from '#shared/protocol/board-doc/edits.js';
import { BoardDocError } from '#shared/protocol/board-doc/model.js';
import { boardView, type BoardView } from '#shared/protocol/board-doc/view.js';

export function newBoard() {
  const doc = new Y.Doc();
  initBoardDoc(doc);
  const [nominated, shortlist, scheduled, read] = boardView(doc).columns.map((column) => column.id);
  return { doc, nominated, shortlist, scheduled, read };
}

/** A second replica holding everything `doc` has. */
export function replicaOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

export function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

export function countUpdates(doc: Y.Doc, change: () => void): number {
  let updates = 0;
  const onUpdate = () => updates++;
  doc.on('update', onUpdate);
  try {
    change();
  } finally {
    doc.off('update', onUpdate);
  }
  return updates;
}

export const titles = (view: BoardView) => view.columns.map((column) => column.title);
export const cardIds = (view: BoardView, columnId: string) =>
  view.columns.find((column) => column.id === columnId)?.cards.map((card) => card.id);
export const columnOf = (view: BoardView, cardId: string) =>
  view.columns.filter((column) => column.cards.some((card) => card.id === cardId)).map((column) => column.id);
export const thread = (view: BoardView, cardId: string) => (view.comments[cardId] ?? []).map((comment) => comment.id);

export function addPaper(doc: Y.Doc, columnId: string, paperId: string, now = 1000) {
  return addCard(doc, { paperId, columnId, addedBy: 'user-1', now });
}

/** Writes an entry the way an untrusted client could, bypassing the helpers. */
export function writeRaw(
  doc: Y.Doc,
  map: 'columns' | 'cards' | 'comments',
  id: string,
  fields: Record<string, unknown>,
) {
  doc.getMap<unknown>(map).set(id, new Y.Map<unknown>(Object.entries(fields)));
}

export function expectRefusal(change: () => unknown, code: string) {
  let caught: unknown;
  try {
    change();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BoardDocError);
  expect((caught as BoardDocError).code).toBe(code);
}
