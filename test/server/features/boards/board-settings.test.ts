import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardDetail, BoardSummary } from '#shared/schemas/boards.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoardWithMembers, signUpCast, type Cast, type TestUser } from '#test/helpers/factories.js';
import { connectSocket, joinBoard, nextEvent, type TestSocket } from '#test/helpers/socket.js';

let t: TestApp;
let cast: Cast;

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  cast = await signUpCast(t.app);
});
afterAll(() => t.close());

const TUESDAYS = { weekday: 2, time: '18:30', timeZone: 'Europe/Berlin', frequency: 'weekly' } as const;

async function newBoard(name = 'Reading group'): Promise<string> {
  return (await createBoardWithMembers(t.app, cast.owner, { editor: cast.editor, viewer: cast.viewer }, name)).id;
}

function patchBoard(user: TestUser, boardId: string, payload: object) {
  return t.app.inject({ method: 'PATCH', url: `/api/boards/${boardId}`, headers: { cookie: user.cookie }, payload });
}

async function readBoard(user: TestUser, boardId: string): Promise<BoardSummary> {
  const res = await t.app.inject({ url: `/api/boards/${boardId}`, headers: { cookie: user.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as BoardDetail).board;
}

describe('board settings', () => {
  it('lets the owner rename the board, edit its description and set a meeting, which every member reads', async () => {
    const boardId = await newBoard();
    const res = await patchBoard(cast.owner, boardId, {
      name: '  Tuesday club ',
      description: 'Papers on sequence models',
      meeting: { ...TUESDAYS, startsOn: '2026-03-03' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const meeting = { ...TUESDAYS, startsOn: '2026-03-03' };
    expect(res.json()).toMatchObject({ name: 'Tuesday club', description: 'Papers on sequence models', meeting });
    expect(await readBoard(cast.viewer, boardId)).toMatchObject({ name: 'Tuesday club', meeting });
  });

  it('starts a meeting on the next such weekday unless told, and forgets it when set to null', async () => {
    const boardId = await newBoard();
    expect((await readBoard(cast.owner, boardId)).meeting).toBeNull();
    const res = await patchBoard(cast.owner, boardId, { meeting: { ...TUESDAYS, timeZone: 'utc' } });
    expect(res.statusCode, res.body).toBe(200);
    const { meeting } = res.json() as BoardSummary;
    expect(meeting).toMatchObject({ weekday: 2, time: '18:30', timeZone: 'UTC', frequency: 'weekly' });
    const startsOn = new Date(`${meeting!.startsOn}T00:00:00Z`);
    expect(startsOn.getUTCDay()).toBe(2);
    const today = new Date(new Date().toISOString().slice(0, 10));
    expect(startsOn.getTime() - today.getTime()).toBeGreaterThanOrEqual(0);
    expect(startsOn.getTime() - today.getTime()).toBeLessThan(7 * 24 * 3600_000);

    // A rename leaves the meeting alone.
    expect((await patchBoard(cast.owner, boardId, { name: 'Renamed' })).json().meeting).toEqual(meeting);
    const cleared = await patchBoard(cast.owner, boardId, { meeting: null });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().meeting).toBeNull();
  });

  it.each([
    [{ name: '' }, 'body/name'],
    [{ name: '   ' }, 'body/name'],
    [{ description: 'x'.repeat(2001) }, 'body/description'],
    [{ meeting: { ...TUESDAYS, time: '25:00' } }, 'body/meeting/time'],
    [{ meeting: { ...TUESDAYS, time: '6pm' } }, 'body/meeting/time'],
    [{ meeting: { ...TUESDAYS, weekday: 8 } }, 'body/meeting/weekday'],
    [{ meeting: { ...TUESDAYS, frequency: 'daily' } }, 'body/meeting/frequency'],
    [{ meeting: { ...TUESDAYS, timeZone: 'Mars/Olympus' } }, 'body/meeting/timeZone must be an IANA time zone'],
    [{ meeting: { ...TUESDAYS, timeZone: '+02:00' } }, 'body/meeting/timeZone'],
    [{ meeting: { ...TUESDAYS, startsOn: '2026-03-04' } }, "body/meeting/startsOn must fall on the meeting's weekday"],
    [{ meeting: { ...TUESDAYS, startsOn: '2026-02-30' } }, 'body/meeting/startsOn'],
    [{ meeting: { weekday: 2, time: '18:30', frequency: 'weekly' } }, 'body/meeting/timeZone is required'],
    [{ meeting: { ...TUESDAYS, every: 2 } }, 'body/meeting/every is not an accepted field'],
    [{}, 'body'],
  ])('answers 400 naming the field for %j', async (payload, message) => {
    const boardId = await newBoard();
    const res = await patchBoard(cast.owner, boardId, payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().message).toContain(message);
    expect(await readBoard(cast.owner, boardId)).toMatchObject({ name: 'Reading group', meeting: null });
  });

  it('lets editors change name, description and meeting, but not the voting rules or delete the board', async () => {
    const boardId = await newBoard();
    const res = await patchBoard(cast.editor, boardId, { name: 'Edited', meeting: TUESDAYS });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Edited', role: 'editor', meeting: TUESDAYS });
    const voting = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/voting`,
      headers: { cookie: cast.editor.cookie },
      payload: { mode: 'dots' },
    });
    expect(voting.statusCode).toBe(403);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${boardId}`,
      headers: { cookie: cast.editor.cookie },
    });
    expect(deleted.statusCode).toBe(403);
    expect((await readBoard(cast.owner, boardId)).name).toBe('Edited');
  });

  it('refuses viewers (403) and strangers (404) any change', async () => {
    const boardId = await newBoard();
    expect((await patchBoard(cast.viewer, boardId, { name: 'Mine' })).statusCode).toBe(403);
    expect((await patchBoard(cast.viewer, boardId, { meeting: TUESDAYS })).statusCode).toBe(403);
    expect((await patchBoard(cast.stranger, boardId, { name: 'Mine' })).statusCode).toBe(404);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${boardId}`,
      headers: { cookie: cast.viewer.cookie },
    });
    expect(deleted.statusCode).toBe(403);
    expect(await readBoard(cast.owner, boardId)).toMatchObject({ name: 'Reading group', meeting: null });
  });

  it('lets the owner set the voting mode and dot budget', async () => {
    const boardId = await newBoard();
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/boards/${boardId}/voting`,
      headers: { cookie: cast.owner.cookie },
      payload: { mode: 'dots', dotsPerMember: 7 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ mode: 'dots', dotsPerMember: 7, remainingDots: 7 });
  });
});

describe('live board changes', () => {
  let socket: TestSocket;
  afterAll(() => socket?.close());

  it('tells the members in the room when the board changes, and when it is deleted', async () => {
    const boardId = await newBoard();
    socket = await connectSocket(t.app, cast.viewer);
    expect(await joinBoard(socket, boardId)).toEqual({ ok: true });

    const changed = nextEvent(socket, 'board:changed');
    expect((await patchBoard(cast.owner, boardId, { name: 'Renamed' })).statusCode).toBe(200);
    expect(await changed).toEqual({ boardId, deleted: false });

    const deletedEvent = nextEvent(socket, 'board:changed');
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/boards/${boardId}`,
      headers: { cookie: cast.owner.cookie },
    });
    expect(deleted.statusCode).toBe(204);
    expect(await deletedEvent).toEqual({ boardId, deleted: true });
    const gone = await t.app.inject({ url: `/api/boards/${boardId}`, headers: { cookie: cast.owner.cookie } });
    expect(gone.statusCode).toBe(404);
  });
});
