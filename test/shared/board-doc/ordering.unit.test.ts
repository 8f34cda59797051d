import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BOARD_DOC_LIMITS } from '#shared/protocol/limits.js';
import { addCard, moveCard } from '#shared/protocol/board-doc/edits.js';
import { readCard } from '#shared/protocol/board-doc/model.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { newBoard, replicaOf, sync, titles, cardIds, addPaper, writeRaw } from '#test/helpers/board-doc.js';

describe('order keys', () => {
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
});

describe('ties between equal sort keys', () => {
  it('breaks a tie in addedAt between duplicate cards by id', () => {
    const { doc, nominated } = newBoard();
    const fields = { paperId: 'paper-1', columnId: nominated, order: 'a0', addedBy: 'u', addedAt: 5 };
    writeRaw(doc, 'cards', 'card-b', fields);
    writeRaw(doc, 'cards', 'card-a', fields);
    expect(cardIds(boardView(doc), nominated)).toEqual(['card-a']);
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
});
