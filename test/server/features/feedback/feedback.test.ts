import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { addCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import {
  assignPresenter,
  createBoardWithMembers,
  addPaper,
  placeCards,
  signUpCast,
  type TestUser,
} from '#test/helpers/factories.js';
import { connectSocket, joinBoard, nextEvent, type TestSocket } from '#test/helpers/socket.js';

const DAY = 24 * 3600_000;

let t: TestApp;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  ({ owner, editor, viewer, stranger } = await signUpCast(t.app));
});
afterAll(() => t.close());

/** A board of the cast with one card; its session `sessionOffsetMs` from now (none when null). */
async function boardWithCard(sessionOffsetMs: number | null = -DAY) {
  const boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  const [cardId] = await placeCards(t.app, owner, boardId, 1);
  if (sessionOffsetMs !== null) {
    await assignPresenter(t.app, owner, { boardId, cardId }, editor, new Date(Date.now() + sessionOffsetMs));
  }
  return { boardId, cardId };
}

function put(user: TestUser, card: { boardId: string; cardId: string }, payload: object) {
  return t.app.inject({
    method: 'PUT',
    url: `/api/boards/${card.boardId}/cards/${card.cardId}/feedback`,
    headers: { cookie: user.cookie },
    payload,
  });
}

async function ok(user: TestUser, card: { boardId: string; cardId: string }, payload: object) {
  const res = await put(user, card, payload);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function read(user: TestUser, card: { boardId: string; cardId: string }) {
  const res = await t.app.inject({
    url: `/api/boards/${card.boardId}/cards/${card.cardId}/feedback`,
    headers: { cookie: user.cookie },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function boardSummaries(user: TestUser, boardId: string) {
  const res = await t.app.inject({ url: `/api/boards/${boardId}/feedback`, headers: { cookie: user.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

describe('attendance and ratings after the session', () => {
  it('takes attendance, a rating and a takeaway, and sums them up for the group', async () => {
    const card = await boardWithCard();
    const mine = await ok(owner, card, {
      attended: true,
      rating: 4,
      takeaway: '  Attention scales; recurrence does not.  ',
    });
    expect(mine).toMatchObject({
      cardId: card.cardId,
      held: true,
      sessionAt: expect.any(String),
      mine: { attended: true, rating: 4, takeaway: 'Attention scales; recurrence does not.', interest: null },
      summary: { attended: 1, rating: { average: 4, count: 1 }, interest: { average: null, count: 0 } },
      takeaways: [
        { user: { id: owner.user.id, name: 'Owner' }, rating: 4, takeaway: 'Attention scales; recurrence does not.' },
      ],
      version: expect.any(Number),
    });
    await ok(editor, card, { attended: true });
    await ok(editor, card, { rating: 5 });
    await ok(viewer, card, { attended: false });

    const seen = await read(viewer, card);
    expect(seen.mine).toEqual({ attended: false, rating: null, takeaway: null, interest: null });
    expect(seen.summary).toEqual({
      attended: 2,
      rating: { average: 4.5, count: 2 },
      interest: { average: null, count: 0 },
    });
    expect(seen.takeaways).toHaveLength(1);
    expect(await boardSummaries(viewer, card.boardId)).toEqual({ [card.cardId]: seen.summary });
  });

  it('rounds the average to two decimals', async () => {
    const card = await boardWithCard();
    await ok(owner, card, { attended: true, rating: 5 });
    await ok(editor, card, { attended: true, rating: 4 });
    const { summary } = await ok(viewer, card, { attended: true, rating: 4 });
    expect(summary.rating).toEqual({ average: 4.33, count: 3 });
  });

  it('clears my rating and takeaway when I say I did not attend', async () => {
    const card = await boardWithCard();
    await ok(owner, card, { attended: true, rating: 3, takeaway: 'Good' });
    const after = await ok(owner, card, { attended: false });
    expect(after.mine).toEqual({ attended: false, rating: null, takeaway: null, interest: null });
    expect(after.summary.rating).toEqual({ average: null, count: 0 });
    expect(after.takeaways).toEqual([]);
  });

  it('clears a field with null and keeps the fields left out', async () => {
    const card = await boardWithCard();
    await ok(owner, card, { attended: true, rating: 3, takeaway: 'Good' });
    expect((await ok(owner, card, { takeaway: null })).mine).toEqual({
      attended: true,
      rating: 3,
      takeaway: null,
      interest: null,
    });
    expect((await ok(owner, card, { takeaway: '   ' })).mine.takeaway).toBeNull();
  });

  it('refuses ratings and takeaways out of bounds, naming the field', async () => {
    const card = await boardWithCard();
    await ok(owner, card, { attended: true });
    for (const [payload, field] of [
      [{ rating: 0 }, 'body/rating'],
      [{ rating: 6 }, 'body/rating'],
      [{ rating: 4.5 }, 'body/rating'],
      [{ takeaway: 'x'.repeat(281) }, 'body/takeaway'],
      [{ takeaway: 'two\nlines' }, 'body/takeaway'],
      [{ takeaway: 'carriage\rreturn' }, 'body/takeaway'],
      [{ interest: 9 }, 'body/interest'],
      [{ attended: 'yes' }, 'body/attended'],
      [{ mood: 'great' }, 'body/mood'],
    ] as const) {
      const res = await put(owner, card, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message, JSON.stringify(payload)).toContain(field);
    }
    expect((await ok(owner, card, { takeaway: 'y'.repeat(280) })).mine.takeaway).toHaveLength(280);
    expect((await put(owner, card, { takeaway: 'two\nlines' })).json().message).toContain('one line');
  });

  it('asks to mark attendance before a rating or takeaway', async () => {
    const card = await boardWithCard();
    for (const [payload, field] of [
      [{ rating: 4 }, 'body/rating'],
      [{ takeaway: 'Nice' }, 'body/takeaway'],
      [{ attended: false, rating: 4 }, 'body/rating'],
    ] as const) {
      const res = await put(viewer, card, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message).toContain(field);
      expect(res.json().message).toContain('mark attendance first');
    }
    await ok(viewer, card, { attended: false });
    expect((await put(viewer, card, { rating: 2 })).statusCode).toBe(400);
    // In one request, attendance and the rating together.
    expect((await ok(viewer, card, { attended: true, rating: 2 })).mine.rating).toBe(2);
  });
});

describe('interest before the session', () => {
  it('takes interest before the session and on a card without one, and sums it up', async () => {
    const soon = await boardWithCard(3 * DAY);
    const unscheduled = await boardWithCard(null);
    await ok(owner, soon, { interest: 5 });
    const mine = await ok(viewer, soon, { interest: 2 });
    expect(mine).toMatchObject({
      held: false,
      mine: { attended: null, rating: null, takeaway: null, interest: 2 },
      summary: { attended: 0, rating: { average: null, count: 0 }, interest: { average: 3.5, count: 2 } },
    });
    const none = await ok(editor, unscheduled, { interest: 4 });
    expect(none).toMatchObject({ sessionAt: null, held: false, summary: { interest: { average: 4, count: 1 } } });
    expect((await ok(editor, unscheduled, { interest: null })).summary.interest).toEqual({ average: null, count: 0 });
  });

  it('answers 409 for attendance before the session, and for interest after it', async () => {
    const soon = await boardWithCard(3 * DAY);
    const unscheduled = await boardWithCard(null);
    for (const card of [soon, unscheduled]) {
      for (const payload of [{ attended: true }, { rating: 3 }, { takeaway: 'Early' }]) {
        const res = await put(owner, card, payload);
        expect(res.statusCode, res.body).toBe(409);
        expect(res.json().message).toContain('the session has not happened yet');
      }
    }
    const past = await boardWithCard();
    const late = await put(owner, past, { interest: 4 });
    expect(late.statusCode, late.body).toBe(409);
    expect(late.json().message).toContain('already happened');
    // Interest given before the session still counts afterwards, in the summary.
    const moved = await boardWithCard(3 * DAY);
    await ok(viewer, moved, { interest: 4 });
    await assignPresenter(t.app, owner, moved, editor, new Date(Date.now() - DAY));
    expect((await read(viewer, moved)).summary.interest).toEqual({ average: 4, count: 1 });
  });
});

describe('permissions and unknown cards', () => {
  it('lets every member, viewers too, give their own feedback; others get 404, anonymous 401', async () => {
    const card = await boardWithCard();
    for (const user of [owner, editor, viewer]) await ok(user, card, { attended: true });
    expect((await put(stranger, card, { attended: true })).statusCode).toBe(404);
    const anonymous = await t.app.inject({
      method: 'PUT',
      url: `/api/boards/${card.boardId}/cards/${card.cardId}/feedback`,
      payload: { attended: true },
    });
    expect(anonymous.statusCode).toBe(401);
    const strangerRead = await t.app.inject({
      url: `/api/boards/${card.boardId}/cards/${card.cardId}/feedback`,
      headers: { cookie: stranger.cookie },
    });
    expect(strangerRead.statusCode).toBe(404);
    const strangerBoard = await t.app.inject({
      url: `/api/boards/${card.boardId}/feedback`,
      headers: { cookie: stranger.cookie },
    });
    expect(strangerBoard.statusCode).toBe(404);
    expect((await read(viewer, card)).summary.attended).toBe(3);
  });

  it('answers 404 naming the card for a card not on the board', async () => {
    const card = await boardWithCard();
    const missing = { boardId: card.boardId, cardId: 'card-nowhere' };
    const res = await put(owner, missing, { interest: 3 });
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().message).toBe('card not found');
    const got = await t.app.inject({
      url: `/api/boards/${card.boardId}/cards/card-nowhere/feedback`,
      headers: { cookie: owner.cookie },
    });
    expect(got.statusCode).toBe(404);
  });

  it('knows a card added a moment ago, before the board’s projection has caught up', async () => {
    const { boardId } = await boardWithCard();
    const paperId = await addPaper(t.app, owner, `Fresh paper ${Date.now()}`);
    const cardId = await t.app.sync.edit(boardId, new ServerEdit(owner.user.id), (doc) =>
      addCard(doc, { paperId, columnId: boardView(doc).columns[0].id, addedBy: owner.user.id }),
    );
    const [projected] = await t.db.sql`select 1 from board_cards where board_id = ${boardId} and card_id = ${cardId}`;
    expect(projected).toBeUndefined();
    const fresh = { boardId, cardId };
    expect((await read(editor, fresh)).mine.interest).toBeNull();
    expect((await ok(editor, fresh, { interest: 4 })).mine.interest).toBe(4);
  });
});

describe('activity and live updates', () => {
  let socket: TestSocket;
  afterAll(() => socket?.close());

  it("records attendance and ratings in the activity log when they change, and pushes the summary to members' sockets", async () => {
    const card = await boardWithCard();
    socket = await connectSocket(t.app, viewer);
    expect(await joinBoard(socket, card.boardId)).toEqual({ ok: true });
    const received = nextEvent(socket, 'feedback:changed', (p) => p.cardId === card.cardId);
    const saved = await ok(editor, card, { attended: true, rating: 5, takeaway: 'Read it twice' });
    expect(await received).toEqual({
      boardId: card.boardId,
      cardId: card.cardId,
      summary: { attended: 1, rating: { average: 5, count: 1 }, interest: { average: null, count: 0 } },
      version: saved.version,
    });
    // A repeat changes nothing: no new entries.
    await ok(editor, card, { attended: true, rating: 5 });
    await ok(editor, card, { rating: 3 });
    const res = await t.app.inject({ url: `/api/boards/${card.boardId}/activity`, headers: { cookie: owner.cookie } });
    const entries = res
      .json()
      .items.filter((e: { kind: string }) => e.kind.startsWith('session:'))
      .map((e: { kind: string; details: object; actorId: string; cardId: string }) => [
        e.kind,
        e.details,
        e.actorId,
        e.cardId,
      ]);
    expect(entries).toEqual([
      ['session:rated', { rating: 3 }, editor.user.id, card.cardId],
      ['session:rated', { rating: 5 }, editor.user.id, card.cardId],
      ['session:attended', { attended: true }, editor.user.id, card.cardId],
    ]);
  });

  it('records nothing for interest, but still pushes the summary', async () => {
    const card = await boardWithCard(DAY);
    const other = await connectSocket(t.app, owner);
    try {
      expect(await joinBoard(other, card.boardId)).toEqual({ ok: true });
      const received = nextEvent(other, 'feedback:changed', (p) => p.cardId === card.cardId);
      await ok(viewer, card, { interest: 3 });
      expect((await received).summary.interest).toEqual({ average: 3, count: 1 });
    } finally {
      other.close();
    }
    const res = await t.app.inject({ url: `/api/boards/${card.boardId}/activity`, headers: { cookie: owner.cookie } });
    expect(res.json().items.filter((e: { kind: string }) => e.kind.startsWith('session:'))).toEqual([]);
  });

  it('gives every summary a later version than the one before', async () => {
    const card = await boardWithCard();
    const first = await ok(owner, card, { attended: true });
    const second = await ok(editor, card, { attended: true });
    const readBack = await read(viewer, card);
    expect(second.version).toBeGreaterThan(first.version);
    expect(readBack.version).toBeGreaterThan(second.version);
  });
});

describe('members who leave', () => {
  it("takes a removed member's feedback with them: it stops counting and their takeaway goes", async () => {
    const card = await boardWithCard();
    await ok(viewer, card, { attended: true, rating: 1, takeaway: 'Not for me' });
    await ok(editor, card, { attended: true, rating: 5 });
    expect((await read(owner, card)).summary.rating).toEqual({ average: 3, count: 2 });
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${card.boardId}/members/${viewer.user.id}`,
      headers: { cookie: owner.cookie },
    });
    expect(removed.statusCode, removed.body).toBe(204);
    const after = await read(owner, card);
    expect(after.summary).toEqual({
      attended: 1,
      rating: { average: 5, count: 1 },
      interest: { average: null, count: 0 },
    });
    expect(after.takeaways).toEqual([]);
    const [{ count }] = await t.db.sql<{ count: number }[]>`
      select count(*)::int as count from session_feedback where board_id = ${card.boardId} and user_id = ${viewer.user.id}`;
    expect(count).toBe(0);
  });
});
