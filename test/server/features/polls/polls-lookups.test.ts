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
import { ahead, pollRequests } from '#test/helpers/polls.js';
import { pollsAwaitingAnswer, unavailableAt } from '#server/features/polls/polls.repository.js';
import type { Poll } from '#shared/schemas/polls.js';

// Availability polls over time: members who leave, the open-poll limit, and the look-ups the digest and
// presenter rotation will call (polls.test.ts has the routes' behaviour).

const DAY = 24 * 3600_000;

let t: TestApp;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  t = await buildTestApp();
  ({ owner, editor, viewer } = await signUpCast(t.app));
});
afterAll(() => t.close());

/** A board with the cast and `cards` cards; the board id and the card ids. */
async function boardWithCards(cards = 1): Promise<{ boardId: string; cards: string[] }> {
  const boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  return { boardId, cards: cards > 0 ? await placeCards(t.app, owner, boardId, cards) : [] };
}

const requests = pollRequests(() => t.app);
const { create, answered, pick, read } = requests;
const createPoll = (boardId: string, payload: object) => requests.createPoll(owner, boardId, payload);

describe('members and limits', () => {
  it('forgets the answers of a member removed from the board', async () => {
    const { boardId } = await boardWithCards(0);
    const leaving = await signUp(t.app, 'Leaving');
    await addMember(t.app, owner, boardId, leaving, 'editor');
    const poll = await createPoll(boardId, { slots: [ahead(1), ahead(2)] });
    const [a, b] = poll.slots.map((s) => s.id);
    await answered(editor, boardId, poll.id, { [a]: 'maybe' });
    await answered(leaving, boardId, poll.id, { [b]: 'yes', [a]: 'no' });
    expect((await read(owner, boardId, poll.id)).best).toBe(b);

    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${boardId}/members/${leaving.user.id}`,
      headers: { cookie: owner.cookie },
    });
    expect(removed.statusCode).toBe(204);
    const after = await read(owner, boardId, poll.id);
    expect(after.best).toBe(a);
    expect(after.respondents.map((r) => r.id)).toEqual([editor.user.id]);
    expect(after.slots.map(({ yes, maybe, no }) => [yes, maybe, no])).toEqual([
      [0, 1, 0],
      [0, 0, 0],
    ]);
    expect(await unavailableAt(t.db.sql, boardId, new Date(poll.slots[0].at))).toEqual([]);
  });

  it('refuses more than 20 open polls on a board, and counts a picked or deleted one no more', async () => {
    const { boardId, cards } = await boardWithCards(1);
    const polls: Poll[] = [];
    for (let i = 0; i < 20; i++) polls.push(await createPoll(boardId, { slots: [ahead(1, i), ahead(2, i)] }));
    const full = await create(owner, boardId, { slots: [ahead(5), ahead(6)] });
    expect(full.statusCode).toBe(409);
    expect(full.json().message).toMatch(/20 open polls/);
    const picked = await pick(owner, boardId, polls[0].id, {
      slotId: polls[0].slots[0].id,
      presenterId: owner.user.id,
      cardId: cards[0],
    });
    expect(picked.statusCode).toBe(200);
    expect((await create(owner, boardId, { slots: [ahead(5), ahead(6)] })).statusCode).toBe(201);
    expect((await create(owner, boardId, { slots: [ahead(5), ahead(6)] })).statusCode).toBe(409);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${boardId}/polls/${polls[1].id}`,
      headers: { cookie: owner.cookie },
    });
    expect(deleted.statusCode).toBe(204);
    expect((await create(owner, boardId, { slots: [ahead(5), ahead(6)] })).statusCode).toBe(201);
  });
});

describe('poll look-ups for other features', () => {
  it('pollsAwaitingAnswer lists open polls on my boards (editor or owner) that I have not answered', async () => {
    const member = await signUp(t.app, 'Member');
    const { boardId, cards } = await boardWithCards(1);
    await addMember(t.app, owner, boardId, member, 'editor');
    const watching = (await createBoardWithMembers(t.app, owner, {}, 'Viewed board')).id;
    await addMember(t.app, owner, watching, member, 'viewer');

    const forCard = await createPoll(boardId, { cardId: cards[0], slots: [ahead(1), ahead(2)], closesAt: ahead(0, 6) });
    const general = await createPoll(boardId, { slots: [ahead(1), ahead(2), ahead(3)] });
    const mine = await createPoll(boardId, { slots: [ahead(1), ahead(2)] });
    await answered(member, boardId, mine.id, { [mine.slots[0].id]: 'no' });
    const due = await createPoll(boardId, { slots: [ahead(1), ahead(2)], closesAt: ahead(0, 1) });
    await t.db.sql`update polls set closes_at = now() - interval '1 minute' where id = ${due.id}`;
    const decided = await createPoll(boardId, { cardId: cards[0], slots: [ahead(4), ahead(5)] });
    await pick(owner, boardId, decided.id, { slotId: decided.slots[0].id, presenterId: owner.user.id });
    await createPoll(watching, { slots: [ahead(1), ahead(2)] });

    const awaiting = await pollsAwaitingAnswer(t.db.sql, member.user.id, new Date());
    expect(awaiting).toEqual([
      {
        pollId: forCard.id,
        boardId,
        boardName: 'Reading group',
        cardId: cards[0],
        paperTitle: forCard.paper?.title,
        slots: 2,
        closesAt: new Date(forCard.closesAt!),
        createdAt: expect.any(Date),
      },
      {
        pollId: general.id,
        boardId,
        boardName: 'Reading group',
        cardId: null,
        paperTitle: null,
        slots: 3,
        closesAt: null,
        createdAt: expect.any(Date),
      },
    ]);
    // Once every slot has passed, a poll waits for nobody.
    expect(await pollsAwaitingAnswer(t.db.sql, member.user.id, new Date(Date.now() + 10 * DAY))).toEqual([]);
  });

  it('unavailableAt lists whose latest answer at exactly that time is no, in open and closed polls, per card if asked', async () => {
    const { boardId, cards } = await boardWithCards(2);
    const third = await signUp(t.app, 'Third');
    await addMember(t.app, owner, boardId, third, 'editor');
    const when = ahead(2);
    const first = await createPoll(boardId, { cardId: cards[0], slots: [ahead(1), when] });
    const second = await createPoll(boardId, { cardId: cards[1], slots: [when, ahead(3)] });
    const loose = await createPoll(boardId, { slots: [when, ahead(4)] });
    await answered(editor, boardId, first.id, { [first.slots[1].id]: 'no', [first.slots[0].id]: 'yes' });
    await answered(third, boardId, first.id, { [first.slots[1].id]: 'maybe' });
    await answered(third, boardId, second.id, { [second.slots[0].id]: 'no' });
    await answered(owner, boardId, loose.id, { [loose.slots[0].id]: 'no' });
    await answered(owner, boardId, first.id, { [first.slots[0].id]: 'no' });
    await pick(owner, boardId, first.id, { slotId: first.slots[0].id, presenterId: editor.user.id });

    const sorted = (ids: string[]) => [...ids].sort();
    expect(await unavailableAt(t.db.sql, boardId, new Date(when))).toEqual(
      sorted([editor.user.id, third.user.id, owner.user.id]),
    );
    expect(await unavailableAt(t.db.sql, boardId, new Date(when), cards[0])).toEqual([editor.user.id]);
    expect(await unavailableAt(t.db.sql, boardId, new Date(when), cards[1])).toEqual([third.user.id]);
    expect(await unavailableAt(t.db.sql, boardId, new Date(first.slots[0].at))).toEqual([owner.user.id]);
    expect(await unavailableAt(t.db.sql, boardId, new Date(Date.parse(when) + 60_000))).toEqual([]);
    // A poll without a card counts for the card it was picked for.
    await pick(owner, boardId, loose.id, { slotId: loose.slots[1].id, presenterId: owner.user.id, cardId: cards[1] });
    expect(await unavailableAt(t.db.sql, boardId, new Date(when), cards[1])).toEqual(
      sorted([third.user.id, owner.user.id]),
    ); // A later "yes" for the same time, in another poll, wins over an earlier "no".
    await answered(editor, boardId, second.id, { [second.slots[0].id]: 'yes' });
    expect(await unavailableAt(t.db.sql, boardId, new Date(when))).toEqual(sorted([third.user.id, owner.user.id]));
  });
});
