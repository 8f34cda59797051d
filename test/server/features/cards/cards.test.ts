import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { addMember, createBoard, signUp, signUpCast, type TestUser } from '#test/helpers/factories.js';
import { connectClient, waitForDoc } from '#test/helpers/yjs.js';
import { addCard, deleteColumn, moveCard, removeCard, renameColumn } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { replaceProjection } from '#server/features/cards/cards.repository.js';
import type { BoardCards } from '#shared/schemas/cards.js';

let t: TestApp;
let owner: TestUser;
let paperIds: string[];

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  owner = await signUp(t.app, 'Projector');
  const text = [
    'Projected paper one',
    'Abstract one.',
    'Projected paper two',
    'Abstract two.',
    'Projected paper three',
    'Abstract three.',
  ].join('\n');
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/papers/import',
    headers: { cookie: owner.cookie },
    payload: { text, format: 'trending' },
  });
  paperIds = res.json().created.map((c: { id: string }) => c.id);
});
afterAll(() => t.close());

async function cards(boardId: string): Promise<BoardCards> {
  const res = await t.app.inject({ url: `/api/boards/${boardId}/cards`, headers: { cookie: owner.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('board projection', () => {
  it('shows a new board with its four columns and no cards', async () => {
    const board = await createBoard(t.app, owner);
    const projection = await cards(board.id);
    expect(projection.columns.map((c) => c.title)).toEqual(['Nominated', 'Shortlist', 'Scheduled', 'Read']);
    expect(projection.cards).toEqual([]);
  });

  it('joins the paper into each card and flags cards whose paper does not exist', async () => {
    const board = await createBoard(t.app, owner);
    const updates = await t.db.sql<
      { update: Uint8Array }[]
    >`select update from board_updates where board_id = ${board.id}`;
    const doc = new Y.Doc();
    for (const u of updates) Y.applyUpdate(doc, new Uint8Array(u.update));
    const [nominated, shortlist] = boardView(doc).columns;
    addCard(doc, { paperId: paperIds[0], columnId: nominated.id, addedBy: owner.user.id });
    addCard(doc, { paperId: crypto.randomUUID(), columnId: nominated.id, addedBy: owner.user.id });
    addCard(doc, { paperId: 'not-a-uuid', columnId: shortlist.id, addedBy: owner.user.id });
    await replaceProjection(t.db.sql, board.id, boardView(doc));

    const projection = await cards(board.id);
    expect(projection.cards.map((c) => [c.columnId, c.position, c.missingPaper])).toEqual([
      [nominated.id, 0, false],
      [nominated.id, 1, true],
      [shortlist.id, 0, true],
    ]);
    expect(projection.cards[0].paper?.title).toBe('Projected paper one');
    expect(projection.cards[0].paper?.abstract).toBe('Abstract one.');
    const compact = await t.app.inject({
      url: `/api/boards/${board.id}/cards?abstracts=false`,
      headers: { cookie: owner.cookie },
    });
    expect(compact.json().cards[0].paper).toMatchObject({ title: 'Projected paper one', abstract: '' });
    const bad = await t.app.inject({
      url: `/api/boards/${board.id}/cards?abstracts=maybe`,
      headers: { cookie: owner.cookie },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/abstracts/);
    expect(projection.cards[1].paper).toBeNull();
    expect(projection.cards[2].paperId).toBe('not-a-uuid');
  });

  it('follows moves, removals and renames, rewriting only the rows that changed', async () => {
    const board = await createBoard(t.app, owner);
    const doc = new Y.Doc();
    const updates = await t.db.sql<{ update: Uint8Array }[]>`
      select update from board_updates where board_id = ${board.id}`;
    for (const u of updates) Y.applyUpdate(doc, new Uint8Array(u.update));
    const [nominated, shortlist, scheduled] = boardView(doc).columns;
    const [a, b, c] = paperIds.map((paperId) =>
      addCard(doc, { paperId, columnId: nominated.id, addedBy: owner.user.id }),
    );
    await replaceProjection(t.db.sql, board.id, boardView(doc));
    const versions = async () =>
      new Map(
        (
          await t.db.sql<{ cardId: string; version: string }[]>`
            select card_id, xmin::text as version from board_cards where board_id = ${board.id}`
        ).map((r) => [r.cardId, r.version]),
      );
    const before = await versions();

    moveCard(doc, c, { columnId: shortlist.id });
    removeCard(doc, b);
    renameColumn(doc, nominated.id, 'Proposed');
    deleteColumn(doc, scheduled.id);
    await replaceProjection(t.db.sql, board.id, boardView(doc));

    const projection = await cards(board.id);
    expect(projection.columns.map((col) => col.title)).toEqual(['Proposed', 'Shortlist', 'Read']);
    expect(projection.cards.map((card) => [card.id, card.columnId, card.position])).toEqual([
      [a, nominated.id, 0],
      [c, shortlist.id, 0],
    ]);
    const after = await versions();
    expect(after.get(a)).toBe(before.get(a));
    expect(after.get(c)).not.toBe(before.get(c));
    expect(after.has(b)).toBe(false);
  });

  it("carries each card's tally, the caller's own votes and the presenter", async () => {
    const board = await createBoard(t.app, owner);
    const member = await signUp(t.app, 'Voter');
    await addMember(t.app, owner, board.id, member, 'editor');
    const updates = await t.db.sql<
      { update: Uint8Array }[]
    >`select update from board_updates where board_id = ${board.id}`;
    const doc = new Y.Doc();
    for (const u of updates) Y.applyUpdate(doc, new Uint8Array(u.update));
    const [nominated] = boardView(doc).columns;
    const voted = addCard(doc, { paperId: paperIds[0], columnId: nominated.id, addedBy: owner.user.id });
    const quiet = addCard(doc, { paperId: paperIds[1], columnId: nominated.id, addedBy: owner.user.id });
    await replaceProjection(t.db.sql, board.id, boardView(doc));
    for (const voter of [owner, member]) {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/api/boards/${board.id}/cards/${voted}/vote`,
        headers: { cookie: voter.cookie },
        payload: {},
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const sessionAt = '2030-01-07T17:00:00.000Z';
    const assigned = await t.app.inject({
      method: 'PUT',
      url: `/api/boards/${board.id}/cards/${voted}/assignment`,
      headers: { cookie: owner.cookie },
      payload: { presenterId: member.user.id, sessionAt },
    });
    expect(assigned.statusCode, assigned.body).toBe(200);

    const ownerView = await cards(board.id);
    const byId = new Map(ownerView.cards.map((c) => [c.id, c]));
    expect(byId.get(voted)).toMatchObject({
      votes: { voters: 2, dots: 2 },
      myDots: 1,
      assignment: { presenter: { id: member.user.id, name: 'Voter' }, sessionAt },
    });
    expect(byId.get(quiet)).toMatchObject({ votes: { voters: 0, dots: 0 }, myDots: 0, assignment: null });

    await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${board.id}/cards/${voted}/vote`,
      headers: { cookie: member.cookie },
    });
    const res = await t.app.inject({ url: `/api/boards/${board.id}/cards`, headers: { cookie: member.cookie } });
    const memberCard = (res.json() as BoardCards).cards.find((c) => c.id === voted);
    expect(memberCard).toMatchObject({ votes: { voters: 1, dots: 1 }, myDots: 0 });
  });
});

describe('nominating a paper through POST /api/boards/:boardId/cards', () => {
  const nominate = (boardId: string, user: TestUser, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: `/api/boards/${boardId}/cards`, headers: { cookie: user.cookie }, payload });

  it("adds the card to the live document, which connected members see, and to the paper's boards", async () => {
    const cast = await signUpCast(t.app);
    const board = await createBoard(t.app, cast.owner);
    await addMember(t.app, cast.owner, board.id, cast.editor, 'editor');
    const watcher = await connectClient(t.app, board.id, cast.owner);
    try {
      const res = await nominate(board.id, cast.editor, { paperId: paperIds[0] });
      expect(res.statusCode, res.body).toBe(201);
      const { cardId, columnId } = res.json() as { cardId: string; columnId: string };
      await waitForDoc(watcher.doc, (doc) => boardView(doc).columns.some((c) => c.cards.some((k) => k.id === cardId)));
      const [first] = boardView(watcher.doc).columns;
      expect(first.id).toBe(columnId);
      expect(first.cards.map((c) => [c.paperId, c.addedBy])).toEqual([[paperIds[0], cast.editor.user.id]]);

      const boards = await t.app.inject({
        url: `/api/papers/${paperIds[0]}/boards`,
        headers: { cookie: cast.editor.cookie },
      });
      expect(boards.statusCode, boards.body).toBe(200);
      await expect
        .poll(async () =>
          (
            await t.app.inject({ url: `/api/papers/${paperIds[0]}/boards`, headers: { cookie: cast.editor.cookie } })
          ).json(),
        )
        .toMatchObject({ boardIds: [board.id] });
      const stranger = await t.app.inject({
        url: `/api/papers/${paperIds[0]}/boards`,
        headers: { cookie: cast.stranger.cookie },
      });
      expect(stranger.json()).toEqual({ boardIds: [], boards: [] });
    } finally {
      watcher.provider.destroy();
    }
  });

  it('refuses GET /api/papers/:id/boards without a session, with an id that is not one, or an unknown paper', async () => {
    const anonymous = await t.app.inject({ url: `/api/papers/${paperIds[0]}/boards` });
    expect(anonymous.statusCode).toBe(401);
    const malformed = await t.app.inject({ url: '/api/papers/not-an-id/boards', headers: { cookie: owner.cookie } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toMatch(/id/);
    const unknown = await t.app.inject({
      url: `/api/papers/${crypto.randomUUID()}/boards`,
      headers: { cookie: owner.cookie },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/paper/);
  });

  it("tells each member, for their own boards only, the paper's column, votes and their role", async () => {
    const cast = await signUpCast(t.app);
    const board = await createBoard(t.app, cast.owner, 'Where is my paper');
    await addMember(t.app, cast.owner, board.id, cast.viewer, 'viewer');
    const res = await nominate(board.id, cast.owner, { paperId: paperIds[1] });
    expect(res.statusCode, res.body).toBe(201);
    const { cardId, columnId } = res.json() as { cardId: string; columnId: string };
    // Votes go to projected cards: wait for the projection to show the new one.
    const projected = async () =>
      (await t.app.inject({ url: `/api/boards/${board.id}/cards`, headers: { cookie: cast.owner.cookie } })).json();
    await expect.poll(async () => (await projected()).cards?.map((c: { id: string }) => c.id)).toEqual([cardId]);
    const vote = await t.app.inject({
      method: 'PUT',
      url: `/api/boards/${board.id}/cards/${cardId}/vote`,
      headers: { cookie: cast.owner.cookie },
      payload: {},
    });
    expect(vote.statusCode, vote.body).toBe(200);
    const ofUser = async (user: TestUser) =>
      (await t.app.inject({ url: `/api/papers/${paperIds[1]}/boards`, headers: { cookie: user.cookie } })).json();
    const entry = { boardId: board.id, boardName: 'Where is my paper', cardId, columnId, columnTitle: 'Nominated' };
    await expect
      .poll(() => ofUser(cast.owner))
      .toEqual({
        boardIds: [board.id],
        boards: [{ ...entry, role: 'owner', votes: { voters: 1, dots: 1 } }],
      });
    expect(await ofUser(cast.viewer)).toEqual({
      boardIds: [board.id],
      boards: [{ ...entry, role: 'viewer', votes: { voters: 1, dots: 1 } }],
    });
    expect(await ofUser(cast.stranger)).toEqual({ boardIds: [], boards: [] });
  });

  it('puts the card in the column asked for and refuses a column the board does not have', async () => {
    const board = await createBoard(t.app, owner);
    const doc = new Y.Doc();
    const stored = await t.db.sql<
      { update: Uint8Array }[]
    >`select update from board_updates where board_id = ${board.id}`;
    for (const u of stored) Y.applyUpdate(doc, new Uint8Array(u.update));
    const shortlist = boardView(doc).columns[1];
    const res = await nominate(board.id, owner, { paperId: paperIds[1], columnId: shortlist.id });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().columnId).toBe(shortlist.id);
    const bad = await nominate(board.id, owner, { paperId: paperIds[2], columnId: 'no-such-column' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/columnId/);
  });

  it('answers 409 with the existing card when the paper is already on the board, also under concurrency', async () => {
    const board = await createBoard(t.app, owner);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => nominate(board.id, owner, { paperId: paperIds[2] })),
    );
    const created = answers.filter((a) => a.statusCode === 201);
    expect(created).toHaveLength(1);
    const cardId = created[0].json().cardId;
    for (const a of answers.filter((a) => a.statusCode !== 201)) {
      expect(a.statusCode).toBe(409);
      expect(a.json()).toMatchObject({ error: 'conflict', cardId });
    }
  });

  it('refuses viewers, strangers, unknown papers and malformed bodies without touching the board', async () => {
    const cast = await signUpCast(t.app);
    const board = await createBoard(t.app, cast.owner);
    await addMember(t.app, cast.owner, board.id, cast.viewer, 'viewer');
    expect((await nominate(board.id, cast.viewer, { paperId: paperIds[0] })).statusCode).toBe(403);
    expect((await nominate(board.id, cast.stranger, { paperId: paperIds[0] })).statusCode).toBe(404);
    const unknown = await nominate(board.id, cast.owner, { paperId: crypto.randomUUID() });
    expect(unknown.statusCode).toBe(404);
    const malformed = await nominate(board.id, cast.owner, { paperId: 'nope' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toMatch(/paperId/);
    const extra = await nominate(board.id, cast.owner, { paperId: paperIds[0], title: 'x' });
    expect(extra.statusCode).toBe(400);
    const anonymous = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${board.id}/cards`,
      payload: { paperId: paperIds[0] },
    });
    expect(anonymous.statusCode).toBe(401);
    const doc = new Y.Doc();
    const stored = await t.db.sql<
      { update: Uint8Array }[]
    >`select update from board_updates where board_id = ${board.id}`;
    for (const u of stored) Y.applyUpdate(doc, new Uint8Array(u.update));
    expect(boardView(doc).columns.flatMap((c) => c.cards)).toEqual([]);
  });
});
