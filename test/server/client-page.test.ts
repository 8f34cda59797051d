import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoard, signUp, type TestUser } from '#test/helpers/factories.js';
import { EARLY_SOCKET_META, boardScreenReads, boardSocketPath } from '#shared/protocol/board-screen.js';
import { ASSETS_PREFIX, CLIENT_DIST } from '#server/plugins/client.js';

let t: TestApp;
let owner: TestUser;
let boardId: string;

beforeAll(async () => {
  t = await buildTestApp();
  owner = await signUp(t.app, 'Page Reader');
  boardId = (await createBoard(t.app, owner)).id;
});
afterAll(() => t.close());

async function page(url: string, cookie?: string): Promise<string> {
  const res = await t.app.inject({ url, headers: cookie ? { cookie } : {} });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  return res.body;
}

/** The document connection the page names for its first module to open early, if any. */
function earlySocket(html: string): string | null {
  return new RegExp(`<meta name="${EARLY_SOCKET_META}" content="([^"]+)"`).exec(html)?.[1] ?? null;
}

/** The `href`s of the page's fetch preloads. */
function preloads(html: string): string[] {
  return [...html.matchAll(/<link rel="preload" href="([^"]+)" as="fetch"/g)].map((m) => m[1]);
}

describe("the board page's HTML", () => {
  it("names the board's first reads as preloads for a signed-in reader, the same URLs the client fetches", async () => {
    const reads = Object.values(boardScreenReads(boardId));
    expect(preloads(await page(`/boards/${boardId}`, owner.cookie))).toEqual(['/api/auth/session', ...reads]);
    expect(preloads(await page(`/boards/${boardId}/cards/some-card`, owner.cookie))).toEqual([
      '/api/auth/session',
      ...reads,
    ]);
    // And the board's document connection, at the path the provider connects to.
    expect(earlySocket(await page(`/boards/${boardId}`, owner.cookie))).toBe(`/yjs/${boardId}`);
    expect(boardSocketPath(boardId)).toBe(`/yjs/${boardId}`);
    // The preloaded responses are the ones the screen reads.
    for (const url of reads) {
      const res = await t.app.inject({ url, headers: { cookie: owner.cookie } });
      expect(res.statusCode, url).toBe(200);
    }
  });

  it('names nothing more for a signed-out visitor or another page', async () => {
    expect(preloads(await page(`/boards/${boardId}`))).toEqual(['/api/auth/session']);
    expect(preloads(await page('/boards', owner.cookie))).toEqual(['/api/auth/session']);
    expect(preloads(await page(`/boards/${boardId}/schedule`, owner.cookie))).toEqual(['/api/auth/session']);
    for (const [url, cookie] of [
      [`/boards/${boardId}`, undefined],
      ['/boards', owner.cookie],
      [`/boards/${boardId}/schedule`, owner.cookie],
    ] as const) {
      expect(earlySocket(await page(url, cookie)), url).toBeNull();
    }
  });

  it('never copies anything but a well-formed board id into the page', async () => {
    const hostile = encodeURIComponent('"><script>alert(1)</script>');
    for (const url of [`/boards/${hostile}`, `/boards/${boardId}${hostile}`, '/boards/not-a-board']) {
      const html = await page(url, owner.cookie);
      expect(preloads(html), url).toEqual(['/api/auth/session']);
      expect(earlySocket(html), url).toBeNull();
      expect(html).not.toContain('<script>alert');
    }
  });
});

describe('hashed client files', () => {
  it('are served without a session lookup: a stale session cookie is cleared on pages, not on them', async () => {
    const script = fs.readdirSync(`${CLIENT_DIST}${ASSETS_PREFIX}`).find((name) => name.endsWith('.js'));
    expect(script).toBeDefined();
    const stale = { cookie: 'pb_session=not-a-session-anyone-has' };
    const asset = await t.app.inject({ url: `${ASSETS_PREFIX}${script}`, headers: stale });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['set-cookie']).toBeUndefined();
    const pageAnswer = await t.app.inject({ url: '/boards', headers: stale });
    expect(String(pageAnswer.headers['set-cookie'])).toMatch(/^pb_session=;/);
  });
});
