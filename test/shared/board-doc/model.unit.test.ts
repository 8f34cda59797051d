import { describe, expect, it } from 'vitest';
import { BOARD_DOC_LIMITS } from '#shared/protocol/limits.js';
import { addCard, addComment } from '#shared/protocol/board-doc/edits.js';
import { readCard, readColumn, readComment } from '#shared/protocol/board-doc/model.js';
import { newBoard, addPaper, writeRaw } from '#test/helpers/board-doc.js';

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
