import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  BOARD_DOC_LIMITS,
  BoardDocError,
  DEFAULT_COLUMNS,
  FALLBACK_COLUMN_ID,
  addCard,
  addColumn,
  addComment,
  arrangeColumn,
  boardView,
  deleteColumn,
  deleteComment,
  editComment,
  initBoardDoc,
  moveCard,
  moveColumn,
  readCard,
  readColumn,
  readComment,
  removeCard,
  renameColumn,
  type BoardView,
} from '../../shared/protocol/board-doc.js';

function newBoard() {
  const doc = new Y.Doc();
  initBoardDoc(doc);
  const [nominated, shortlist, scheduled, read] = boardView(doc).columns.map((column) => column.id);
  return { doc, nominated, shortlist, scheduled, read };
}

/** A second replica holding everything `doc` has. */
function replicaOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

function countUpdates(doc: Y.Doc, change: () => void): number {
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

const titles = (view: BoardView) => view.columns.map((column) => column.title);
const cardIds = (view: BoardView, columnId: string) =>
  view.columns.find((column) => column.id === columnId)?.cards.map((card) => card.id);
const columnOf = (view: BoardView, cardId: string) =>
  view.columns.filter((column) => column.cards.some((card) => card.id === cardId)).map((column) => column.id);
const thread = (view: BoardView, cardId: string) => (view.comments[cardId] ?? []).map((comment) => comment.id);

function addPaper(doc: Y.Doc, columnId: string, paperId: string, now = 1000) {
  return addCard(doc, { paperId, columnId, addedBy: 'user-1', now });
}

/** Writes an entry the way an untrusted client could, bypassing the helpers. */
function writeRaw(doc: Y.Doc, map: 'columns' | 'cards' | 'comments', id: string, fields: Record<string, unknown>) {
  doc.getMap<unknown>(map).set(id, new Y.Map<unknown>(Object.entries(fields)));
}

function expectRefusal(change: () => unknown, code: string) {
  let caught: unknown;
  try {
    change();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BoardDocError);
  expect((caught as BoardDocError).code).toBe(code);
}

describe('initBoardDoc', () => {
  it('writes the four default columns with increasing orders', () => {
    const { doc } = newBoard();
    const view = boardView(doc);
    expect(titles(view)).toEqual([...DEFAULT_COLUMNS]);
    const orders = view.columns.map((column) => column.order);
    expect([...orders].sort()).toEqual(orders);
    expect(new Set(orders).size).toBe(4);
  });

  it('refuses to initialise a document that already has columns', () => {
    const { doc } = newBoard();
    expectRefusal(() => initBoardDoc(doc), 'conflict');
    expect(doc.getMap('columns').size).toBe(4);
  });
});

describe('readers', () => {
  it('readCard returns the stored fields of a well-formed card', () => {
    const { doc, shortlist } = newBoard();
    const id = addCard(doc, { paperId: 'paper-1', columnId: shortlist, addedBy: 'user-1', now: 42 });
    expect(readCard(doc, id)).toEqual({
      id,
      paperId: 'paper-1',
      columnId: shortlist,
      order: expect.any(String),
      addedBy: 'user-1',
      addedAt: 42,
    });
  });

  it('readCard returns null for a card with an ill-typed field', () => {
    const { doc, nominated } = newBoard();
    writeRaw(doc, 'cards', 'bad', { paperId: 'p', columnId: nominated, order: 'a0', addedBy: 'u', addedAt: '1' });
    expect(readCard(doc, 'bad')).toBeNull();
  });

  it('readCard returns null for an entry that is not a map', () => {
    const { doc } = newBoard();
    doc.getMap<unknown>('cards').set('plain', { paperId: 'p' });
    expect(readCard(doc, 'plain')).toBeNull();
  });

  it('readColumn returns null for a title longer than the limit', () => {
    const { doc } = newBoard();
    writeRaw(doc, 'columns', 'long', { title: 'x'.repeat(BOARD_DOC_LIMITS.title + 1), order: 'a5' });
    expect(readColumn(doc, 'long')).toBeNull();
  });

  it('readComment returns null for a live comment with an empty body', () => {
    const { doc } = newBoard();
    writeRaw(doc, 'comments', 'empty', { cardId: 'c', authorId: 'u', body: '', createdAt: 1 });
    expect(readComment(doc, 'empty')).toBeNull();
  });

  it('readComment returns the optional fields only when they are set', () => {
    const { doc, nominated } = newBoard();
    const cardId = addPaper(doc, nominated, 'paper-1');
    const parent = addComment(doc, { cardId, authorId: 'u', body: 'first', now: 5 });
    const reply = addComment(doc, { cardId, authorId: 'u', body: 'second', replyTo: parent, now: 6 });
    expect(readComment(doc, parent)).toEqual({ id: parent, cardId, authorId: 'u', body: 'first', createdAt: 5 });
    expect(readComment(doc, reply)?.replyTo).toBe(parent);
  });
});

describe('columns', () => {
  it('addColumn appends at the right end by default', () => {
    const { doc } = newBoard();
    const id = addColumn(doc, 'Later');
    const view = boardView(doc);
    expect(titles(view)).toEqual([...DEFAULT_COLUMNS, 'Later']);
    expect(view.columns[4].id).toBe(id);
  });

  it('addColumn puts the column right after the one named in after', () => {
    const { doc, nominated } = newBoard();
    addColumn(doc, 'Maybe', { after: nominated });
    expect(titles(boardView(doc))).toEqual(['Nominated', 'Maybe', 'Shortlist', 'Scheduled', 'Read']);
  });

  it('addColumn stores the title trimmed', () => {
    const { doc } = newBoard();
    const id = addColumn(doc, '  Later  ');
    expect(readColumn(doc, id)?.title).toBe('Later');
  });

  it('addColumn rejects a blank title', () => {
    const { doc } = newBoard();
    expectRefusal(() => addColumn(doc, '   '), 'invalid');
  });

  it('addColumn rejects a title longer than the limit', () => {
    const { doc } = newBoard();
    expectRefusal(() => addColumn(doc, 'x'.repeat(BOARD_DOC_LIMITS.title + 1)), 'invalid');
    expect(addColumn(doc, 'x'.repeat(BOARD_DOC_LIMITS.title))).toEqual(expect.any(String));
  });

  it('addColumn after an unknown column throws not_found', () => {
    const { doc } = newBoard();
    expectRefusal(() => addColumn(doc, 'Later', { after: 'nope' }), 'not_found');
  });

  it('renameColumn changes the title', () => {
    const { doc, read } = newBoard();
    renameColumn(doc, read, 'Done');
    expect(titles(boardView(doc))).toEqual(['Nominated', 'Shortlist', 'Scheduled', 'Done']);
  });

  it('renameColumn of an unknown column throws not_found', () => {
    const { doc } = newBoard();
    expectRefusal(() => renameColumn(doc, 'nope', 'Done'), 'not_found');
  });

  it('moveColumn before another column puts it right before it', () => {
    const { doc, nominated, read } = newBoard();
    moveColumn(doc, read, { before: nominated });
    expect(titles(boardView(doc))).toEqual(['Read', 'Nominated', 'Shortlist', 'Scheduled']);
  });

  it('moveColumn after another column puts it right after it', () => {
    const { doc, nominated, scheduled } = newBoard();
    moveColumn(doc, nominated, { after: scheduled });
    expect(titles(boardView(doc))).toEqual(['Shortlist', 'Scheduled', 'Nominated', 'Read']);
  });

  it('moveColumn to an index places it there among the other columns', () => {
    const { doc, read } = newBoard();
    moveColumn(doc, read, { index: 1 });
    expect(titles(boardView(doc))).toEqual(['Nominated', 'Read', 'Shortlist', 'Scheduled']);
  });

  it('moveColumn with both before and after throws invalid', () => {
    const { doc, nominated, shortlist, read } = newBoard();
    expectRefusal(() => moveColumn(doc, read, { before: nominated, after: shortlist }), 'invalid');
  });

  it('deleteColumn moves its cards, in order, to the bottom of the first remaining column', () => {
    const { doc, nominated, shortlist } = newBoard();
    const kept = addPaper(doc, nominated, 'paper-0');
    const first = addPaper(doc, shortlist, 'paper-1');
    const second = addPaper(doc, shortlist, 'paper-2');
    deleteColumn(doc, shortlist);
    const view = boardView(doc);
    expect(titles(view)).toEqual(['Nominated', 'Scheduled', 'Read']);
    expect(cardIds(view, nominated)).toEqual([kept, first, second]);
    expect(readCard(doc, first)?.columnId).toBe(nominated);
  });

  it('deleteColumn moves its cards to the column named in moveCardsTo', () => {
    const { doc, shortlist, read } = newBoard();
    const card = addPaper(doc, shortlist, 'paper-1');
    deleteColumn(doc, shortlist, { moveCardsTo: read });
    expect(cardIds(boardView(doc), read)).toEqual([card]);
  });

  it('deleteColumn writes the column removal and the card moves in one transaction', () => {
    const { doc, shortlist } = newBoard();
    addPaper(doc, shortlist, 'paper-1');
    addPaper(doc, shortlist, 'paper-2');
    expect(countUpdates(doc, () => deleteColumn(doc, shortlist))).toBe(1);
  });

  it('deleteColumn refuses to delete the last column', () => {
    const { doc, nominated, shortlist, scheduled, read } = newBoard();
    const card = addPaper(doc, read, 'paper-1');
    for (const id of [nominated, shortlist, scheduled]) deleteColumn(doc, id);
    expectRefusal(() => deleteColumn(doc, read), 'conflict');
    expect(cardIds(boardView(doc), read)).toEqual([card]);
  });

  it('deleteColumn refuses to move the cards into the column being deleted', () => {
    const { doc, shortlist } = newBoard();
    expectRefusal(() => deleteColumn(doc, shortlist, { moveCardsTo: shortlist }), 'invalid');
    expect(readColumn(doc, shortlist)).not.toBeNull();
  });

  it('deleteColumn refuses an unknown moveCardsTo column', () => {
    const { doc, shortlist } = newBoard();
    expectRefusal(() => deleteColumn(doc, shortlist, { moveCardsTo: 'nope' }), 'not_found');
    expect(readColumn(doc, shortlist)).not.toBeNull();
  });
});

describe('cards', () => {
  it('addCard appends to the bottom of the column by default', () => {
    const { doc, nominated } = newBoard();
    const first = addPaper(doc, nominated, 'paper-1');
    const second = addPaper(doc, nominated, 'paper-2');
    expect(cardIds(boardView(doc), nominated)).toEqual([first, second]);
  });

  it('addCard at the top puts the card first', () => {
    const { doc, nominated } = newBoard();
    const first = addPaper(doc, nominated, 'paper-1');
    const top = addCard(doc, { paperId: 'paper-2', columnId: nominated, addedBy: 'u', position: 'top' });
    expect(cardIds(boardView(doc), nominated)).toEqual([top, first]);
  });

  it('addCard before and after a card places it next to that card', () => {
    const { doc, nominated } = newBoard();
    const a = addPaper(doc, nominated, 'paper-a');
    const c = addPaper(doc, nominated, 'paper-c');
    const b = addCard(doc, { paperId: 'paper-b', columnId: nominated, addedBy: 'u', position: { before: c } });
    const d = addCard(doc, { paperId: 'paper-d', columnId: nominated, addedBy: 'u', position: { after: c } });
    expect(cardIds(boardView(doc), nominated)).toEqual([a, b, c, d]);
  });

  it('addCard refuses a paper that is already on the board', () => {
    const { doc, nominated, read } = newBoard();
    addPaper(doc, nominated, 'paper-1');
    expectRefusal(() => addPaper(doc, read, 'paper-1'), 'conflict');
  });

  it('addCard refuses an unknown column', () => {
    const { doc } = newBoard();
    expectRefusal(() => addPaper(doc, 'nope', 'paper-1'), 'not_found');
  });

  it('addCard refuses an empty paper id', () => {
    const { doc, nominated } = newBoard();
    expectRefusal(() => addPaper(doc, nominated, ''), 'invalid');
  });

  it('moveCard to another column at an index places it there', () => {
    const { doc, nominated, shortlist } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const a = addPaper(doc, shortlist, 'paper-a');
    const b = addPaper(doc, shortlist, 'paper-b');
    moveCard(doc, card, { columnId: shortlist, index: 1 });
    const view = boardView(doc);
    expect(cardIds(view, shortlist)).toEqual([a, card, b]);
    expect(cardIds(view, nominated)).toEqual([]);
  });

  it('moveCard before a card in the same column reorders the column', () => {
    const { doc, nominated } = newBoard();
    const a = addPaper(doc, nominated, 'paper-a');
    const b = addPaper(doc, nominated, 'paper-b');
    const c = addPaper(doc, nominated, 'paper-c');
    moveCard(doc, c, { columnId: nominated, before: a });
    expect(cardIds(boardView(doc), nominated)).toEqual([c, a, b]);
  });

  it('moveCard after a card in the same column reorders the column', () => {
    const { doc, nominated } = newBoard();
    const a = addPaper(doc, nominated, 'paper-a');
    const b = addPaper(doc, nominated, 'paper-b');
    const c = addPaper(doc, nominated, 'paper-c');
    moveCard(doc, a, { columnId: nominated, after: b });
    expect(cardIds(boardView(doc), nominated)).toEqual([b, a, c]);
  });

  it('moveCard sets columnId and order in one transaction on the same entry', () => {
    const { doc, nominated, read } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const entry = doc.getMap('cards').get(card);
    expect(countUpdates(doc, () => moveCard(doc, card, { columnId: read }))).toBe(1);
    expect(doc.getMap('cards').get(card)).toBe(entry);
    expect(readCard(doc, card)?.columnId).toBe(read);
  });

  it('moveCard to the place the card already has writes nothing', () => {
    const { doc, nominated } = newBoard();
    addPaper(doc, nominated, 'paper-a');
    const b = addPaper(doc, nominated, 'paper-b');
    expect(countUpdates(doc, () => moveCard(doc, b, { columnId: nominated, index: 1 }))).toBe(0);
  });

  it('moveCard of a card that is not on the board throws not_found', () => {
    const { doc, nominated } = newBoard();
    expectRefusal(() => moveCard(doc, 'nope', { columnId: nominated }), 'not_found');
  });

  it('moveCard next to a card of another column throws not_found', () => {
    const { doc, nominated, read } = newBoard();
    const a = addPaper(doc, nominated, 'paper-a');
    const b = addPaper(doc, nominated, 'paper-b');
    expectRefusal(() => moveCard(doc, a, { columnId: read, before: b }), 'not_found');
  });

  it('concurrent moves of one card in two docs merge into exactly one placement', () => {
    const { doc: a, nominated, shortlist, read } = newBoard();
    const card = addPaper(a, nominated, 'paper-1');
    const b = replicaOf(a);
    moveCard(a, card, { columnId: shortlist });
    moveCard(b, card, { columnId: read });
    sync(a, b);
    const view = boardView(a);
    expect(view).toEqual(boardView(b));
    expect(columnOf(view, card)).toHaveLength(1);
    expect([shortlist, read]).toContain(columnOf(view, card)[0]);
    expect(a.getMap('cards').size).toBe(1);
  });

  it('inserting between two cards with equal orders gives the column fresh distinct orders', () => {
    const { doc: a, nominated } = newBoard();
    const b = replicaOf(a);
    // Both replicas generate the same key for the same empty column.
    const fromA = addPaper(a, nominated, 'paper-a');
    const fromB = addPaper(b, nominated, 'paper-b');
    sync(a, b);
    expect(readCard(a, fromA)?.order).toBe(readCard(a, fromB)?.order);
    const [first, second] = cardIds(boardView(a), nominated)!;
    const middle = addCard(a, { paperId: 'paper-m', columnId: nominated, addedBy: 'u', position: { after: first } });
    const view = boardView(a);
    expect(cardIds(view, nominated)).toEqual([first, middle, second]);
    expect(new Set(view.columns[0].cards.map((card) => card.order)).size).toBe(3);
  });

  it('keeps order keys within the limit when cards are inserted at the same spot many times', () => {
    const { doc, nominated } = newBoard();
    const first = addPaper(doc, nominated, 'paper-first');
    addPaper(doc, nominated, 'paper-last');
    const inserted: string[] = [];
    for (let i = 0; i < 200; i++) {
      const id = addCard(doc, { paperId: `paper-${i}`, columnId: nominated, addedBy: 'u', position: { after: first } });
      inserted.unshift(id);
    }
    const cards = boardView(doc).columns[0].cards;
    expect(cards.map((card) => card.id).slice(1, -1)).toEqual(inserted);
    expect(Math.max(...cards.map((card) => card.order.length))).toBeLessThanOrEqual(BOARD_DOC_LIMITS.order);
  });

  it('gives the column fresh orders when the key between two neighbours would exceed the limit', () => {
    const { doc, nominated } = newBoard();
    const longest = 'a0' + 'z'.repeat(BOARD_DOC_LIMITS.order - 2);
    writeRaw(doc, 'cards', 'low', { paperId: 'p-low', columnId: nominated, order: longest, addedBy: 'u', addedAt: 1 });
    writeRaw(doc, 'cards', 'high', { paperId: 'p-high', columnId: nominated, order: 'a1', addedBy: 'u', addedAt: 1 });
    const middle = addCard(doc, { paperId: 'p-mid', columnId: nominated, addedBy: 'u', position: { after: 'low' } });
    const cards = boardView(doc).columns[0].cards;
    expect(cards.map((card) => card.id)).toEqual(['low', middle, 'high']);
    expect(Math.max(...cards.map((card) => card.order.length))).toBeLessThanOrEqual(BOARD_DOC_LIMITS.order);
  });

  it('moveCard next to a card whose order is not a fractional index still places it', () => {
    const { doc, nominated } = newBoard();
    writeRaw(doc, 'cards', 'foreign', {
      paperId: 'paper-f',
      columnId: nominated,
      order: 'hand written!',
      addedBy: 'u',
      addedAt: 1,
    });
    const mine = addPaper(doc, nominated, 'paper-1');
    moveCard(doc, mine, { columnId: nominated, before: 'foreign' });
    expect(cardIds(boardView(doc), nominated)).toEqual([mine, 'foreign']);
  });

  it('removeCard deletes the entry and keeps its comments in the document but out of the view', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const comment = addComment(doc, { cardId: card, authorId: 'u', body: 'hello' });
    removeCard(doc, card);
    const view = boardView(doc);
    expect(doc.getMap('cards').has(card)).toBe(false);
    expect(readComment(doc, comment)).not.toBeNull();
    expect(view.comments[card]).toBeUndefined();
    expect(view.columns.flatMap((column) => column.cards)).toEqual([]);
  });

  it('removeCard also removes hidden duplicates of the same paper', () => {
    const { doc: a, nominated } = newBoard();
    const b = replicaOf(a);
    const early = addPaper(a, nominated, 'paper-1', 1);
    addPaper(b, nominated, 'paper-1', 2);
    sync(a, b);
    removeCard(a, early);
    expect(boardView(a).columns.flatMap((column) => column.cards)).toEqual([]);
    expect(a.getMap('cards').size).toBe(0);
  });

  it('removeCard of an unknown card throws not_found', () => {
    const { doc } = newBoard();
    expectRefusal(() => removeCard(doc, 'nope'), 'not_found');
  });
});

describe('boardView', () => {
  it('shows one card, the earliest, when two replicas add the same paper at once', () => {
    const { doc: a, nominated, read } = newBoard();
    const b = replicaOf(a);
    addPaper(a, read, 'paper-1', 2000);
    const earliest = addPaper(b, nominated, 'paper-1', 1000);
    sync(a, b);
    const view = boardView(a);
    expect(view).toEqual(boardView(b));
    expect(view.columns.flatMap((column) => column.cards.map((card) => card.id))).toEqual([earliest]);
  });

  it('breaks a tie in addedAt between duplicate cards by id', () => {
    const { doc, nominated } = newBoard();
    const fields = { paperId: 'paper-1', columnId: nominated, order: 'a0', addedBy: 'u', addedAt: 5 };
    writeRaw(doc, 'cards', 'card-b', fields);
    writeRaw(doc, 'cards', 'card-a', fields);
    expect(cardIds(boardView(doc), nominated)).toEqual(['card-a']);
  });

  it('shows a card whose column was deleted concurrently in the first column', () => {
    const { doc: a, nominated, scheduled } = newBoard();
    const b = replicaOf(a);
    deleteColumn(a, scheduled);
    const card = addPaper(b, scheduled, 'paper-1');
    sync(a, b);
    const view = boardView(a);
    expect(view).toEqual(boardView(b));
    expect(columnOf(view, card)).toEqual([nominated]);
  });

  it('shows a fallback column holding the cards when concurrent deletes removed every column', () => {
    const { doc: a, nominated, shortlist, scheduled, read } = newBoard();
    deleteColumn(a, scheduled);
    deleteColumn(a, read);
    const card = addPaper(a, nominated, 'paper-1');
    const b = replicaOf(a);
    deleteColumn(a, nominated);
    deleteColumn(b, shortlist);
    sync(a, b);
    const view = boardView(a);
    expect(a.getMap('columns').size).toBe(0);
    expect(view.columns.map((column) => column.id)).toEqual([FALLBACK_COLUMN_ID]);
    expect(cardIds(view, FALLBACK_COLUMN_ID)).toEqual([card]);
  });

  it('renaming the fallback column creates a real column that takes over its cards', () => {
    const { doc, nominated } = newBoard();
    writeRaw(doc, 'cards', 'orphan', { paperId: 'p', columnId: 'gone', order: 'a0', addedBy: 'u', addedAt: 1 });
    doc.transact(() => doc.getMap('columns').clear());
    renameColumn(doc, FALLBACK_COLUMN_ID, 'Inbox');
    const view = boardView(doc);
    expect(titles(view)).toEqual(['Inbox']);
    expect(view.columns[0].id).not.toBe(FALLBACK_COLUMN_ID);
    expect(view.columns[0].id).not.toBe(nominated);
    expect(view.columns[0].cards.map((card) => card.id)).toEqual(['orphan']);
  });

  it('shows no column for an empty document', () => {
    expect(boardView(new Y.Doc())).toEqual({ columns: [], comments: {} });
  });

  it('sorts columns and cards with equal orders by id', () => {
    const doc = new Y.Doc();
    writeRaw(doc, 'columns', 'col-b', { title: 'B', order: 'a0' });
    writeRaw(doc, 'columns', 'col-a', { title: 'A', order: 'a0' });
    writeRaw(doc, 'cards', 'card-2', { paperId: 'p2', columnId: 'col-a', order: 'a0', addedBy: 'u', addedAt: 1 });
    writeRaw(doc, 'cards', 'card-1', { paperId: 'p1', columnId: 'col-a', order: 'a0', addedBy: 'u', addedAt: 1 });
    const view = boardView(doc);
    expect(titles(view)).toEqual(['A', 'B']);
    expect(cardIds(view, 'col-a')).toEqual(['card-1', 'card-2']);
  });

  it('ignores malformed columns, cards and comments', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    writeRaw(doc, 'columns', 'untitled', { order: 'a9' });
    writeRaw(doc, 'cards', 'no-paper', { columnId: nominated, order: 'a5', addedBy: 'u', addedAt: 1 });
    writeRaw(doc, 'comments', 'no-author', { cardId: card, body: 'hi', createdAt: 1 });
    doc.getMap<unknown>('comments').set('not-a-map', 'hello');
    const view = boardView(doc);
    expect(titles(view)).toEqual([...DEFAULT_COLUMNS]);
    expect(cardIds(view, nominated)).toEqual([card]);
    expect(view.comments[card]).toEqual([]);
  });

  it('keeps a hostile card id such as __proto__ as a plain key of the comment threads', () => {
    const { doc, nominated } = newBoard();
    writeRaw(doc, 'cards', '__proto__', { paperId: 'p', columnId: nominated, order: 'a0', addedBy: 'u', addedAt: 1 });
    writeRaw(doc, 'comments', 'c1', { cardId: '__proto__', authorId: 'u', body: 'hi', createdAt: 1 });
    const view = boardView(doc);
    expect(Object.keys(view.comments)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(view.comments)).toBe(Object.prototype);
    expect(view.comments['__proto__'].map((comment) => comment.id)).toEqual(['c1']);
  });

  it('is the same on every replica whatever order the updates arrive in', () => {
    const { doc: a, nominated, shortlist } = newBoard();
    const initial = Y.encodeStateAsUpdate(a);
    const updates: Uint8Array[] = [];
    a.on('update', (update: Uint8Array) => updates.push(update));
    const card = addPaper(a, nominated, 'paper-1');
    moveCard(a, card, { columnId: shortlist });
    addComment(a, { cardId: card, authorId: 'u', body: 'hello' });
    const b = new Y.Doc();
    for (const update of [...updates].reverse()) Y.applyUpdate(b, update);
    Y.applyUpdate(b, initial);
    expect(boardView(b)).toEqual(boardView(a));
    expect(thread(boardView(b), card)).toHaveLength(1);
  });
});

describe('comments', () => {
  it('addComment lists a card’s comments by (createdAt, id)', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const later = addComment(doc, { cardId: card, authorId: 'u', body: 'later', now: 20 });
    const earlier = addComment(doc, { cardId: card, authorId: 'u', body: 'earlier', now: 10 });
    expect(thread(boardView(doc), card)).toEqual([earlier, later]);
  });

  it('places replies right after their parent', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const first = addComment(doc, { cardId: card, authorId: 'u', body: 'first', now: 10 });
    const second = addComment(doc, { cardId: card, authorId: 'u', body: 'second', now: 20 });
    const reply = addComment(doc, { cardId: card, authorId: 'v', body: 'reply', replyTo: first, now: 30 });
    expect(thread(boardView(doc), card)).toEqual([first, reply, second]);
  });

  it('throws when replying to a reply', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const parent = addComment(doc, { cardId: card, authorId: 'u', body: 'parent' });
    const reply = addComment(doc, { cardId: card, authorId: 'u', body: 'reply', replyTo: parent });
    expectRefusal(() => addComment(doc, { cardId: card, authorId: 'u', body: 'deeper', replyTo: reply }), 'invalid');
  });

  it('throws when replying to a comment of another card', () => {
    const { doc, nominated } = newBoard();
    const one = addPaper(doc, nominated, 'paper-1');
    const two = addPaper(doc, nominated, 'paper-2');
    const parent = addComment(doc, { cardId: one, authorId: 'u', body: 'parent' });
    expectRefusal(() => addComment(doc, { cardId: two, authorId: 'u', body: 'reply', replyTo: parent }), 'not_found');
  });

  it('throws when replying to a deleted comment', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const parent = addComment(doc, { cardId: card, authorId: 'u', body: 'parent' });
    deleteComment(doc, parent);
    expectRefusal(() => addComment(doc, { cardId: card, authorId: 'u', body: 'reply', replyTo: parent }), 'conflict');
  });

  it('addComment rejects a blank body', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    expectRefusal(() => addComment(doc, { cardId: card, authorId: 'u', body: ' \n ' }), 'invalid');
  });

  it('addComment rejects a body longer than the limit', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const body = 'x'.repeat(BOARD_DOC_LIMITS.commentBody + 1);
    expectRefusal(() => addComment(doc, { cardId: card, authorId: 'u', body }), 'invalid');
  });

  it('addComment on a card that is not on the board throws not_found', () => {
    const { doc } = newBoard();
    expectRefusal(() => addComment(doc, { cardId: 'nope', authorId: 'u', body: 'hi' }), 'not_found');
  });

  it('editComment sets the body and editedAt in one transaction', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const comment = addComment(doc, { cardId: card, authorId: 'u', body: 'draft', now: 10 });
    expect(countUpdates(doc, () => editComment(doc, comment, 'final', 99))).toBe(1);
    expect(readComment(doc, comment)).toMatchObject({ body: 'final', editedAt: 99, createdAt: 10 });
  });

  it('editComment of a deleted comment throws conflict', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const comment = addComment(doc, { cardId: card, authorId: 'u', body: 'draft' });
    deleteComment(doc, comment);
    expectRefusal(() => editComment(doc, comment, 'again'), 'conflict');
  });

  it('deleteComment marks the comment deleted and empties its body, keeping the entry', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const comment = addComment(doc, { cardId: card, authorId: 'u', body: 'secret' });
    deleteComment(doc, comment);
    expect(readComment(doc, comment)).toMatchObject({ deleted: true, body: '' });
  });

  it('a soft-deleted comment keeps its replies in the thread', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const parent = addComment(doc, { cardId: card, authorId: 'u', body: 'parent', now: 1 });
    const reply = addComment(doc, { cardId: card, authorId: 'v', body: 'reply', replyTo: parent, now: 2 });
    deleteComment(doc, parent);
    const comments = boardView(doc).comments[card];
    expect(comments.map((comment) => comment.id)).toEqual([parent, reply]);
    expect(comments[0]).toMatchObject({ deleted: true, body: '' });
    expect(comments[1]).toMatchObject({ replyTo: parent, body: 'reply' });
  });

  it('a soft-deleted comment without replies leaves the thread', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const comment = addComment(doc, { cardId: card, authorId: 'u', body: 'gone' });
    deleteComment(doc, comment);
    expect(thread(boardView(doc), card)).toEqual([]);
  });

  it('counts the comments that are not deleted on the card', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const parent = addComment(doc, { cardId: card, authorId: 'u', body: 'parent', now: 1 });
    addComment(doc, { cardId: card, authorId: 'v', body: 'reply', replyTo: parent, now: 2 });
    addComment(doc, { cardId: card, authorId: 'v', body: 'other', now: 3 });
    deleteComment(doc, parent);
    expect(boardView(doc).columns[0].cards[0].commentCount).toBe(2);
  });

  it('shows comments made on a hidden duplicate in the thread of the card kept for that paper', () => {
    const { doc: a, nominated } = newBoard();
    const b = replicaOf(a);
    const kept = addPaper(a, nominated, 'paper-1', 1);
    const hidden = addPaper(b, nominated, 'paper-1', 2);
    const comment = addComment(b, { cardId: hidden, authorId: 'u', body: 'offline note' });
    sync(a, b);
    expect(thread(boardView(a), kept)).toEqual([comment]);
  });

  it('an edit concurrent with a delete leaves the comment deleted and its body hidden', () => {
    const { doc: a, nominated } = newBoard();
    const card = addPaper(a, nominated, 'paper-1');
    const parent = addComment(a, { cardId: card, authorId: 'u', body: 'parent', now: 1 });
    addComment(a, { cardId: card, authorId: 'v', body: 'reply', replyTo: parent, now: 2 });
    const b = replicaOf(a);
    deleteComment(a, parent);
    editComment(b, parent, 'edited meanwhile');
    sync(a, b);
    const first = boardView(a).comments[card][0];
    expect(first).toMatchObject({ id: parent, deleted: true, body: '' });
    expect(boardView(b)).toEqual(boardView(a));
  });
});

describe('arrangeColumn', () => {
  it('puts the named cards first in the given order and keeps the rest after them', () => {
    const { doc, nominated } = newBoard();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((p) => addPaper(doc, nominated, `paper-${p}`));
    arrangeColumn(doc, nominated, [c, a]);
    expect(cardIds(boardView(doc), nominated)).toEqual([c, a, b, d]);
  });

  it('writes nothing when the column is already in that order', () => {
    const { doc, nominated } = newBoard();
    const a = addPaper(doc, nominated, 'paper-a');
    const b = addPaper(doc, nominated, 'paper-b');
    expect(countUpdates(doc, () => arrangeColumn(doc, nominated, [a, b]))).toBe(0);
  });

  it('is one update, and merges with a concurrent move out of the column without losing the card', () => {
    const { doc, nominated, read } = newBoard();
    const [a, b, c] = ['a', 'b', 'c'].map((p) => addPaper(doc, nominated, `paper-${p}`));
    const other = replicaOf(doc);
    expect(countUpdates(doc, () => arrangeColumn(doc, nominated, [c, b, a]))).toBe(1);
    moveCard(other, b, { columnId: read });
    sync(doc, other);
    for (const replica of [doc, other]) {
      const view = boardView(replica);
      expect(columnOf(view, b)).toEqual([read]);
      expect(cardIds(view, nominated)).toEqual([c, a]);
    }
  });

  it('refuses a card that is not in the column', () => {
    const { doc, nominated, read } = newBoard();
    addPaper(doc, nominated, 'paper-a');
    const elsewhere = addPaper(doc, read, 'paper-b');
    expectRefusal(() => arrangeColumn(doc, nominated, [elsewhere]), 'not_found');
    expectRefusal(() => arrangeColumn(doc, 'no-column', []), 'not_found');
  });
});
