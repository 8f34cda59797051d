import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { matchRoute, needsAccount, Router, type Route } from '#client/lib/router.svelte.js';

// The router reads `window` and `document`, and the module builds the app's router when it loads: a
// stand-in for the little of them it uses is installed before the import (vi.hoisted runs first). Link
// clicks need real DOM elements and are left to the end-to-end tests.
const page = vi.hoisted(() => {
  let url = new URL('https://reading.example.org/');
  const follow = (_state: unknown, _title: string, path?: string | URL | null) => {
    url = new URL(String(path), url);
  };
  const window = Object.assign(new EventTarget(), {
    location: {
      get href() {
        return url.href;
      },
      get origin() {
        return url.origin;
      },
      get pathname() {
        return url.pathname;
      },
      get search() {
        return url.search;
      },
      assign: vi.fn(),
    },
    history: { pushState: vi.fn(follow), replaceState: vi.fn(follow) },
    scrollTo: vi.fn(),
  });
  Object.assign(globalThis, { window, document: new EventTarget() });
  return {
    window,
    /** Puts the page at `path`, as loading it or the back button would. */
    at(path: string) {
      url = new URL(path, url);
    },
    /** Goes to `path` the way back/forward does: the URL changes, then `popstate`. */
    back(path: string) {
      url = new URL(path, url);
      window.dispatchEvent(new Event('popstate'));
    },
  };
});

afterAll(() => {
  Reflect.deleteProperty(globalThis, 'window');
  Reflect.deleteProperty(globalThis, 'document');
});

const BOARD = '0b6f1c3e-58a1-4d2f-9c1e-8a7b6c5d4e3f';
const OTHER_BOARD = '7d0e2f4a-1b3c-4d5e-8f90-a1b2c3d4e5f6';
const TOKEN = 'aB3_dE5-gH7iJ9kL';

describe('matchRoute', () => {
  it.each<[string, Route]>([
    ['/', { name: 'library' }],
    ['/login', { name: 'login' }],
    ['/signup/', { name: 'signup' }],
    ['/boards', { name: 'boards' }],
    ['/settings', { name: 'settings' }],
    ['/forgot', { name: 'forgot' }],
    ['/reset', { name: 'reset' }],
    [`/boards/${BOARD}`, { name: 'board', boardId: BOARD, cardId: null }],
    [`/boards/${BOARD.toUpperCase()}`, { name: 'board', boardId: BOARD.toUpperCase(), cardId: null }],
    [`/boards/${BOARD}/cards/card%20one`, { name: 'board', boardId: BOARD, cardId: 'card one' }],
    [`/boards/${BOARD}/members`, { name: 'members', boardId: BOARD }],
    [`/boards/${BOARD}/schedule`, { name: 'schedule', boardId: BOARD }],
    [`/boards/${BOARD}/rounds`, { name: 'rounds', boardId: BOARD }],
    [`/boards/${BOARD}/settings`, { name: 'board-settings', boardId: BOARD }],
    [`/invite/${TOKEN}`, { name: 'invite', token: TOKEN }],
    [`/papers/${BOARD}`, { name: 'paper', paperId: BOARD }],
    // The paper page itself says that such an id names no paper.
    ['/papers/not-an-id', { name: 'paper', paperId: 'not-an-id' }],
  ])('routes %s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it.each([
    '/nowhere',
    '/login/again',
    '/boards/42',
    `/boards/${BOARD}/cards`,
    `/boards/${BOARD}/cards/${'c'.repeat(201)}`,
    `/boards/${BOARD}/votes`,
    `/boards/${BOARD}/members/extra`,
    `/boards/${BOARD}/rounds/extra`,
    '/boards/42/rounds',
    '/invite/too-short',
    `/invite/${TOKEN}/accept`,
    '/papers',
    `/papers/${BOARD}/boards`,
    '/invite/has%20a%20space%20in%20it',
    '/boards/%E0%A4%A', // not valid percent-encoding
  ])('leads %s to not-found rather than to a failing request', (path) => {
    expect(matchRoute(path)).toEqual({ name: 'not-found' });
  });
});

describe('needsAccount', () => {
  it('holds for the pages of boards, invitations and settings, and nothing else', () => {
    const paths = [
      '/',
      '/login',
      '/signup',
      '/forgot',
      '/reset',
      '/nowhere',
      '/boards',
      '/settings',
      `/papers/${BOARD}`,
    ];
    const boardPaths = [
      `/boards/${BOARD}`,
      `/boards/${BOARD}/members`,
      `/boards/${BOARD}/schedule`,
      `/boards/${BOARD}/rounds`,
      `/boards/${BOARD}/settings`,
    ];
    const needing = [...paths, ...boardPaths, `/invite/${TOKEN}`].filter((path) => needsAccount(matchRoute(path)));
    expect(needing).toEqual(['/boards', '/settings', ...boardPaths, `/invite/${TOKEN}`]);
  });
});

describe('Router', () => {
  beforeEach(() => {
    page.at('/');
    vi.clearAllMocks();
  });

  it('starts on the page the browser shows', () => {
    page.at(`/boards/${BOARD}/cards/c1`);
    const router = new Router();
    expect(router.path).toBe(`/boards/${BOARD}/cards/c1`);
    expect(router.route).toEqual({ name: 'board', boardId: BOARD, cardId: 'c1' });
    expect(router.visit).toBe(0);
  });

  it('navigates with a new history entry, a fresh page and the scroll at the top', () => {
    const router = new Router();
    router.navigate('/boards');
    expect(page.window.history.pushState).toHaveBeenCalledWith(null, '', '/boards');
    expect(router.route).toEqual({ name: 'boards' });
    expect(router.visit).toBe(1);
    expect(page.window.scrollTo).toHaveBeenCalledWith({ top: 0 });
  });

  it('replaces the history entry without scrolling when asked to', () => {
    const router = new Router();
    router.navigate('/login?next=%2Fboards', { replace: true });
    expect(page.window.history.replaceState).toHaveBeenCalledWith(null, '', '/login?next=%2Fboards');
    expect(page.window.history.pushState).not.toHaveBeenCalled();
    expect(router.path).toBe('/login');
    expect(router.visit).toBe(1);
    expect(page.window.scrollTo).not.toHaveBeenCalled();
  });

  it('keeps the query and the fragment in the history entry and routes on the path alone', () => {
    const router = new Router();
    router.navigate('https://reading.example.org/boards?sort=name#mine');
    expect(page.window.history.pushState).toHaveBeenCalledWith(null, '', '/boards?sort=name#mine');
    expect(router.path).toBe('/boards');
  });

  it("keeps the board when a card's panel opens or closes, and builds the page anew for another board", () => {
    page.at(`/boards/${BOARD}`);
    const router = new Router();
    router.navigate(`/boards/${BOARD}/cards/c1`);
    expect(router.route).toEqual({ name: 'board', boardId: BOARD, cardId: 'c1' });
    router.navigate(`/boards/${BOARD}`);
    expect(router.route).toEqual({ name: 'board', boardId: BOARD, cardId: null });
    expect(router.visit).toBe(0);
    expect(page.window.scrollTo).not.toHaveBeenCalled();
    router.navigate(`/boards/${OTHER_BOARD}/cards/c1`);
    expect(router.visit).toBe(1);
    router.navigate(`/boards/${OTHER_BOARD}/members`);
    expect(router.visit).toBe(2);
  });

  it('leaves the app for another origin through the browser', () => {
    const router = new Router();
    router.navigate('https://elsewhere.example/boards');
    expect(page.window.location.assign).toHaveBeenCalledWith('https://elsewhere.example/boards');
    expect(page.window.history.pushState).not.toHaveBeenCalled();
    expect(router.path).toBe('/');
    expect(router.visit).toBe(0);
  });

  it('follows back and forward once started, and stops when told to', () => {
    const router = new Router();
    const stop = router.start();
    page.back('/settings');
    expect(router.route).toEqual({ name: 'settings' });
    expect(router.visit).toBe(1);
    // A query string changed by a page itself (the library's search) is no navigation.
    page.back('/settings?tab=mail');
    expect(router.visit).toBe(1);
    page.back(`/boards/${BOARD}`);
    page.back(`/boards/${BOARD}/cards/c2`);
    expect(router.route).toEqual({ name: 'board', boardId: BOARD, cardId: 'c2' });
    expect(router.visit).toBe(2);
    stop();
    page.back('/login');
    expect(router.path).toBe(`/boards/${BOARD}/cards/c2`);
    expect(router.visit).toBe(2);
  });
});
