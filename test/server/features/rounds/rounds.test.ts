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
import { storedDoc } from '#test/helpers/yjs.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { removeCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import type { Round } from '#shared/schemas/rounds.js';
import { markClosed } from '#server/features/rounds/rounds.repository.js';
import { closeDueRounds } from '#server/features/rounds/rounds.service.js';

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

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

/** The board's columns (ids) left to right, from the live document. */
function columnIds(boardId: string): Promise<string[]> {
  return t.app.sync.read(boardId, (doc) => boardView(doc).columns.map((column) => column.id));
}

/** A board with the cast and `n` cards in its first column; the card ids in board order. */
async function boardWithCards(n: number): Promise<{ boardId: string; cards: string[]; columns: string[] }> {
  const boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  const cards = await placeCards(t.app, owner, boardId, n);
  return { boardId, cards, columns: await columnIds(boardId) };
}

function open(user: TestUser | null, boardId: string, payload: object) {
  return t.app.inject({
    method: 'POST',
    url: `/api/boards/${boardId}/rounds`,
    headers: user ? { cookie: user.cookie } : {},
    payload,
  });
}

async function openRound(boardId: string, payload: object): Promise<Round> {
  const res = await open(owner, boardId, { closesAt: inAnHour(), ...payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

function ballot(user: TestUser | null, boardId: string, roundId: string, payload: object) {
  return t.app.inject({
    method: 'PUT',
    url: `/api/boards/${boardId}/rounds/${roundId}/ballot`,
    headers: user ? { cookie: user.cookie } : {},
    payload,
  });
}

async function cast(user: TestUser, boardId: string, roundId: string, payload: object): Promise<void> {
  const res = await ballot(user, boardId, roundId, payload);
  expect(res.statusCode, res.body).toBe(200);
}

function close(user: TestUser | null, boardId: string, roundId: string) {
  return t.app.inject({
    method: 'POST',
    url: `/api/boards/${boardId}/rounds/${roundId}/close`,
    headers: user ? { cookie: user.cookie } : {},
  });
}

async function closed(boardId: string, roundId: string): Promise<Round> {
  const res = await close(owner, boardId, roundId);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

function read(user: TestUser | null, boardId: string, roundId?: string) {
  return t.app.inject({
    url: `/api/boards/${boardId}/rounds${roundId ? `/${roundId}` : ''}`,
    headers: user ? { cookie: user.cookie } : {},
  });
}

async function activityKinds(boardId: string): Promise<string[]> {
  const rows = await t.db.sql<{ kind: string }[]>`select kind from activity where board_id = ${boardId} order by id`;
  return rows.map((row) => row.kind);
}

describe('ballot rounds', () => {
  it('opens a ranked round over a column in board order, counts instant-runoff and moves the winner', async () => {
    const { boardId, cards, columns } = await boardWithCards(3);
    const [a, b, c] = cards;
    const round = await openRound(boardId, {
      method: 'ranked',
      candidates: { columnId: columns[0] },
      moveWinnersTo: columns[2],
    });
    expect(round).toMatchObject({
      boardId,
      method: 'ranked',
      status: 'open',
      candidates: [a, b, c],
      winners: 1,
      voters: [],
      ballotCount: 0,
      myBallot: null,
      result: null,
      openBallot: false,
      moveWinnersTo: columns[2],
    });
    // First preferences: a 1, b 1, c 1 → c goes last by the tie-break (listed later), its ballot moves to b.
    await cast(owner, boardId, round.id, { ranking: [a, b] });
    await cast(editor, boardId, round.id, { ranking: [b, a] });
    const third = await signUp(t.app, 'Third');
    await addMember(t.app, owner, boardId, third, 'editor');
    await cast(third, boardId, round.id, { ranking: [c, b] });

    const result = await closed(boardId, round.id);
    expect(result.status).toBe('closed');
    expect(result.result).toEqual({
      winners: [b],
      rounds: [
        { tallies: { [a]: 1, [b]: 1, [c]: 1 }, eliminated: [c] },
        { tallies: { [a]: 1, [b]: 2 }, eliminated: [] },
      ],
    });
    expect(result.closedAt).not.toBeNull();

    const view = boardView(await storedDoc(t.db.sql, boardId));
    expect(view.columns[2].cards.map((card) => card.id)).toEqual([b]);
    expect(view.columns[0].cards.map((card) => card.id)).toEqual([a, c]);
    expect((await activityKinds(boardId)).filter((k) => k.startsWith('round:'))).toEqual([
      'round:opened',
      'round:closed',
    ]);
  });

  it('counts an approval round for two winners, moved to the top of their column in winner order', async () => {
    const { boardId, cards, columns } = await boardWithCards(4);
    const [a, b, c, d] = cards;
    const round = await openRound(boardId, {
      method: 'approval',
      candidates: { cardIds: [d, c, b, a] },
      winners: 2,
      moveWinnersTo: columns[0],
    });
    expect(round.candidates).toEqual([a, b, c, d]);
    await cast(owner, boardId, round.id, { approve: [c, d] });
    await cast(editor, boardId, round.id, { approve: [d, a] });
    const result = await closed(boardId, round.id);
    expect(result.result).toEqual({
      winners: [d, a],
      rounds: [{ tallies: { [a]: 1, [b]: 0, [c]: 1, [d]: 2 }, eliminated: [] }],
    });
    const view = boardView(await storedDoc(t.db.sql, boardId));
    expect(view.columns[0].cards.map((card) => card.id)).toEqual([d, a, b, c]);
  });

  it('counts a dots round within each member’s budget', async () => {
    const { boardId, cards } = await boardWithCards(3);
    const [a, b, c] = cards;
    const round = await openRound(boardId, { method: 'dots', candidates: { cardIds: cards }, dotsPerMember: 3 });
    expect(round.dotsPerMember).toBe(3);
    await cast(owner, boardId, round.id, { dots: { [a]: 1, [c]: 2 } });
    await cast(editor, boardId, round.id, { dots: { [b]: 3 } });
    const result = await closed(boardId, round.id);
    expect(result.result).toEqual({ winners: [b], rounds: [{ tallies: { [a]: 1, [b]: 3, [c]: 2 }, eliminated: [] }] });
  });

  it('shows no tally while open, to the owner or anyone, and events carry counts only', async () => {
    const { boardId, cards } = await boardWithCards(2);
    const socket = await connectSocket(t.app, viewer);
    try {
      expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
      const opened = nextEvent(socket, 'round:opened');
      const round = await openRound(boardId, { method: 'approval', candidates: { cardIds: cards }, openBallot: true });
      expect((await opened).round).toMatchObject({ id: round.id, result: null, myBallot: null, ballotCount: 0 });

      const counted = nextEvent(socket, 'round:ballots');
      await cast(editor, boardId, round.id, { approve: [cards[1]] });
      expect(await counted).toEqual({ roundId: round.id, ballotCount: 1, voters: [editor.user.id] });

      for (const user of [owner, editor, viewer]) {
        const one = await read(user, boardId, round.id);
        expect(one.statusCode).toBe(200);
        expect(one.json()).toMatchObject({ result: null, ballotCount: 1, voters: [editor.user.id] });
        expect(one.body).not.toContain('tallies');
        const list = await read(user, boardId);
        expect(list.json().items).toMatchObject([{ id: round.id, result: null }]);
        expect(list.body).not.toContain('tallies');
      }
      // Only my own ballot is mine to see.
      expect((await read(editor, boardId, round.id)).json().myBallot).toEqual({ approve: [cards[1]] });
      expect((await read(owner, boardId, round.id)).json().myBallot).toBeNull();
      // The export knows nothing of rounds.
      const exported = await t.app.inject({
        url: `/api/boards/${boardId}/export?format=json`,
        headers: { cookie: owner.cookie },
      });
      expect(exported.statusCode).toBe(200);
      expect(exported.body).not.toContain(round.id);

      const closing = nextEvent(socket, 'round:closed');
      await closed(boardId, round.id);
      const event = (await closing).round;
      expect(event.result).toEqual({
        winners: [cards[1]],
        rounds: [{ tallies: { [cards[0]]: 0, [cards[1]]: 1 }, eliminated: [] }],
      });
      expect(event.myBallot).toBeNull();
    } finally {
      socket.close();
    }
  });

  it('shows the ballots by member after closing only for an open-ballot round', async () => {
    const { boardId, cards } = await boardWithCards(2);
    const secret = await openRound(boardId, { method: 'ranked', candidates: { cardIds: cards } });
    const openly = await openRound(boardId, { method: 'ranked', candidates: { cardIds: cards }, openBallot: true });
    for (const round of [secret, openly]) await cast(editor, boardId, round.id, { ranking: [cards[1], cards[0]] });
    expect((await closed(boardId, secret.id)).result).not.toHaveProperty('ballots');
    expect((await closed(boardId, openly.id)).result?.ballots).toEqual({
      [editor.user.id]: { ranking: [cards[1], cards[0]] },
    });
  });

  it('lets a member change their ballot until the round closes, then answers 409', async () => {
    const { boardId, cards } = await boardWithCards(2);
    const [a, b] = cards;
    const round = await openRound(boardId, { method: 'ranked', candidates: { cardIds: cards } });
    await cast(editor, boardId, round.id, { ranking: [a] });
    await cast(editor, boardId, round.id, { ranking: [b, a] });
    const mine = (await read(editor, boardId, round.id)).json();
    expect(mine).toMatchObject({ ballotCount: 1, myBallot: { ranking: [b, a] } });

    const result = await closed(boardId, round.id);
    expect(result.result?.winners).toEqual([b]);
    const late = await ballot(editor, boardId, round.id, { ranking: [a] });
    expect(late.statusCode).toBe(409);
    // Closing again changes nothing and records nothing.
    expect((await closed(boardId, round.id)).result).toEqual(result.result);
    expect((await activityKinds(boardId)).filter((k) => k === 'round:closed')).toHaveLength(1);
  });

  it('lets owners open and close, editors and owners vote, members read, and nobody else', async () => {
    const { boardId, cards } = await boardWithCards(2);
    const payload = { method: 'approval', candidates: { cardIds: cards }, closesAt: inAnHour() };
    expect((await open(editor, boardId, payload)).statusCode).toBe(403);
    expect((await open(viewer, boardId, payload)).statusCode).toBe(403);
    expect((await open(stranger, boardId, payload)).statusCode).toBe(404);
    expect((await open(null, boardId, payload)).statusCode).toBe(401);
    const round = await openRound(boardId, payload);

    expect((await ballot(viewer, boardId, round.id, { approve: [cards[0]] })).statusCode).toBe(403);
    expect((await ballot(stranger, boardId, round.id, { approve: [cards[0]] })).statusCode).toBe(404);
    expect((await ballot(null, boardId, round.id, { approve: [cards[0]] })).statusCode).toBe(401);
    expect((await read(viewer, boardId, round.id)).statusCode).toBe(200);
    expect((await read(stranger, boardId, round.id)).statusCode).toBe(404);
    expect((await read(stranger, boardId)).statusCode).toBe(404);
    expect((await read(null, boardId)).statusCode).toBe(401);
    expect((await close(editor, boardId, round.id)).statusCode).toBe(403);
    expect((await close(stranger, boardId, round.id)).statusCode).toBe(404);
    expect((await close(null, boardId, round.id)).statusCode).toBe(401);
    expect((await read(owner, boardId, round.id)).json().status).toBe('open');
  });

  it('refuses a bad round with 400 naming the field', async () => {
    const { boardId, cards, columns } = await boardWithCards(2);
    const base = { method: 'ranked', candidates: { cardIds: cards }, closesAt: inAnHour() };
    const cases: [object, string][] = [
      [{ closesAt: new Date(Date.now() - 1000).toISOString() }, 'body/closesAt'],
      [{ closesAt: new Date(Date.now() + 91 * 86_400_000).toISOString() }, 'body/closesAt'],
      [{ winners: 3 }, 'body/winners'],
      [{ moveWinnersTo: 'no-such-column' }, 'body/moveWinnersTo'],
      [{ candidates: { cardIds: [cards[0], 'not-a-card'] } }, 'body/candidates/cardIds/1'],
      [{ candidates: { cardIds: [cards[0], cards[0]] } }, 'body/candidates/cardIds'],
      [{ candidates: { columnId: columns[1] } }, 'body/candidates'],
      [{ candidates: { columnId: 'no-such-column' } }, 'body/candidates/columnId'],
      [{ method: 'dots' }, 'body/dotsPerMember'],
      [{ dotsPerMember: 5 }, 'body/dotsPerMember'],
    ];
    for (const [change, field] of cases) {
      const res = await open(owner, boardId, { ...base, ...change });
      expect(res.statusCode, JSON.stringify(change)).toBe(400);
      expect(res.json().message, JSON.stringify(change)).toContain(field);
    }
    expect((await read(owner, boardId)).json().items).toEqual([]);
  });

  it('refuses a bad ballot with 400 naming the field', async () => {
    const { boardId, cards } = await boardWithCards(3);
    const [a, b, c] = cards;
    const ranked = await openRound(boardId, { method: 'ranked', candidates: { cardIds: [a, b] } });
    const dots = await openRound(boardId, { method: 'dots', candidates: { cardIds: [a, b] }, dotsPerMember: 3 });
    const cases: [string, object, string][] = [
      [ranked.id, { ranking: [a, c] }, 'body/ranking/1'],
      [ranked.id, { ranking: [a, 'nope'] }, 'body/ranking/1'],
      [ranked.id, { ranking: [b, b] }, 'body/ranking/1'],
      [ranked.id, { approve: [a] }, 'body/approve'],
      [ranked.id, {}, 'body/ranking'],
      [dots.id, { dots: { [a]: 2, [b]: 2 } }, 'body/dots'],
      [dots.id, { dots: { [c]: 1 } }, `body/dots/${c}`],
      [dots.id, { ranking: [a] }, 'body/ranking'],
    ];
    for (const [roundId, payload, field] of cases) {
      const res = await ballot(editor, boardId, roundId, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message, JSON.stringify(payload)).toContain(field);
    }
    for (const round of [ranked, dots]) expect((await read(owner, boardId, round.id)).json().ballotCount).toBe(0);
  });

  it('drops a card removed from the board during the round from the candidates and the ballots', async () => {
    const { boardId, cards, columns } = await boardWithCards(3);
    const [a, b, c] = cards;
    const round = await openRound(boardId, {
      method: 'ranked',
      candidates: { cardIds: cards },
      openBallot: true,
      moveWinnersTo: columns[1],
    });
    await cast(owner, boardId, round.id, { ranking: [a, b] });
    await cast(editor, boardId, round.id, { ranking: [a, c] });
    await t.app.sync.edit(boardId, new ServerEdit(owner.user.id), (doc) => removeCard(doc, a));

    const result = await closed(boardId, round.id);
    expect(result.candidates).toEqual([b, c]);
    expect(result.result?.rounds[0].tallies).toEqual({ [b]: 1, [c]: 1 });
    expect(result.result?.winners).toEqual([b]);
    expect(result.result?.ballots).toEqual({ [owner.user.id]: { ranking: [b] }, [editor.user.id]: { ranking: [c] } });
    const view = boardView(await storedDoc(t.db.sql, boardId));
    expect(view.columns[1].cards.map((card) => card.id)).toEqual([b]);
  });

  it('lists a board’s rounds newest first with my ballot in each', async () => {
    const { boardId, cards } = await boardWithCards(2);
    const first = await openRound(boardId, { method: 'approval', candidates: { cardIds: cards } });
    const second = await openRound(boardId, { method: 'approval', candidates: { cardIds: cards } });
    await cast(editor, boardId, first.id, { approve: [cards[0]] });
    const { items } = (await read(editor, boardId)).json() as { items: Round[] };
    expect(items.map((round) => [round.id, round.myBallot])).toEqual([
      [second.id, null],
      [first.id, { approve: [cards[0]] }],
    ]);
  });

  it('does not count the ballot of an editor demoted to viewer before the close', async () => {
    const { boardId, cards } = await boardWithCards(2);
    const [a, b] = cards;
    const round = await openRound(boardId, { method: 'approval', candidates: { cardIds: cards } });
    await cast(owner, boardId, round.id, { approve: [a] });
    await cast(editor, boardId, round.id, { approve: [b] });
    const demoted = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/members/${editor.user.id}`,
      headers: { cookie: owner.cookie },
      payload: { role: 'viewer' },
    });
    expect(demoted.statusCode, demoted.body).toBe(200);
    expect((await read(owner, boardId, round.id)).json()).toMatchObject({ ballotCount: 1, voters: [owner.user.id] });
    const result = await closed(boardId, round.id);
    expect(result.result?.rounds[0].tallies).toEqual({ [a]: 1, [b]: 0 });
  });

  it('moves the winners later when the process that closed the round died before moving them', async () => {
    const { boardId, cards, columns } = await boardWithCards(2);
    const [a, b] = cards;
    const round = await openRound(boardId, {
      method: 'approval',
      candidates: { cardIds: cards },
      moveWinnersTo: columns[1],
    });
    await cast(owner, boardId, round.id, { approve: [b] });
    // What a close stores before the process dies: the count, and no move.
    const closing = { counted: cards, result: { winners: [b], rounds: [] }, at: new Date() };
    expect(await markClosed(t.db.sql, round.id, closing)).toBe(true);
    const deps = { sql: t.app.sql, sync: t.app.sync, emitToBoard: t.app.emitToBoard.bind(t.app), log: t.app.log };
    // Within the grace the closer is left to move them; after it, any node's scheduler does, once.
    await closeDueRounds(deps, new Date());
    expect(boardView(await storedDoc(t.db.sql, boardId)).columns[1].cards).toEqual([]);
    await closeDueRounds(deps, new Date(Date.now() + 60_000));
    const view = boardView(await storedDoc(t.db.sql, boardId));
    expect(view.columns[1].cards.map((card) => card.id)).toEqual([b]);
    expect(view.columns[0].cards.map((card) => card.id)).toEqual([a]);
    const [row] = await t.db.sql`select winners_moved_at from rounds where id = ${round.id}`;
    expect(row.winnersMovedAt).not.toBeNull();
  });
});
