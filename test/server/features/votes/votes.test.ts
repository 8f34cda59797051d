import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import {
  addMember,
  createBoardWithMembers,
  nominate,
  placeCards,
  signUp,
  signUpCast,
  type TestUser,
} from '#test/helpers/factories.js';
import { connectSocket, joinBoard, nextEvent, type TestSocket } from '#test/helpers/socket.js';

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

async function newBoard(mode?: { mode: 'dots'; dotsPerMember: number; maxDotsPerCard: number }) {
  const boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  if (mode) {
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/voting`,
      headers: { cookie: owner.cookie },
      payload: mode,
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  return boardId;
}

function vote(user: TestUser, boardId: string, cardId: string, payload?: object) {
  return t.app.inject({
    method: 'PUT',
    url: `/api/boards/${boardId}/cards/${cardId}/vote`,
    headers: { cookie: user.cookie },
    payload,
  });
}

function unvote(user: TestUser, boardId: string, cardId: string) {
  return t.app.inject({
    method: 'DELETE',
    url: `/api/boards/${boardId}/cards/${cardId}/vote`,
    headers: { cookie: user.cookie },
  });
}

function voting(user: TestUser, boardId: string) {
  return t.app.inject({ url: `/api/boards/${boardId}/voting`, headers: { cookie: user.cookie } });
}

describe('upvote mode', () => {
  it('counts one vote per member per card, and a repeated PUT changes nothing', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const first = await vote(owner, boardId, card);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({
      cardId: card,
      tally: { voters: 1, dots: 1 },
      version: expect.any(Number),
      myDots: 1,
      remainingDots: null,
    });
    expect((await vote(owner, boardId, card, {})).json().tally).toEqual({ voters: 1, dots: 1 });
    expect((await vote(editor, boardId, card)).json().tally).toEqual({ voters: 2, dots: 2 });
  });

  it('removes my vote with DELETE', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    await vote(owner, boardId, card);
    await vote(editor, boardId, card);
    const res = await unvote(owner, boardId, card);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ tally: { voters: 1, dots: 1 }, myDots: 0 });
    expect((await unvote(owner, boardId, card)).json().tally).toEqual({ voters: 1, dots: 1 });
  });

  it('refuses dots on an upvote board, naming the field', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const res = await vote(owner, boardId, card, { dots: 2 });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('body/dots');
  });

  it('shows rules, tallies and no budget to every member', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    await vote(editor, boardId, card);
    const res = await voting(viewer, boardId);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      mode: 'upvote',
      dotsPerMember: 5,
      maxDotsPerCard: 3,
      usedDots: 0,
      remainingDots: null,
      tallies: { [card]: { voters: 1, dots: 1 } },
    });
  });
});

describe('dots mode', () => {
  const rules = { mode: 'dots' as const, dotsPerMember: 5, maxDotsPerCard: 3 };

  it('spends dots from my budget and gives them back', async () => {
    const boardId = await newBoard(rules);
    const [a, b] = await placeCards(t.app, owner, boardId, 2);
    expect((await vote(editor, boardId, a, { dots: 3 })).json()).toMatchObject({ myDots: 3, remainingDots: 2 });
    expect((await vote(editor, boardId, b, { dots: 2 })).json()).toMatchObject({ myDots: 2, remainingDots: 0 });
    expect((await vote(editor, boardId, a, { dots: 1 })).json()).toMatchObject({
      tally: { voters: 1, dots: 1 },
      remainingDots: 2,
    });
    expect((await unvote(editor, boardId, b)).json()).toMatchObject({ myDots: 0, remainingDots: 4 });
    expect((await voting(editor, boardId)).json()).toMatchObject({ usedDots: 1, remainingDots: 4 });
  });

  it('answers 409 beyond the budget', async () => {
    const boardId = await newBoard(rules);
    const [a, b] = await placeCards(t.app, owner, boardId, 2);
    await vote(editor, boardId, a, { dots: 3 });
    const res = await vote(editor, boardId, b, { dots: 3 });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'conflict', remainingDots: 2 });
    expect(res.json().message).toContain('not enough dots');
  });

  it('answers 409 beyond the maximum per card', async () => {
    const boardId = await newBoard(rules);
    const [a] = await placeCards(t.app, owner, boardId, 1);
    const res = await vote(editor, boardId, a, { dots: 4 });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toContain('at most 3 dots');
  });

  it('clears the votes when the mode changes', async () => {
    const boardId = await newBoard(rules);
    const [a] = await placeCards(t.app, owner, boardId, 1);
    await vote(editor, boardId, a, { dots: 2 });
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/voting`,
      headers: { cookie: owner.cookie },
      payload: { mode: 'upvote' },
    });
    expect(res.json()).toMatchObject({ mode: 'upvote', tallies: {} });
  });
});

describe('refusals', () => {
  it.each([
    [{ dots: 0 }, 'body/dots'],
    [{ dots: 1.5 }, 'body/dots'],
    [{ dots: '2' }, 'body/dots'],
    [{ points: 2 }, 'body/points'],
  ])('answers 400 to the vote %j, naming the field', async (payload, field) => {
    const boardId = await newBoard(rules());
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const res = await vote(editor, boardId, card, payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().message).toContain(field);
  });

  it.each([
    [{}, 'body'],
    [{ dotsPerMember: 0 }, 'body/dotsPerMember'],
    [{ maxDotsPerCard: 101 }, 'body/maxDotsPerCard'],
    [{ mode: 'stars' }, 'body/mode'],
  ])('answers 400 to the rules %j, naming the field', async (payload, field) => {
    const boardId = await newBoard();
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/voting`,
      headers: { cookie: owner.cookie },
      payload,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().message).toContain(field);
  });

  it('answers 404 for a card of another board and for an unknown card', async () => {
    const boardId = await newBoard();
    const [foreign] = await placeCards(t.app, owner, await newBoard(), 1);
    expect((await vote(editor, boardId, foreign)).statusCode).toBe(404);
    expect((await vote(editor, boardId, 'no-such-card')).json()).toMatchObject({ error: 'not_found' });
    expect((await unvote(editor, boardId, foreign)).statusCode).toBe(404);
  });

  it('answers 404 to a non-member and for an unknown board, alike', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const foreign = await vote(stranger, boardId, card);
    const unknown = await vote(owner, crypto.randomUUID(), card);
    expect(foreign.statusCode).toBe(404);
    expect(unknown.json()).toEqual(foreign.json());
  });

  it('answers 403 to a viewer, and to an editor changing the rules', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    expect((await vote(viewer, boardId, card)).statusCode).toBe(403);
    expect((await unvote(viewer, boardId, card)).statusCode).toBe(403);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/voting`,
      headers: { cookie: editor.cookie },
      payload: { mode: 'dots' },
    });
    expect(patch.statusCode).toBe(403);
  });

  function rules() {
    return { mode: 'dots' as const, dotsPerMember: 5, maxDotsPerCard: 3 };
  }
});

describe('who voted', () => {
  function voters(user: TestUser, boardId: string, cardId: string) {
    return t.app.inject({
      url: `/api/boards/${boardId}/cards/${encodeURIComponent(cardId)}/votes`,
      headers: { cookie: user.cookie },
    });
  }

  it('names the voters of a card with their dots, earliest first, to every member including viewers', async () => {
    const boardId = await newBoard({ mode: 'dots', dotsPerMember: 5, maxDotsPerCard: 3 });
    const [card, other] = await placeCards(t.app, owner, boardId, 2);
    await vote(editor, boardId, card, { dots: 2 });
    await vote(owner, boardId, card);
    await vote(owner, boardId, other);
    for (const user of [owner, editor, viewer]) {
      const res = await voters(user, boardId, card);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        cardId: card,
        voters: [
          { userId: editor.user.id, name: 'Editor', dots: 2 },
          { userId: owner.user.id, name: 'Owner', dots: 1 },
        ],
      });
    }
    await unvote(editor, boardId, card);
    expect((await voters(viewer, boardId, card)).json().voters).toEqual([
      { userId: owner.user.id, name: 'Owner', dots: 1 },
    ]);
  });

  it('answers an empty list for a card nobody voted for and for a card not on the board', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    expect((await voters(editor, boardId, card)).json()).toEqual({ cardId: card, voters: [] });
    expect((await voters(editor, boardId, 'no-such-card')).json()).toEqual({ cardId: 'no-such-card', voters: [] });
  });

  it('answers 400 to a malformed board id, naming the field', async () => {
    const malformed = await voters(owner, 'not-a-board', 'card');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toContain('params/boardId');
  });

  it('answers 404 to a non-member and for an unknown board, alike, and 401 without a session', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    await vote(owner, boardId, card);
    const foreign = await voters(stranger, boardId, card);
    const unknown = await voters(owner, crypto.randomUUID(), card);
    expect(foreign.statusCode).toBe(404);
    expect(unknown.json()).toEqual(foreign.json());
    expect(foreign.body).not.toContain('Owner');
    const anonymous = await t.app.inject({ url: `/api/boards/${boardId}/cards/${card}/votes` });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('concurrency', () => {
  it('keeps 50 members voting and unvoting at once within their budgets, with exact tallies', async () => {
    const boardId = await newBoard({ mode: 'dots', dotsPerMember: 3, maxDotsPerCard: 2 });
    const cards = await placeCards(t.app, owner, boardId, 4);
    const members: TestUser[] = [];
    for (let i = 0; i < 50; i++) {
      const member = await signUp(t.app, `Member ${i}`);
      await addMember(t.app, owner, boardId, member, 'editor');
      members.push(member);
    }

    // Each member tries 2 dots on each of three cards at once: the budget of 3 admits exactly one.
    const first = await Promise.all(
      members.map(async (m) => {
        const answers = await Promise.all(cards.slice(0, 3).map((c) => vote(m, boardId, c, { dots: 2 })));
        const won = answers.flatMap((res, i) => (res.statusCode === 200 ? [cards[i]] : []));
        expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
        return won[0];
      }),
    );
    const firstTallies = (await voting(owner, boardId)).json().tallies;
    const expected: Record<string, { voters: number; dots: number }> = {};
    for (const card of first) {
      expected[card] ??= { voters: 0, dots: 0 };
      expected[card].voters += 1;
      expected[card].dots += 2;
    }
    expect(firstTallies).toEqual(expected);

    // Then each takes the dots back and gives one to the last card, twice over, all at once.
    await Promise.all(
      members.map((m, i) =>
        Promise.all([
          unvote(m, boardId, first[i]),
          vote(m, boardId, cards[3], { dots: 1 }),
          vote(m, boardId, cards[3], { dots: 1 }),
        ]).then((answers) => answers.forEach((res) => expect(res.statusCode, res.body).toBe(200))),
      ),
    );
    expect((await voting(owner, boardId)).json().tallies).toEqual({ [cards[3]]: { voters: 50, dots: 50 } });
    const perMember = await t.db.sql<{ userId: string; used: number; rows: number }[]>`
      select user_id, sum(dots)::int as used, count(*)::int as rows from votes where board_id = ${boardId} group by user_id`;
    expect(perMember).toHaveLength(50);
    for (const row of perMember) expect(row).toMatchObject({ used: 1, rows: 1 });
  }, 120_000);

  it('answers members voting on one card at once with tallies that count every earlier vote, in version order', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const members: TestUser[] = [];
    for (let i = 0; i < 12; i++) {
      const member = await signUp(t.app, `Voter ${i}`);
      await addMember(t.app, owner, boardId, member, 'editor');
      members.push(member);
    }
    // Each answer's tally is the card's count right after that vote: 1…12, each once, rising with the
    // version. (Counted without the card's lock, votes in flight together each saw only their own.)
    const answers = await Promise.all(members.map((m) => vote(m, boardId, card)));
    const results = answers.map((res) => {
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { tally: { voters: number }; version: number };
    });
    results.sort((a, b) => a.version - b.version);
    expect(results.map((r) => r.tally.voters)).toEqual(members.map((_, i) => i + 1));

    // Taking votes back at once counts down the same way.
    const removals = await Promise.all(members.slice(0, 6).map((m) => unvote(m, boardId, card)));
    const down = removals.map((res) => res.json() as { tally: { voters: number }; version: number });
    down.sort((a, b) => a.version - b.version);
    expect(down.map((r) => r.tally.voters)).toEqual([11, 10, 9, 8, 7, 6]);
    expect(Math.min(...down.map((r) => r.version))).toBeGreaterThan(results[11].version);
  }, 60_000);
});

describe('live updates', () => {
  let socket: TestSocket;
  afterAll(() => socket?.close());

  it("pushes votes:changed to the other members' sockets", async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    socket = await connectSocket(t.app, viewer);
    expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
    const received = nextEvent(socket, 'votes:changed', (p) => p.cardId === card);
    const answer = await vote(editor, boardId, card);
    expect(await received).toEqual({
      boardId,
      cardId: card,
      tally: { voters: 1, dots: 1 },
      version: answer.json().version,
    });
  });
});

describe('trending papers', () => {
  const HOUR = 3600_000;

  async function addPaper(title: string, hoursAgo: number): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/papers',
      headers: { cookie: owner.cookie },
      payload: { title, publishedAt: new Date(Date.now() - hoursAgo * HOUR).toISOString() },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }

  async function trending(user: TestUser | null, query = ''): Promise<{ ids: string[]; nextCursor: string | null }> {
    const res = await t.app.inject({
      url: `/api/papers?sort=trending${query}`,
      headers: user ? { cookie: user.cookie } : {},
    });
    expect(res.statusCode, res.body).toBe(200);
    return { ids: res.json().items.map((p: { id: string }) => p.id), nextCursor: res.json().nextCursor };
  }

  let old: string;
  let middle: string;
  let fresh: string;

  beforeAll(async () => {
    const tag = crypto.randomBytes(3).toString('hex');
    old = await addPaper(`Trending old ${tag}`, 48);
    middle = await addPaper(`Trending middle ${tag}`, 24);
    fresh = await addPaper(`Trending fresh ${tag}`, 1);
    const boardId = await newBoard({ mode: 'dots', dotsPerMember: 5, maxDotsPerCard: 3 });
    const [oldCard, middleCard] = await nominate(t.app, owner, boardId, old, middle, fresh);
    // old: 3 / (48 + 2)^1.5 ≈ 0.0085 beats middle: 1 / (24 + 2)^1.5 ≈ 0.0075; fresh has no votes.
    expect((await vote(editor, boardId, oldCard, { dots: 3 })).statusCode).toBe(200);
    expect((await vote(owner, boardId, middleCard, { dots: 1 })).statusCode).toBe(200);
  });

  // The other tests' cards put papers in the library too: a page of 100 holds them all.
  it('ranks by votes on my boards against age', async () => {
    expect((await trending(viewer, '&limit=100')).ids.filter((id) => [old, middle, fresh].includes(id))).toEqual([
      old,
      middle,
      fresh,
    ]);
  });

  it('ranks by age alone for anonymous callers and for people outside the board', async () => {
    const byAge = [fresh, middle, old];
    expect((await trending(null, '&limit=100')).ids.filter((id) => byAge.includes(id))).toEqual(byAge);
    expect((await trending(stranger, '&limit=100')).ids.filter((id) => byAge.includes(id))).toEqual(byAge);
  });

  it('pages through the same order with cursors, each paper once', async () => {
    const all = (await trending(viewer, '&limit=100')).ids;
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { ids: string[]; nextCursor: string | null } = await trending(
        viewer,
        `&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      paged.push(...page.ids);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
  });

  it('refuses a cursor of another sort order', async () => {
    const { nextCursor } = await trending(viewer, '&limit=1');
    const recent = await t.app.inject({ url: `/api/papers?sort=recent&cursor=${nextCursor}` });
    expect(recent.statusCode).toBe(400);
    const garbage = await t.app.inject({ url: '/api/papers?sort=trending&cursor=bm90LWEtY3Vyc29y' });
    expect(garbage.json().message).toContain('querystring/cursor');
  });
});
