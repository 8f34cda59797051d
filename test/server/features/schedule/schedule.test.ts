import crypto from 'node:crypto';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import {
  addPaper as addLibraryPaper,
  createBoardWithMembers,
  nominate,
  placeCards,
  projectedCardIds,
  signUpCast,
  type TestUser,
} from '#test/helpers/factories.js';
import { connectSocket, joinBoard, nextEvent, type TestSocket } from '#test/helpers/socket.js';
import { ServerEdit } from '#server/sync/board-room.js';
import { addCard, removeCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';

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

async function newBoard(): Promise<string> {
  const boardId = (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
  return boardId;
}

const addPaper = (title: string) => addLibraryPaper(t.app, owner, title);

const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

function assignCard(user: TestUser, boardId: string, cardId: string, presenter: TestUser, sessionAt = at(DAY)) {
  return t.app.inject({
    method: 'PUT',
    url: `/api/boards/${boardId}/cards/${cardId}/assignment`,
    headers: { cookie: user.cookie },
    payload: { presenterId: presenter.user.id, sessionAt },
  });
}

function unassignCard(user: TestUser, boardId: string, cardId: string) {
  return t.app.inject({
    method: 'DELETE',
    url: `/api/boards/${boardId}/cards/${cardId}/assignment`,
    headers: { cookie: user.cookie },
  });
}

async function schedule(user: TestUser, boardId: string) {
  const res = await t.app.inject({ url: `/api/boards/${boardId}/schedule`, headers: { cookie: user.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function suggest(boardId: string, cardId: string) {
  const res = await t.app.inject({
    url: `/api/boards/${boardId}/schedule/suggest?cardId=${cardId}`,
    headers: { cookie: viewer.cookie },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('assignments', () => {
  it('lets an editor name a member as presenter and shows it in the schedule', async () => {
    const boardId = await newBoard();
    const paperId = await addPaper('Attention is all you need');
    const [card] = await nominate(t.app, owner, boardId, paperId);
    const sessionAt = at(2 * DAY);
    const res = await assignCard(editor, boardId, card, viewer, sessionAt);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      boardId,
      cardId: card,
      presenter: { id: viewer.user.id, name: 'Viewer' },
      sessionAt,
      assignedBy: editor.user.id,
    });
    expect(await schedule(viewer, boardId)).toEqual({
      upcoming: [
        {
          cardId: card,
          paper: { id: paperId, title: 'Attention is all you need' },
          presenter: { id: viewer.user.id, name: 'Viewer' },
          sessionAt,
        },
      ],
      past: [],
    });
  });

  it('replaces the presenter of a card: one presenter per card', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    expect((await assignCard(owner, boardId, card, viewer)).statusCode).toBe(200);
    expect((await assignCard(owner, boardId, card, editor)).statusCode).toBe(200);
    const { upcoming } = await schedule(owner, boardId);
    expect(upcoming.map((s: { presenter: { id: string } }) => s.presenter.id)).toEqual([editor.user.id]);
  });

  it('lets an editor remove an assignment, and a repeated DELETE changes nothing', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    await assignCard(owner, boardId, card, viewer);
    expect((await unassignCard(editor, boardId, card)).statusCode).toBe(204);
    expect((await unassignCard(editor, boardId, card)).statusCode).toBe(204);
    expect(await schedule(owner, boardId)).toEqual({ upcoming: [], past: [] });
  });

  it('records assignments and their removal in the activity log, once each', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const when = at(DAY);
    // The repeat changes nothing and records nothing.
    expect((await assignCard(editor, boardId, card, viewer, when)).statusCode).toBe(200);
    expect((await assignCard(editor, boardId, card, viewer, when)).statusCode).toBe(200);
    expect((await unassignCard(editor, boardId, card)).statusCode).toBe(204);
    const res = await t.app.inject({ url: `/api/boards/${boardId}/activity`, headers: { cookie: owner.cookie } });
    const entries = (res.json().items ?? res.json()) as { kind: string; cardId: string; actorId: string }[];
    const ofCard = entries
      .filter((e) => e.cardId === card && e.kind.startsWith('assignment:'))
      .map((e) => [e.kind, e.actorId]);
    expect(ofCard).toEqual([
      ['assignment:removed', editor.user.id],
      ['assignment:set', editor.user.id],
    ]);
  });

  it('lets a viewer volunteer and withdraw themselves', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const volunteered = await assignCard(viewer, boardId, card, viewer);
    expect(volunteered.statusCode, volunteered.body).toBe(200);
    expect(volunteered.json().presenter.id).toBe(viewer.user.id);
    expect((await assignCard(viewer, boardId, card, viewer, at(3 * DAY))).statusCode).toBe(200);
    expect((await unassignCard(viewer, boardId, card)).statusCode).toBe(204);
    expect(await schedule(viewer, boardId)).toEqual({ upcoming: [], past: [] });
  });

  it('forbids a viewer to name someone else', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const res = await assignCard(viewer, boardId, card, editor);
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error).toBe('forbidden');
  });

  it("forbids a viewer to take over or withdraw someone else's card", async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    await assignCard(owner, boardId, card, editor);
    expect((await assignCard(viewer, boardId, card, viewer)).statusCode).toBe(403);
    expect((await unassignCard(viewer, boardId, card)).statusCode).toBe(403);
    expect((await schedule(owner, boardId)).upcoming[0].presenter.id).toBe(editor.user.id);
  });

  it('refuses a presenter who is not a member, naming presenterId', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const res = await assignCard(owner, boardId, card, stranger);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().message).toContain('presenterId');
  });

  it('answers 404 for a card of another board and for a board the caller is not on', async () => {
    const boardId = await newBoard();
    const otherBoard = await newBoard();
    const [foreignCard] = await placeCards(t.app, owner, otherBoard, 1);
    expect((await assignCard(owner, boardId, foreignCard, viewer)).statusCode).toBe(404);
    expect((await unassignCard(owner, boardId, foreignCard)).statusCode).toBe(404);
    const [card] = await placeCards(t.app, owner, boardId, 1);
    expect((await assignCard(stranger, boardId, card, stranger)).statusCode).toBe(404);
    expect((await assignCard(owner, crypto.randomUUID(), card, viewer)).statusCode).toBe(404);
  });

  it('drops the assignments of a member who leaves the board', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    await assignCard(owner, boardId, card, viewer);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${boardId}/members/${viewer.user.id}`,
      headers: { cookie: owner.cookie },
    });
    expect(removed.statusCode, removed.body).toBe(204);
    expect(await schedule(owner, boardId)).toEqual({ upcoming: [], past: [] });
  });
});

describe('a card added a moment ago', () => {
  it('is assigned at once, before the projection has caught up, and a card on no board is still a 404', async () => {
    const boardId = await newBoard();
    const paperId = await addPaper(`Fresh paper ${crypto.randomBytes(3).toString('hex')}`);
    const cardId = await t.app.sync.edit(boardId, new ServerEdit(owner.user.id), (doc) =>
      addCard(doc, { paperId, columnId: boardView(doc).columns[0].id, addedBy: owner.user.id }),
    );
    const [projected] = await t.db.sql`select 1 from board_cards where board_id = ${boardId} and card_id = ${cardId}`;
    expect(projected).toBeUndefined();
    const res = await assignCard(editor, boardId, cardId, editor);
    expect(res.statusCode, res.body).toBe(200);
    expect((await assignCard(editor, boardId, 'no-such-card', editor)).statusCode).toBe(404);
  });
});

describe('schedule', () => {
  it('splits sessions into upcoming (soonest first) and past (latest first)', async () => {
    const boardId = await newBoard();
    const [a, b, c, d] = await placeCards(t.app, owner, boardId, 4);
    await assignCard(owner, boardId, a, viewer, at(2 * DAY));
    await assignCard(owner, boardId, b, editor, at(-DAY));
    await assignCard(owner, boardId, c, owner, at(DAY));
    await assignCard(owner, boardId, d, viewer, at(-3 * DAY));
    const { upcoming, past } = await schedule(viewer, boardId);
    expect(upcoming.map((s: { cardId: string }) => s.cardId)).toEqual([c, a]);
    expect(past.map((s: { cardId: string }) => s.cardId)).toEqual([b, d]);
  });

  it('shows the session of a card whose paper has left the library, without the paper', async () => {
    const boardId = await newBoard();
    const paperId = await addPaper('A withdrawn preprint');
    const [card] = await nominate(t.app, owner, boardId, paperId);
    await assignCard(owner, boardId, card, viewer);
    // Papers have no delete route; the projection forgets a paper that is gone (on delete set null).
    await t.db.sql`delete from papers where id = ${paperId}`;
    const { upcoming } = await schedule(viewer, boardId);
    expect(upcoming).toMatchObject([{ cardId: card, paper: null }]);
  });

  it('leaves out cards that are no longer on the board', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    await assignCard(owner, boardId, card, viewer);
    await t.app.sync.edit(boardId, new ServerEdit(owner.user.id), (doc) => removeCard(doc, card));
    await expect.poll(() => projectedCardIds(t.app, owner, boardId), { timeout: 10_000 }).toEqual([]);
    expect(await schedule(owner, boardId)).toEqual({ upcoming: [], past: [] });
  });
});

describe('presenter suggestion', () => {
  it('suggests by name among members who never presented', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    const everyone = '(no past sessions yet, so everyone counts as active)';
    const ranked = (user: TestUser, name: string) => ({
      presenter: { id: user.user.id, name },
      sessions: 0,
      lastSessionAt: null,
      active: true,
      available: true,
      reason: `${name} — never presented ${everyone}`,
    });
    expect(await suggest(boardId, card)).toEqual({
      cardId: card,
      presenter: { id: editor.user.id, name: 'Editor' },
      sessions: 0,
      lastSessionAt: null,
      sessionAt: null,
      reason: `Editor — never presented ${everyone}`,
      ranking: [ranked(editor, 'Editor'), ranked(owner, 'Owner'), ranked(viewer, 'Viewer')],
    });
  });

  it('suggests the member with the fewest sessions', async () => {
    const boardId = await newBoard();
    const [a, b, next] = await placeCards(t.app, owner, boardId, 3);
    await assignCard(owner, boardId, a, editor, at(-DAY));
    await assignCard(owner, boardId, b, owner, at(-2 * DAY));
    expect((await suggest(boardId, next)).presenter.id).toBe(viewer.user.id);
  });

  it('breaks a tie in sessions by the least recent latest session', async () => {
    const boardId = await newBoard();
    const [a, b, c, next] = await placeCards(t.app, owner, boardId, 4);
    await assignCard(owner, boardId, a, editor, at(-DAY));
    await assignCard(owner, boardId, b, owner, at(-3 * DAY));
    await assignCard(owner, boardId, c, viewer, at(-2 * DAY));
    const suggestion = await suggest(boardId, next);
    expect(suggestion.presenter.id).toBe(owner.user.id);
    expect(suggestion.sessions).toBe(1);
  });

  it("does not count the card's own assignment", async () => {
    const boardId = await newBoard();
    const [a, b] = await placeCards(t.app, owner, boardId, 2);
    await assignCard(owner, boardId, a, editor, at(DAY));
    await assignCard(owner, boardId, b, owner, at(DAY));
    expect((await suggest(boardId, a)).presenter.id).toBe(editor.user.id);
    expect((await suggest(boardId, b)).presenter.id).toBe(owner.user.id);
  });

  it('answers 404 for a card that is not on the board', async () => {
    const boardId = await newBoard();
    const res = await t.app.inject({
      url: `/api/boards/${boardId}/schedule/suggest?cardId=card-nowhere`,
      headers: { cookie: viewer.cookie },
    });
    expect(res.statusCode, res.body).toBe(404);
  });
});

describe('live updates', () => {
  let socket: TestSocket;
  afterAll(() => socket?.close());

  it("pushes assignment:changed to the members' sockets", async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    socket = await connectSocket(t.app, viewer);
    expect(await joinBoard(socket, boardId)).toEqual({ ok: true });
    const sessionAt = at(DAY);
    const assigned = nextEvent(socket, 'assignment:changed', (p) => p.cardId === card && p.presenterId !== null);
    await assignCard(editor, boardId, card, owner, sessionAt);
    expect(await assigned).toEqual({ boardId, cardId: card, presenterId: owner.user.id, sessionAt });
    const removed = nextEvent(socket, 'assignment:changed', (p) => p.cardId === card && p.presenterId === null);
    await unassignCard(editor, boardId, card);
    expect(await removed).toEqual({ boardId, cardId: card, presenterId: null, sessionAt: null });
  });
});

describe('calendar feed', () => {
  async function calendar(user: TestUser, boardId: string): Promise<{ url: string; token: string }> {
    const res = await t.app.inject({ url: `/api/boards/${boardId}/calendar`, headers: { cookie: user.cookie } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  async function rotate(user: TestUser, boardId: string): Promise<{ url: string; token: string }> {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/boards/${boardId}/calendar/rotate`,
      headers: { cookie: user.cookie },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  function fetchFeed(boardId: string, token: string | null) {
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    return t.app.inject({ url: `/api/boards/${boardId}/calendar.ics${query}` });
  }

  async function feedEvents(boardId: string): Promise<{ text: string; events: ICAL.Event[] }> {
    const { url } = await calendar(viewer, boardId);
    const { pathname, search } = new URL(url);
    const res = await t.app.inject({ url: pathname + search });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    const root = new ICAL.Component(ICAL.parse(res.body));
    expect(root.name).toBe('vcalendar');
    expect(root.getFirstPropertyValue('version')).toBe('2.0');
    expect(root.getFirstPropertyValue('prodid')).toBeTruthy();
    return { text: res.body, events: root.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v)) };
  }

  async function setTitle(paperId: string, title: string) {
    await t.db.sql`update papers set title = ${title} where id = ${paperId}`;
  }

  it('gives each member their own feed URL, the same on every call, carrying their token', async () => {
    const boardId = await newBoard();
    const first = await calendar(viewer, boardId);
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    expect(new URL(first.url).searchParams.get('token')).toBe(first.token);
    expect(new URL(first.url).pathname).toBe(`/api/boards/${boardId}/calendar.ics`);
    expect(await calendar(viewer, boardId)).toEqual(first);
    const owners = await calendar(owner, boardId);
    expect(owners.token).not.toBe(first.token);
    expect((await fetchFeed(boardId, owners.token)).statusCode).toBe(200);
  });

  it('lists one one-hour event per session, in UTC, with the paper and the presenter', async () => {
    const boardId = await newBoard();
    const paperId = await addPaper('Deep residual learning');
    const [card] = await nominate(t.app, owner, boardId, paperId);
    const [bare] = await placeCards(t.app, owner, boardId, 1);
    await assignCard(owner, boardId, card, viewer, '2030-03-04T17:30:00.000Z');
    await assignCard(owner, boardId, bare, editor, '2030-03-11T17:30:00.000Z');
    const { text, events } = await feedEvents(boardId);
    expect(events).toHaveLength(2);
    const event = events.find((e) => e.uid === `${boardId}-${card}@paperboard`);
    expect(event?.summary).toBe('Deep residual learning');
    expect(event?.description).toBe('Presenter: Viewer');
    expect(event?.startDate.toJSDate().toISOString()).toBe('2030-03-04T17:30:00.000Z');
    expect(event?.duration.toSeconds()).toBe(3600);
    expect(text).toContain('DTSTART:20300304T173000Z\r\n');
    expect(text).toContain('DURATION:PT1H\r\n');
    expect(text).toMatch(/\r\nDTSTAMP:\d{8}T\d{6}Z\r\n/);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
  });

  it("keeps the UID of a card's event when the assignment changes", async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    await assignCard(owner, boardId, card, viewer, '2030-03-04T17:30:00.000Z');
    const before = (await feedEvents(boardId)).events;
    await assignCard(owner, boardId, card, editor, '2030-03-05T09:00:00.000Z');
    const after = (await feedEvents(boardId)).events;
    expect(after.map((e) => e.uid)).toEqual(before.map((e) => e.uid));
    expect(after[0].startDate.toJSDate().toISOString()).toBe('2030-03-05T09:00:00.000Z');
    expect(after[0].description).toBe('Presenter: Editor');
  });

  it('escapes commas, semicolons, backslashes and line breaks in titles', async () => {
    const boardId = await newBoard();
    const title = 'Nets, trees; and C:\\paths\nsecond line';
    const paperId = await addPaper('placeholder');
    await setTitle(paperId, title);
    const [card] = await nominate(t.app, owner, boardId, paperId);
    await assignCard(owner, boardId, card, viewer);
    const { text, events } = await feedEvents(boardId);
    expect(text).toContain('SUMMARY:Nets\\, trees\\; and C:\\\\paths\\nsecond line\r\n');
    expect(events[0].summary).toBe(title);
  });

  it('folds lines longer than 75 octets without splitting characters', async () => {
    const boardId = await newBoard();
    const title = `Über ${'lange Überschriften, '.repeat(12)}— ein Überblick 📚`;
    const paperId = await addPaper(title);
    const [card] = await nominate(t.app, owner, boardId, paperId);
    await assignCard(owner, boardId, card, viewer);
    const { text, events } = await feedEvents(boardId);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(text).toMatch(/\r\n [^\r\n]/);
    expect(events[0].summary).toBe(title);
  });

  it('answers 404 without a token, with a wrong one, and with the token of another board', async () => {
    const boardId = await newBoard();
    const otherBoard = await newBoard();
    const { token } = await calendar(owner, otherBoard);
    await calendar(owner, boardId);
    expect((await fetchFeed(boardId, null)).statusCode).toBe(404);
    expect((await fetchFeed(boardId, 'x'.repeat(43))).statusCode).toBe(404);
    expect((await fetchFeed(boardId, token)).statusCode).toBe(404);
    expect((await fetchFeed(crypto.randomUUID(), token)).statusCode).toBe(404);
  });

  it('stops serving my old token once I rotate it, and leaves the others’ alone', async () => {
    const boardId = await newBoard();
    const old = await calendar(viewer, boardId);
    const owners = await calendar(owner, boardId);
    expect((await fetchFeed(boardId, old.token)).statusCode).toBe(200);
    const fresh = await rotate(viewer, boardId);
    expect(fresh.token).not.toBe(old.token);
    expect((await fetchFeed(boardId, old.token)).statusCode).toBe(404);
    expect((await fetchFeed(boardId, fresh.token)).statusCode).toBe(200);
    expect(await calendar(viewer, boardId)).toEqual(fresh);
    expect(await calendar(owner, boardId)).toEqual(owners);
    expect((await fetchFeed(boardId, owners.token)).statusCode).toBe(200);
  });

  it("ends a member's feed with their membership, and nobody else's", async () => {
    const boardId = await newBoard();
    const leaving = await calendar(viewer, boardId);
    const staying = await calendar(editor, boardId);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${boardId}/members/${viewer.user.id}`,
      headers: { cookie: owner.cookie },
    });
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await fetchFeed(boardId, leaving.token)).statusCode).toBe(404);
    expect((await fetchFeed(boardId, staying.token)).statusCode).toBe(200);
  });
});

describe('sessions from the meeting time', () => {
  /** A board meeting weekly at 18:30 UTC on the weekday of the day after tomorrow. */
  async function meetingBoard(): Promise<string> {
    const boardId = await newBoard();
    const weekday = new Date(Date.now() + 2 * DAY).getUTCDay() || 7;
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}`,
      headers: { cookie: owner.cookie },
      payload: { meeting: { weekday, time: '18:30', timeZone: 'UTC', frequency: 'weekly' } },
    });
    expect(res.statusCode, res.body).toBe(200);
    return boardId;
  }

  /** The n-th meeting (0 first) of a board from `meetingBoard`. */
  function meetingAt(n: number): string {
    const day = new Date(Date.now() + 2 * DAY);
    day.setUTCHours(18, 30, 0, 0);
    return new Date(day.getTime() + n * 7 * DAY).toISOString();
  }

  function volunteer(user: TestUser, boardId: string, cardId: string) {
    return t.app.inject({
      method: 'PUT',
      url: `/api/boards/${boardId}/cards/${cardId}/assignment`,
      headers: { cookie: user.cookie },
      payload: { presenterId: user.user.id },
    });
  }

  it('suggests the next meeting that no other card takes, with the presenter', async () => {
    const boardId = await meetingBoard();
    const [first, second] = await placeCards(t.app, owner, boardId, 2);
    expect(await suggest(boardId, first)).toMatchObject({ sessionAt: meetingAt(0) });
    expect((await assignCard(owner, boardId, first, editor, meetingAt(0))).statusCode).toBe(200);
    expect(await suggest(boardId, second)).toMatchObject({
      presenter: { id: owner.user.id },
      sessionAt: meetingAt(1),
    });
    // A card's own session does not take its slot.
    expect(await suggest(boardId, first)).toMatchObject({ sessionAt: meetingAt(0) });
  });

  it('rotates fairly: active members first, those who said "no" for the slot last, with reasons', async () => {
    const boardId = await meetingBoard();
    const [past, next] = await placeCards(t.app, owner, boardId, 2);
    // The editor presented a week ago; the owner and the viewer attended, the editor did not say.
    expect((await assignCard(owner, boardId, past, editor, at(-7 * DAY))).statusCode).toBe(200);
    for (const user of [owner, viewer]) {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/api/boards/${boardId}/cards/${past}/feedback`,
        headers: { cookie: user.cookie },
        payload: { attended: true },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    // The viewer answered "no" for the next meeting in a poll of the board (the polls feature's tables).
    const [poll] = await t.db.sql<{ id: string }[]>`
      insert into polls (board_id, card_id, created_by) values (${boardId}, ${next}, ${owner.user.id}) returning id`;
    const [slot] = await t.db.sql<{ id: string }[]>`
      insert into poll_slots (poll_id, at) values (${poll.id}, ${meetingAt(0)}) returning id`;
    await t.db.sql`
      insert into poll_answers (slot_id, poll_id, user_id, answer) values (${slot.id}, ${poll.id}, ${viewer.user.id}, 'no')`;

    const suggestion = await suggest(boardId, next);
    expect(suggestion).toMatchObject({
      presenter: { id: owner.user.id, name: 'Owner' },
      sessions: 0,
      lastSessionAt: null,
      sessionAt: meetingAt(0),
      reason: 'Owner — never presented, available',
    });
    expect(suggestion.ranking).toEqual([
      {
        presenter: { id: owner.user.id, name: 'Owner' },
        sessions: 0,
        lastSessionAt: null,
        active: true,
        available: true,
        reason: 'Owner — never presented, available',
      },
      {
        presenter: { id: editor.user.id, name: 'Editor' },
        sessions: 1,
        lastSessionAt: expect.any(String),
        active: false,
        available: true,
        reason: 'Editor — last presented 7 days ago, not active in the last 4 sessions, available',
      },
      {
        presenter: { id: viewer.user.id, name: 'Viewer' },
        sessions: 0,
        lastSessionAt: null,
        active: true,
        available: false,
        reason: 'Viewer — never presented, not available',
      },
    ]);
    // A vote makes the editor active again; an assigned card is suggested for its own session.
    const voted = await t.app.inject({
      method: 'PUT',
      url: `/api/boards/${boardId}/cards/${next}/vote`,
      headers: { cookie: editor.cookie },
      payload: {},
    });
    expect(voted.statusCode, voted.body).toBe(200);
    expect((await suggest(boardId, next)).ranking.map((r: { active: boolean }) => r.active)).toEqual([
      true,
      true,
      true,
    ]);
    expect((await assignCard(owner, boardId, next, owner, meetingAt(1))).statusCode).toBe(200);
    const again = await suggest(boardId, next);
    expect(again).toMatchObject({ sessionAt: meetingAt(1), reason: 'Owner — never presented, available' });
    expect(again.ranking.every((r: { available: boolean }) => r.available)).toBe(true);
  });

  it('gives a volunteer without a date the next free meeting, one card after the other', async () => {
    const boardId = await meetingBoard();
    const [first, second] = await placeCards(t.app, owner, boardId, 2);
    const one = await volunteer(viewer, boardId, first);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toMatchObject({ presenter: { id: viewer.user.id }, sessionAt: meetingAt(0) });
    const two = await volunteer(editor, boardId, second);
    expect(two.json()).toMatchObject({ presenter: { id: editor.user.id }, sessionAt: meetingAt(1) });
    // Naming a presenter again without a date keeps the card's session.
    const again = await t.app.inject({
      method: 'PUT',
      url: `/api/boards/${boardId}/cards/${second}/assignment`,
      headers: { cookie: owner.cookie },
      payload: { presenterId: owner.user.id },
    });
    expect(again.json()).toMatchObject({ presenter: { id: owner.user.id }, sessionAt: meetingAt(1) });
  });

  it('asks for a date (400 naming sessionAt) when the board has no meeting time', async () => {
    const boardId = await newBoard();
    const [card] = await placeCards(t.app, owner, boardId, 1);
    expect((await suggest(boardId, card)).sessionAt).toBeNull();
    const res = await volunteer(viewer, boardId, card);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('body/sessionAt is required');
    expect(await schedule(owner, boardId)).toEqual({ upcoming: [], past: [] });
  });
});
