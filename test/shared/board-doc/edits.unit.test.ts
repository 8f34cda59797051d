import { describe, expect, it } from 'vitest';
import { BOARD_DOC_LIMITS } from '#shared/protocol/limits.js';
import {
  addCard,
  addColumn,
  addComment,
  arrangeColumn,
  deleteColumn,
  deleteComment,
  editComment,
  restoreComment,
  initBoardDoc,
  moveCard,
  moveColumn,
  removeCard,
  renameColumn,
} from '#shared/protocol/board-doc/edits.js';
import { DEFAULT_COLUMNS, readCard, readColumn, readComment } from '#shared/protocol/board-doc/model.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import {
  newBoard,
  replicaOf,
  sync,
  countUpdates,
  titles,
  cardIds,
  columnOf,
  addPaper,
  expectRefusal,
} from '#test/helpers/board-doc.js';

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

describe('comments', () => {
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

  it('restoreComment brings a deleted comment back with its body in one transaction, and leaves a live one alone', () => {
    const { doc, nominated } = newBoard();
    const card = addPaper(doc, nominated, 'paper-1');
    const comment = addComment(doc, { cardId: card, authorId: 'u', body: 'second thoughts' });
    deleteComment(doc, comment);
    expect(countUpdates(doc, () => restoreComment(doc, comment, 'second thoughts'))).toBe(1);
    expect(readComment(doc, comment)).toMatchObject({ body: 'second thoughts' });
    expect(readComment(doc, comment)?.deleted).toBeUndefined();
    expect(boardView(doc).comments[card].map((c) => [c.body, c.deleted])).toEqual([['second thoughts', false]]);
    expect(countUpdates(doc, () => restoreComment(doc, comment, 'other'))).toBe(0);
    expectRefusal(() => restoreComment(doc, 'no-such-comment', 'x'), 'not_found');
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
