import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import {
  addMember,
  createBoardWithMembers,
  placeCards,
  signUp,
  signUpCast,
  type TestUser,
} from '#test/helpers/factories.js';
import { connectSocket, joinBoard, nextEvent } from '#test/helpers/socket.js';
import { ahead, pollRequests } from '#test/helpers/polls.js';
import type { Poll } from '#shared/schemas/polls.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { addCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';

const HOUR = 3600_000;

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

/** A board with the cast and `cards` cards; the board id and the card ids. */
async function boardWithCards(cards = 1): Promise<{ boardId: string; cards: string[] }> {
  const boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  return { boardId, cards: cards > 0 ? await placeCards(t.app, owner, boardId, cards) : [] };
}

const requests = pollRequests(() => t.app);
const { create, answer, answered, pick, read } = requests;
const createPoll = (boardId: string, payload: object) => requests.createPoll(owner, boardId, payload);

async function activity(boardId: string): Promise<{ kind: string; details: Record<string, unknown> }[]> {
  return t.db.sql<{ kind: string; details: Record<string, unknown> }[]>`
    select kind, details from activity where board_id = ${boardId} and kind like 'poll:%' order by id`;
}

/** The session times of the board's calendar feed, by card id. */
async function feedSessions(user: TestUser, boardId: string): Promise<Record<string, string>> {
  const res = await t.app.inject({ url: `/api/boards/${boardId}/calendar`, headers: { cookie: user.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  const { pathname, search } = new URL(res.json().url);
  const feed = await t.app.inject({ url: pathname + search });
  expect(feed.statusCode, feed.body).toBe(200);
  const root = new ICAL.Component(ICAL.parse(feed.body));
  return Object.fromEntries(
    root.getAllSubcomponents('vevent').map((v) => {
      const event = new ICAL.Event(v);
      const cardId = event.uid.replace(`${boardId}-`, '').replace(/@paperboard$/, '');
      return [cardId, event.startDate.toJSDate().toISOString()];
    }),
  );
}

describe('availability polls', () => {
  it('proposes sorted slots, takes answers, shows the grid and the best slot, and a pick schedules the card', async () => {
    const { boardId, cards } = await boardWithCards(1);
    const [card] = cards;
    const times = [ahead(3), ahead(1), ahead(2)];
    const poll = await createPoll(boardId, { cardId: card, slots: times, closesAt: ahead(0, 12) });
    expect(poll).toMatchObject({
      boardId,
      cardId: card,
      status: 'open',
      answering: true,
      answers: {},
      respondents: [],
      best: null,
      myAnswers: {},
      pickedSlotId: null,
      presenter: null,
      createdBy: owner.user.id,
      closedAt: null,
    });
    expect(poll.paper?.title).toMatch(/^Paper 1/);
    expect(poll.slots.map((s) => s.at)).toEqual([times[1], times[2], times[0]]);
    expect(poll.slots.every((s) => s.yes === 0 && s.maybe === 0 && s.no === 0)).toBe(true);
    const [d1, d2, d3] = poll.slots.map((s) => s.id);

    expect(await answered(editor, boardId, poll.id, { [d1]: 'no', [d2]: 'yes', [d3]: 'maybe' })).toEqual({
      answers: { [d1]: 'no', [d2]: 'yes', [d3]: 'maybe' },
    });
    await answered(owner, boardId, poll.id, { [d2]: 'maybe', [d3]: 'yes' });

    const grid = await read(viewer, boardId, poll.id);
    expect(grid.slots.map(({ yes, maybe, no }) => [yes, maybe, no])).toEqual([
      [0, 0, 1],
      [1, 1, 0],
      [1, 1, 0],
    ]);
    // d2 and d3 tie on yes and maybe: the earlier one wins.
    expect(grid.best).toBe(d2);
    expect(grid.answers).toEqual({
      [editor.user.id]: { [d1]: 'no', [d2]: 'yes', [d3]: 'maybe' },
      [owner.user.id]: { [d2]: 'maybe', [d3]: 'yes' },
    });
    expect(grid.respondents.map((r) => r.name).sort()).toEqual(['Editor', 'Owner']);
    expect(grid.myAnswers).toEqual({});
    expect((await read(editor, boardId, poll.id)).myAnswers).toEqual({ [d1]: 'no', [d2]: 'yes', [d3]: 'maybe' });

    const list = await t.app.inject({ url: `/api/boards/${boardId}/polls`, headers: { cookie: viewer.cookie } });
    expect(list.json().items.map((p: Poll) => p.id)).toEqual([poll.id]);

    const picked = await pick(owner, boardId, poll.id, { slotId: d2, presenterId: editor.user.id });
    expect(picked.statusCode, picked.body).toBe(200);
    expect(picked.json()).toMatchObject({
      status: 'closed',
      answering: false,
      pickedSlotId: d2,
      pickedCardId: card,
      presenter: { id: editor.user.id, name: 'Editor' },
    });
    expect(picked.json().closedAt).not.toBeNull();

    const schedule = await t.app.inject({ url: `/api/boards/${boardId}/schedule`, headers: { cookie: viewer.cookie } });
    expect(schedule.json().upcoming).toMatchObject([
      { cardId: card, presenter: { id: editor.user.id }, sessionAt: times[2] },
    ]);
    expect(await feedSessions(viewer, boardId)).toEqual({ [card]: times[2] });

    const open = await t.app.inject({
      url: `/api/boards/${boardId}/polls?status=open`,
      headers: { cookie: viewer.cookie },
    });
    expect(open.json().items).toEqual([]);
    const closed = await t.app.inject({
      url: `/api/boards/${boardId}/polls?status=closed`,
      headers: { cookie: viewer.cookie },
    });
    expect(closed.json().items.map((p: Poll) => p.id)).toEqual([poll.id]);

    expect(await activity(boardId)).toEqual([
      { kind: 'poll:opened', details: { pollId: poll.id, slots: 3 } },
      { kind: 'poll:answered', details: { pollId: poll.id } },
      { kind: 'poll:answered', details: { pollId: poll.id } },
      { kind: 'poll:picked', details: { pollId: poll.id, slotId: d2, at: times[2], presenterId: editor.user.id } },
    ]);
    const [assignment] = await t.db.sql`
      select kind from activity where board_id = ${boardId} and kind = 'assignment:set'`;
    expect(assignment).toBeTruthy();
  });

  it('picks the slot with the most yes, then the most “if need be”, then the fewest no, then the earliest', async () => {
    const { boardId } = await boardWithCards(0);
    const third = await signUp(t.app, 'Third');
    await addMember(t.app, owner, boardId, third, 'editor');
    const poll = await createPoll(boardId, { slots: [ahead(1), ahead(2), ahead(3)] });
    const [a, b, c] = poll.slots.map((s) => s.id);
    const best = async () => (await read(owner, boardId, poll.id)).best;

    await answered(editor, boardId, poll.id, { [a]: 'no', [b]: 'no', [c]: 'no' });
    expect(await best()).toBeNull(); // nobody can come at any time: no best time
    await answered(owner, boardId, poll.id, { [b]: 'maybe' });
    expect(await best()).toBe(b); // more maybe
    await answered(third, boardId, poll.id, { [c]: 'yes', [b]: 'no' });
    expect(await best()).toBe(c); // one yes beats any number of maybe
    await answered(owner, boardId, poll.id, { [b]: 'yes' });
    expect(await best()).toBe(c); // b: 1 yes, 2 no; c: 1 yes, 1 no: fewer no
    await answered(third, boardId, poll.id, { [c]: 'yes' });
    expect(await best()).toBe(b); // b: 1 yes, 1 no; c: 1 yes, 1 no: b is earlier
    await answered(owner, boardId, poll.id, { [b]: 'yes', [c]: 'maybe' });
    expect(await best()).toBe(c); // tie on yes; c has a maybe
  });

  it('replaces my answers: slots left out are removed, and an unchanged answer records nothing', async () => {
    const { boardId } = await boardWithCards(0);
    const poll = await createPoll(boardId, { slots: [ahead(1), ahead(2)] });
    const [a, b] = poll.slots.map((s) => s.id);
    await answered(editor, boardId, poll.id, { [a]: 'yes', [b]: 'yes' });
    expect(await answered(editor, boardId, poll.id, { [b]: 'no' })).toEqual({ answers: { [b]: 'no' } });
    await answered(editor, boardId, poll.id, { [b]: 'no' });
    expect((await read(owner, boardId, poll.id)).slots.map(({ yes, no }) => [yes, no])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect((await activity(boardId)).map((e) => e.kind)).toEqual(['poll:opened', 'poll:answered', 'poll:answered']);
    // Answering nothing clears my answers.
    expect(await answered(editor, boardId, poll.id, {})).toEqual({ answers: {} });
    expect((await read(owner, boardId, poll.id)).respondents).toEqual([]);
  });

  it('names the field of a refused poll', async () => {
    const { boardId, cards } = await boardWithCards(1);
    const cases: [object, RegExp][] = [
      [{ slots: [ahead(1)] }, /^body\/slots must NOT have fewer than 2 items/],
      [{ slots: Array.from({ length: 13 }, (_, i) => ahead(1, i)) }, /^body\/slots must NOT have more than 12 items/],
      [{ slots: [ahead(1), new Date(Date.now() - HOUR).toISOString()] }, /^body\/slots\/1 must be in the future/],
      [{ slots: [ahead(1), ahead(400)] }, /^body\/slots\/1 must be at most 366 days ahead/],
      [{ slots: [ahead(1), ahead(2), ahead(1)] }, /^body\/slots\/2 is the same time as body\/slots\/0/],
      [{ slots: [ahead(1), 'tomorrow'] }, /^body\/slots\/1 must match format "date-time"/],
      [{ slots: [ahead(1), ahead(2)], closesAt: ahead(-1) }, /^body\/closesAt must be in the future/],
      [{ slots: [ahead(1), ahead(2)], cardId: '' }, /^body\/cardId must NOT have fewer than 1 characters/],
      [{ slots: [ahead(1), ahead(2)], colour: 'red' }, /^body\/colour is not an accepted field/],
    ];
    for (const [payload, message] of cases) {
      const res = await create(owner, boardId, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    const unknownCard = await create(owner, boardId, { slots: [ahead(1), ahead(2)], cardId: 'no-such-card' });
    expect(unknownCard.statusCode).toBe(404);
    expect(unknownCard.json().message).toBe('card not found');

    const poll = await createPoll(boardId, { cardId: cards[0], slots: [ahead(1), ahead(2)] });
    const [a] = poll.slots.map((s) => s.id);
    const unknownSlot = '00000000-0000-4000-8000-000000000000';
    const stray = await answer(editor, boardId, poll.id, { [a]: 'yes', [unknownSlot]: 'no' });
    expect(stray.statusCode).toBe(400);
    expect(stray.json().message).toBe(`body/answers/${unknownSlot} is not a slot of this poll`);
    const badValue = await answer(editor, boardId, poll.id, { [a]: 'perhaps' });
    expect(badValue.statusCode).toBe(400);
    expect(badValue.json().message).toMatch(
      new RegExp(`^body/answers/${a} must be equal to one of the allowed values`),
    );
    // Nothing of a refused answer is kept.
    expect((await read(editor, boardId, poll.id)).myAnswers).toEqual({});

    const badSlot = await pick(owner, boardId, poll.id, { slotId: unknownSlot, presenterId: owner.user.id });
    expect(badSlot.statusCode).toBe(400);
    expect(badSlot.json().message).toBe('body/slotId is not a slot of this poll');
  });

  it('answers 404 for an unknown poll or another board’s poll, and for non-members', async () => {
    const { boardId } = await boardWithCards(0);
    const other = await boardWithCards(0);
    const poll = await createPoll(other.boardId, { slots: [ahead(1), ahead(2)] });
    const missing = '00000000-0000-4000-8000-000000000001';
    for (const pollId of [missing, poll.id]) {
      const res = await t.app.inject({
        url: `/api/boards/${boardId}/polls/${pollId}`,
        headers: { cookie: owner.cookie },
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toBe('poll not found');
      expect((await answer(editor, boardId, pollId, {})).statusCode).toBe(404);
      expect((await pick(owner, boardId, pollId, { slotId: missing, presenterId: owner.user.id })).statusCode).toBe(
        404,
      );
    }
    const outsider = await t.app.inject({
      url: `/api/boards/${other.boardId}/polls/${poll.id}`,
      headers: { cookie: stranger.cookie },
    });
    expect(outsider.statusCode).toBe(404);
    expect(outsider.json().message).toBe('board not found');
  });

  it('lets owners create and pick, editors and owners answer, every member read', async () => {
    const { boardId, cards } = await boardWithCards(1);
    const slots = [ahead(1), ahead(2)];
    expect((await create(editor, boardId, { slots })).statusCode).toBe(403);
    expect((await create(viewer, boardId, { slots })).statusCode).toBe(403);
    const poll = await createPoll(boardId, { cardId: cards[0], slots });
    const [a] = poll.slots.map((s) => s.id);
    const denied = await answer(viewer, boardId, poll.id, { [a]: 'yes' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toContain('polls:answer');
    expect((await pick(editor, boardId, poll.id, { slotId: a, presenterId: editor.user.id })).statusCode).toBe(403);
    expect((await read(viewer, boardId, poll.id)).id).toBe(poll.id);
    const remove = (user: TestUser) =>
      t.app.inject({
        method: 'DELETE',
        url: `/api/boards/${boardId}/polls/${poll.id}`,
        headers: { cookie: user.cookie },
      });
    expect((await remove(editor)).statusCode).toBe(403);
    expect((await remove(owner)).statusCode).toBe(204);
    expect((await remove(owner)).statusCode).toBe(404);
  });

  it('answers 409 to answers and picks once a time is picked, and to answers after the deadline', async () => {
    const { boardId, cards } = await boardWithCards(1);
    const poll = await createPoll(boardId, { cardId: cards[0], slots: [ahead(1), ahead(2)], closesAt: ahead(0, 1) });
    const [a, b] = poll.slots.map((s) => s.id);
    expect((await pick(owner, boardId, poll.id, { slotId: a, presenterId: owner.user.id })).statusCode).toBe(200);
    const late = await answer(editor, boardId, poll.id, { [a]: 'yes' });
    expect(late.statusCode).toBe(409);
    const again = await pick(owner, boardId, poll.id, { slotId: b, presenterId: editor.user.id });
    expect(again.statusCode).toBe(409);
    // The first pick stands.
    const schedule = await t.app.inject({ url: `/api/boards/${boardId}/schedule`, headers: { cookie: owner.cookie } });
    expect(schedule.json().upcoming).toMatchObject([{ presenter: { id: owner.user.id }, sessionAt: poll.slots[0].at }]);

    const due = await createPoll(boardId, { slots: [ahead(1), ahead(2)], closesAt: ahead(0, 1) });
    await t.db.sql`update polls set closes_at = now() - interval '1 minute' where id = ${due.id}`;
    const afterDeadline = await answer(editor, boardId, due.id, { [due.slots[0].id]: 'yes' });
    expect(afterDeadline.statusCode).toBe(409);
    expect(afterDeadline.json().message).toMatch(/stopped taking answers/);
    expect((await read(editor, boardId, due.id)).answering).toBe(false);
    // The owner may still pick after the deadline.
    const lateCard = (await placeCards(t.app, owner, boardId, 1))[0];
    const pickedLate = await pick(owner, boardId, due.id, {
      slotId: due.slots[1].id,
      presenterId: editor.user.id,
      cardId: lateCard,
    });
    expect(pickedLate.statusCode, pickedLate.body).toBe(200);
  });

  it('needs a card to pick a poll without one, and keeps the poll open when the assignment is refused', async () => {
    const { boardId, cards } = await boardWithCards(1);
    const poll = await createPoll(boardId, { slots: [ahead(1), ahead(2)] });
    expect(poll.cardId).toBeNull();
    expect(poll.paper).toBeNull();
    const [a] = poll.slots.map((s) => s.id);

    const noCard = await pick(owner, boardId, poll.id, { slotId: a, presenterId: editor.user.id });
    expect(noCard.statusCode).toBe(400);
    expect(noCard.json().message).toBe('body/cardId is required: the poll has no card');
    const wrongCard = await pick(owner, boardId, poll.id, { slotId: a, presenterId: editor.user.id, cardId: 'gone' });
    expect(wrongCard.statusCode).toBe(404);
    expect(wrongCard.json().message).toBe('card not found');
    const notMember = await pick(owner, boardId, poll.id, {
      slotId: a,
      presenterId: stranger.user.id,
      cardId: cards[0],
    });
    expect(notMember.statusCode).toBe(400);
    expect(notMember.json().message).toBe('body/presenterId must be a member of the board');
    // Nothing half-happened: still open, nothing scheduled, no pick recorded.
    expect((await read(owner, boardId, poll.id)).status).toBe('open');
    const [none] = await t.db.sql`select 1 from assignments where board_id = ${boardId}`;
    expect(none).toBeUndefined();
    expect((await activity(boardId)).map((e) => e.kind)).toEqual(['poll:opened']);

    const picked = await pick(owner, boardId, poll.id, { slotId: a, presenterId: viewer.user.id, cardId: cards[0] });
    expect(picked.statusCode, picked.body).toBe(200);
    expect(picked.json()).toMatchObject({ cardId: null, pickedCardId: cards[0], presenter: { name: 'Viewer' } });
    expect(picked.json().paper?.title).toMatch(/^Paper 1/);
    expect(await feedSessions(owner, boardId)).toEqual({ [cards[0]]: poll.slots[0].at });

    // A poll with a card takes no other one.
    const own = await createPoll(boardId, { cardId: cards[0], slots: [ahead(3), ahead(4)] });
    const other = await pick(owner, boardId, own.id, {
      slotId: own.slots[0].id,
      presenterId: owner.user.id,
      cardId: 'another',
    });
    expect(other.statusCode).toBe(400);
    expect(other.json().message).toMatch(/^body\/cardId must be the poll's own card/);
  });

  it('pushes poll:opened, poll:answered and poll:closed to another member over socket.io', async () => {
    const { boardId, cards } = await boardWithCards(1);
    const socket = await connectSocket(t.app, viewer);
    try {
      expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
      const opened = nextEvent(socket, 'poll:opened');
      const poll = await createPoll(boardId, { cardId: cards[0], slots: [ahead(2), ahead(1)], closesAt: ahead(0, 5) });
      expect(await opened).toEqual({
        boardId,
        pollId: poll.id,
        cardId: cards[0],
        slots: poll.slots.map(({ id, at }) => ({ id, at })),
        closesAt: poll.closesAt,
      });
      const [a, b] = poll.slots.map((s) => s.id);

      const counted = nextEvent(socket, 'poll:answered');
      await answered(editor, boardId, poll.id, { [a]: 'maybe', [b]: 'yes' });
      expect(await counted).toEqual({
        boardId,
        pollId: poll.id,
        respondents: 1,
        slots: [
          { id: a, yes: 0, maybe: 1, no: 0 },
          { id: b, yes: 1, maybe: 0, no: 0 },
        ],
        best: b,
      });

      const assignment = nextEvent(socket, 'assignment:changed');
      const closed = nextEvent(socket, 'poll:closed');
      const pickedActivity = nextEvent(socket, 'activity:new', (entry) => entry.kind === 'poll:picked');
      await pick(owner, boardId, poll.id, { slotId: b, presenterId: editor.user.id });
      expect(await assignment).toEqual({
        boardId,
        cardId: cards[0],
        presenterId: editor.user.id,
        sessionAt: poll.slots[1].at,
      });
      expect(await closed).toEqual({
        boardId,
        pollId: poll.id,
        slotId: b,
        cardId: cards[0],
        at: poll.slots[1].at,
        presenterId: editor.user.id,
      });
      expect((await pickedActivity).details).toMatchObject({ pollId: poll.id, slotId: b });
    } finally {
      socket.close();
    }
  });

  it('counts two members answering at once, and lets one of two owners picking at once win', async () => {
    const { boardId, cards } = await boardWithCards(1);
    const coOwner = await signUp(t.app, 'Co-owner');
    await addMember(t.app, owner, boardId, coOwner, 'owner');
    const poll = await createPoll(boardId, { cardId: cards[0], slots: [ahead(1), ahead(2)] });
    const [a, b] = poll.slots.map((s) => s.id);

    const answers = await Promise.all([
      answer(editor, boardId, poll.id, { [a]: 'yes', [b]: 'no' }),
      answer(coOwner, boardId, poll.id, { [a]: 'yes', [b]: 'maybe' }),
    ]);
    expect(answers.map((res) => res.statusCode)).toEqual([200, 200]);
    const both = await read(owner, boardId, poll.id);
    expect(both.slots.map(({ yes, maybe, no }) => [yes, maybe, no])).toEqual([
      [2, 0, 0],
      [0, 1, 1],
    ]);

    const picks = await Promise.all([
      pick(owner, boardId, poll.id, { slotId: a, presenterId: owner.user.id }),
      pick(coOwner, boardId, poll.id, { slotId: b, presenterId: coOwner.user.id }),
    ]);
    expect(picks.map((res) => res.statusCode).sort()).toEqual([200, 409]);
    const winner = picks.find((res) => res.statusCode === 200)!.json() as Poll;
    const [row] = await t.db.sql<{ presenterId: string; sessionAt: Date }[]>`
      select presenter_id, session_at from assignments where board_id = ${boardId} and card_id = ${cards[0]}`;
    expect(row.presenterId).toBe(winner.presenter?.id);
    const slotAt = poll.slots.find((s) => s.id === winner.pickedSlotId)!.at;
    expect(row.sessionAt.toISOString()).toBe(slotAt);
    expect((await activity(boardId)).filter((e) => e.kind === 'poll:picked')).toHaveLength(1);
  });
});

describe('a poll for a card added a moment ago', () => {
  it('is opened before the projection has caught up with the card', async () => {
    const { boardId } = await boardWithCards(0);
    const cardId = await t.app.sync.edit(boardId, new ServerEdit(owner.user.id), (doc) =>
      addCard(doc, { paperId: 'fresh-paper', columnId: boardView(doc).columns[0].id, addedBy: owner.user.id }),
    );
    const [projected] = await t.db.sql`select 1 from board_cards where board_id = ${boardId} and card_id = ${cardId}`;
    expect(projected).toBeUndefined();
    const res = await create(owner, boardId, { slots: [ahead(1), ahead(2)], cardId });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().cardId).toBe(cardId);
  });
});
