import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addCard, initBoardDoc } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { replaceProjection } from '#server/features/cards/cards.repository.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { addPaper, createBoard, signUp, type TestUser } from '#test/helpers/factories.js';

// Documents come from clients: whatever a member writes into them — NUL and control characters, dates
// no calendar holds, over-long strings, numbers where strings belong — must not stop the board's
// projection (and with it GET …/cards, votes and assignments) for everybody.
let t: TestApp;
let owner: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  owner = await signUp(t.app, 'Owner');
});
afterAll(() => t.close());

/** Writes raw values into a new entry of `map`, bypassing the helpers' checks as a hostile client would. */
function poke(doc: Y.Doc, map: string, key: string, fields: Record<string, unknown>): void {
  doc.getMap(map).set(key, new Y.Map(Object.entries(fields)));
}

describe('a board with poisoned values', () => {
  it('keeps projecting its good cards, and votes still work', async () => {
    const boardId = (await createBoard(t.app, owner, 'Poisoned')).id;
    const paperId = await addPaper(t.app, owner, 'A good paper');
    const goodCard = await t.app.sync.edit(boardId, new ServerEdit(owner.user.id), (doc) => {
      const first = boardView(doc).columns[0].id;
      const id = addCard(doc, { paperId, columnId: first, addedBy: owner.user.id });
      poke(doc, 'columns', 'nul-column', { title: 'Bad\u0000title', order: 'a5' });
      poke(doc, 'columns', 'long-column', { title: 'x'.repeat(5000), order: 'a6' });
      poke(doc, 'cards', 'far-future', {
        paperId,
        columnId: first,
        order: 'a1',
        addedBy: owner.user.id,
        addedAt: 1e16,
      });
      poke(doc, 'cards', 'key\u0000nul', { paperId, columnId: first, order: 'a2', addedBy: owner.user.id, addedAt: 1 });
      poke(doc, 'cards', 'numbers', { paperId: 42, columnId: first, order: 'a3', addedBy: owner.user.id, addedAt: 1 });
      poke(doc, 'cards', 'nul-paper', {
        paperId: 'p\u0000',
        columnId: 'nul-column',
        order: 'a4',
        addedBy: 'x\u0007',
        addedAt: Number.NaN,
      });
      poke(doc, 'comments', 'nul-comment', {
        cardId: id,
        authorId: owner.user.id,
        body: 'hi\u0000 there',
        createdAt: 1,
      });
      return id;
    });
    await expect
      .poll(
        async () => {
          const res = await t.app.inject({ url: `/api/boards/${boardId}/cards`, headers: { cookie: owner.cookie } });
          return res.statusCode === 200 ? res.json() : null;
        },
        { timeout: 10_000 },
      )
      .toMatchObject({
        columns: expect.arrayContaining([expect.objectContaining({ id: 'nul-column', title: 'Bad title' })]),
        cards: [expect.objectContaining({ id: goodCard, commentCount: 1 })],
      });
    const vote = await t.app.inject({
      method: 'PUT',
      url: `/api/boards/${boardId}/cards/${goodCard}/vote`,
      headers: { cookie: owner.cookie },
      payload: {},
    });
    expect(vote.statusCode, vote.body).toBe(200);
    const view = boardView(t.app.sync.peek(boardId)!);
    expect(view.columns.map((c) => c.id)).not.toContain('long-column');
    expect(view.comments[goodCard][0].body).toBe('hi there');
  });
});

describe('the derived view and the projection', () => {
  it('take any hostile value in any field without failing (property)', async () => {
    const boardId = (await createBoard(t.app, owner, 'Fuzzed')).id;
    const hostileString = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('\u0000', 'a\u0000b', '\u0007', '\uD800', '\uFEFF', ' ', '', 'x'.repeat(300)),
    );
    const hostile = fc.oneof(
      hostileString,
      fc.double(),
      fc.constantFrom(1e16, -1e16, 8.64e15, 253402300800000, -62135596800001, Number.NaN, Infinity, -0, 2 ** 53),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
    );
    // Entries carry every field the view needs, each either well-formed or hostile, so that hostile values
    // reach the view's parsing of each field rather than failing the entry on a missing one.
    const maybe = <T>(valid: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 2, arbitrary: valid }, { weight: 1, arbitrary: hostile });
    const id = fc.uuid();
    const order = fc.constantFrom('a0', 'a1', 'a2', 'Zz');
    const time = fc.integer({ min: 0, max: 2e12 });
    const column = fc.record({ title: maybe(fc.string({ minLength: 1, maxLength: 20 })), order: maybe(order) });
    const card = fc.record({
      paperId: maybe(id),
      columnId: maybe(fc.constant('first')),
      order: maybe(order),
      addedBy: maybe(id),
      addedAt: maybe(time),
    });
    const comment = fc.record({
      cardId: maybe(fc.constant('card')),
      authorId: maybe(id),
      body: maybe(fc.string({ minLength: 1 })),
      createdAt: maybe(time),
    });
    const entry = fc.oneof(
      fc.record({ map: fc.constant('columns'), key: maybe(id), fields: column }),
      fc.record({ map: fc.constant('cards'), key: maybe(id), fields: card }),
      fc.record({ map: fc.constant('comments'), key: maybe(id), fields: comment }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 6 }), async (entries) => {
        const doc = new Y.Doc();
        initBoardDoc(doc);
        const first = boardView(doc).columns[0].id;
        poke(doc, 'cards', 'card', { paperId: 'p', columnId: first, order: 'a0', addedBy: 'u', addedAt: 1 });
        for (const { map, key, fields } of entries) {
          const resolved = Object.fromEntries(
            Object.entries(fields).map(([name, value]) => [name, value === 'first' ? first : value]),
          );
          poke(doc, map, typeof key === 'string' ? key : String(key), resolved);
        }
        const view = boardView(doc);
        // Everything the view shows is storable: the projection goes through.
        await replaceProjection(t.db.sql, boardId, view);
        const [{ n }] = await t.db.sql<{ n: number }[]>`
          select count(*)::int as n from board_columns where board_id = ${boardId}`;
        expect(n).toBe(view.columns.length);
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
