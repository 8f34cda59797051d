import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BoardSummary } from '#shared/schemas/boards.js';
import { ApiError } from '#client/lib/api.js';
import { BoardPicker } from '#client/features/library/board-picker.svelte.js';

const board = (id: string, name: string): BoardSummary => ({
  id,
  name,
  description: '',
  role: 'owner',
  memberCount: 1,
  meeting: null,
  createdAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
});
const MINE = [board('b1', 'Reading group'), board('b2', 'Journal club')];

/** The answers of the fake server, by `METHOD path`; what it was asked, in order. */
let answers: Record<string, () => Response>;
let asked: string[];

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

// The real api.ts builds the requests and reads the answers; only `fetch` is a stand-in.
beforeEach(() => {
  asked = [];
  answers = {
    'GET /api/boards': () => json(MINE),
    'GET /api/papers/p1/boards': () => json({ boardIds: ['b2'] }),
    'GET /api/papers/p2/boards': () => json({ boardIds: [] }),
  };
  vi.stubGlobal('fetch', async (path: string, init: RequestInit = {}) => {
    const key = `${init.method ?? 'GET'} ${path}`;
    asked.push(key);
    const answer = answers[key];
    return answer ? answer() : json({ error: 'not_found', message: 'not found' }, 404);
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('BoardPicker', () => {
  it('loads my boards once, and for each paper the boards that already show it', async () => {
    const picker = new BoardPicker();
    await picker.open('p1');
    await picker.open('p2');
    expect(picker.boards).toEqual(MINE);
    expect(picker.showing).toEqual({ p1: ['b2'], p2: [] });
    expect(picker.error).toBeNull();
    expect(asked).toEqual(['GET /api/boards', 'GET /api/papers/p1/boards', 'GET /api/papers/p2/boards']);
  });

  it('says why my boards could not be loaded, and asks again at the next opening', async () => {
    answers['GET /api/boards'] = () => json({ error: 'unavailable', message: 'the database is not ready' }, 503);
    const picker = new BoardPicker();
    await picker.open('p1');
    expect(picker.error).toBe('The database is not ready.');
    expect(picker.boards).toBeNull();
    answers['GET /api/boards'] = () => json(MINE);
    await picker.open('p1');
    expect(picker.error).toBeNull();
    expect(picker.boards).toEqual(MINE);
    expect(asked.filter((key) => key === 'GET /api/boards')).toHaveLength(2);
  });

  it('nominates a paper, and keeps showing it on that board while the server still trails', async () => {
    answers['POST /api/boards/b1/cards'] = () => json({ cardId: 'c9', columnId: 'col1' }, 201);
    const picker = new BoardPicker();
    await picker.open('p1');
    expect(await picker.add('p1', 'b1')).toBe('c9');
    expect(picker.showing.p1).toEqual(['b2', 'b1']);
    // The projection has not caught up with the nomination yet: the server still answers b2 alone.
    await picker.open('p1');
    expect(picker.showing.p1).toEqual(['b2', 'b1']);
  });

  it('shows a paper a teammate nominated meanwhile as already on the board, and rejects with the conflict', async () => {
    answers['POST /api/boards/b1/cards'] = () =>
      json({ error: 'conflict', message: 'the paper is already on this board' }, 409);
    const picker = new BoardPicker();
    await picker.open('p2');
    const refusal = await picker.add('p2', 'b1').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 409, code: 'conflict' });
    expect(picker.showing.p2).toEqual(['b1']);
  });

  it('does not show a paper as on the board when adding it was refused or failed', async () => {
    answers['POST /api/boards/b1/cards'] = () => json({ error: 'forbidden', message: 'viewers cannot add cards' }, 403);
    const picker = new BoardPicker();
    await picker.open('p2');
    await expect(picker.add('p2', 'b1')).rejects.toMatchObject({ status: 403 });
    expect(picker.showing.p2).toEqual([]);
    answers['POST /api/boards/b1/cards'] = () => {
      throw new TypeError('network down');
    };
    await expect(picker.add('p2', 'b1')).rejects.toThrow();
    expect(picker.showing.p2).toEqual([]);
  });
});
