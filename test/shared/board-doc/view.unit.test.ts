import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addComment,
  deleteColumn,
  deleteComment,
  editComment,
  moveCard,
  renameColumn,
} from '#shared/protocol/board-doc/edits.js';
import { DEFAULT_COLUMNS, FALLBACK_COLUMN_ID } from '#shared/protocol/board-doc/model.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import {
  newBoard,
  replicaOf,
  sync,
  titles,
  cardIds,
  columnOf,
  thread,
  addPaper,
  writeRaw,
} from '#test/helpers/board-doc.js';

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

describe('comment threads', () => {
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
