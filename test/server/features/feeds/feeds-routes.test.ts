import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import {
  createBoardWithMembers,
  nominatePaper,
  projectedCardIds,
  signUpCast,
  type TestUser,
} from '#test/helpers/factories.js';
import { feedFixture, startFakeFeeds, type FakeFeeds } from '#test/helpers/fake-feeds.js';
import { adminSecret } from '#server/db/admin-secret.js';
import { WATCH_LIMITS, type FeedRun, type Watch } from '#shared/schemas/feeds.js';
import { blendedTrendingScore } from '#shared/protocol/trending.js';

let t: TestApp;
let feeds: FakeFeeds;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  feeds = await startFakeFeeds();
  t = await buildTestApp({ arxivApiUrl: `${feeds.url}/arxiv/query` });
  t.config.feeds = { ...t.config.feeds, hfPapersApiUrl: `${feeds.url}/hf/daily_papers` };
  ({ owner, editor, viewer, stranger } = await signUpCast(t.app));
});
afterAll(async () => {
  await t.close();
  await feeds.close();
});

const as = (user: TestUser | null): Record<string, string> => (user ? { cookie: user.cookie } : {});
const board = async () => (await createBoardWithMembers(t.app, owner, { editor, viewer })).id;
const addWatch = (user: TestUser | null, boardId: string, payload: object) =>
  t.app.inject({ method: 'POST', url: `/api/boards/${boardId}/watches`, headers: as(user), payload });
const runByHand = (feed: string, day: string, headers: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: '/api/feeds/run', headers, payload: { feed, day } });
const system = () => ({ authorization: `Bearer ${adminSecret(t.config.dataDir)}` });

describe('watches', () => {
  it('lets owners add and remove watches and every member read them', async () => {
    const boardId = await board();
    const added = await addWatch(owner, boardId, {
      source: 'arxiv',
      categories: ['cs.LG', 'cs.LG', 'cs.CL'],
      query: ' sparse  experts ',
    });
    expect(added.statusCode, added.body).toBe(201);
    const watch: Watch = added.json();
    expect(watch).toMatchObject({
      boardId,
      source: 'arxiv',
      categories: ['cs.LG', 'cs.CL'],
      query: 'sparse experts',
      url: null,
    });

    for (const user of [owner, editor, viewer]) {
      const list = await t.app.inject({ url: `/api/boards/${boardId}/watches`, headers: as(user) });
      expect(list.statusCode).toBe(200);
      expect(list.json()).toEqual({ items: [watch], runs: [] });
    }
    expect((await t.app.inject({ url: `/api/boards/${boardId}/watches`, headers: as(stranger) })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/api/boards/${boardId}/watches` })).statusCode).toBe(401);
    expect((await addWatch(editor, boardId, { source: 'hf-daily' })).statusCode).toBe(403);
    expect((await addWatch(viewer, boardId, { source: 'hf-daily' })).statusCode).toBe(403);

    const url = `/api/boards/${boardId}/watches/${watch.id}`;
    expect((await t.app.inject({ method: 'DELETE', url, headers: as(editor) })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url, headers: as(owner) })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url, headers: as(owner) })).statusCode).toBe(404);
  });

  it.each([
    [{ source: 'reddit' }, 'body/source'],
    [{ source: 'arxiv' }, 'body/categories: an arxiv watch needs categories or a query'],
    [{ source: 'arxiv', categories: ['not a category'] }, 'body/categories/0'],
    [{ source: 'hf-daily', categories: ['cs.LG'] }, 'body/categories are for arxiv watches'],
    [{ source: 'hf-daily', url: 'https://x.example/feed' }, 'body/url is for rss watches'],
    [{ source: 'hf-daily', query: '   ' }, 'body/query must have a word'],
    [{ source: 'rss' }, 'body/url: an rss watch needs the feed URL'],
    [{ source: 'rss', url: 'file:///etc/passwd' }, 'body/url must be an http or https URL'],
    [{ source: 'rss', url: 'https://me:secret@x.example/feed' }, 'body/url must not carry a user name or password'],
    [{ source: 'rss', url: 'http://127.0.0.1:3000/feed' }, 'body/url must not point to this machine'],
    [{ source: 'rss', url: 'http://[::1]/feed' }, 'body/url must not point to this machine'],
    [{ source: 'rss', url: 'http://localhost/feed' }, 'body/url must not point to this machine'],
    [{ source: 'rss', url: 'https://x.example/feed', extra: 1 }, 'body/extra'],
  ])('answers 400 to %j, naming the field', async (payload, message) => {
    const res = await addWatch(owner, await board(), payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().message).toContain(message);
  });

  it(`allows ${WATCH_LIMITS.perBoard} watches per board`, async () => {
    const boardId = await board();
    for (let i = 0; i < WATCH_LIMITS.perBoard; i++) {
      expect((await addWatch(owner, boardId, { source: 'hf-daily', query: `word${i}` })).statusCode).toBe(201);
    }
    const over = await addWatch(owner, boardId, { source: 'rss', url: 'https://journal.example.org/toc.rss' });
    expect(over.statusCode).toBe(409);
    expect(over.json().message).toContain(`at most ${WATCH_LIMITS.perBoard} watches`);
  });
});

describe('feed runs', () => {
  it('runs a feed by hand for the local CLI only, and shows instance runs to everyone signed in', async () => {
    feeds.hfDays.set('2026-12-05', feedFixture('hf-daily.json'));
    expect((await runByHand('hf-daily', '2026-12-05', {})).statusCode).toBe(401);
    expect((await runByHand('hf-daily', '2026-12-05', as(owner))).statusCode).toBe(403);
    const bad = await runByHand('mastodon', '2026-12-05', system());
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('body/feed');

    const ran = await runByHand('hf-daily', '2026-12-05', system());
    expect(ran.statusCode, ran.body).toBe(200);
    expect(ran.json()).toMatchObject({ source: 'hf-daily', day: '2026-12-05', status: 'done', fetched: 3, created: 3 });

    const runs = await t.app.inject({ url: '/api/feeds/runs?limit=5', headers: as(stranger) });
    expect(runs.statusCode).toBe(200);
    expect(runs.json().items[0]).toMatchObject({
      source: 'hf-daily',
      day: '2026-12-05',
      fetched: 3,
      created: 3,
      duplicates: 0,
      errors: 0,
      at: expect.any(String),
      watchId: null,
      boardId: null,
    });
    expect((await t.app.inject({ url: '/api/feeds/runs' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/feeds/runs?limit=0', headers: as(owner) })).json().message).toContain(
      'limit',
    );
  });

  it("shows a watch's runs to the board's members only", async () => {
    const boardId = await board();
    feeds.pages.set('/lab.atom', feedFixture('atom.xml'));
    t.config.feeds = { ...t.config.feeds, allowPrivateUrls: true };
    const watch: Watch = (await addWatch(owner, boardId, { source: 'rss', url: `${feeds.url}/lab.atom` })).json();
    t.config.feeds = { ...t.config.feeds, allowPrivateUrls: false };
    const { runFeedJob } = await import('#server/features/feeds/feeds.service.js');
    await runFeedJob(
      {
        sql: t.db.sql,
        config: { ...t.config, feeds: { ...t.config.feeds, allowPrivateUrls: true } },
        log: { info() {}, error() {} },
      },
      new Date(),
    );
    const mine = (user: TestUser, query = '') =>
      t.app.inject({ url: `/api/feeds/runs?limit=100${query}`, headers: as(user) });
    const ofWatch = (items: FeedRun[]) => items.filter((r) => r.watchId === watch.id);
    expect(ofWatch((await mine(viewer)).json().items)).toEqual([
      expect.objectContaining({ boardId, source: 'rss', status: 'done', fetched: 2 }),
    ]);
    expect(ofWatch((await mine(stranger)).json().items)).toEqual([]);
    expect((await mine(stranger, `&boardId=${boardId}`)).statusCode).toBe(404);
    expect((await mine(viewer, `&boardId=${boardId}`)).json().items.map((r: FeedRun) => r.watchId)).toEqual([watch.id]);
    const page = (await t.app.inject({ url: `/api/boards/${boardId}/watches`, headers: as(viewer) })).json();
    expect(page.runs).toHaveLength(1);
  });
});

describe('the library by day and trending with the outside signal', () => {
  it('lists the days with feed papers and a day by upvotes, with upvotes and code links', async () => {
    // The first describe's run stored 2026-12-05 through the instance feed.
    const days = await t.app.inject({ url: '/api/papers/feed-days' });
    expect(days.json().items).toContainEqual({ day: '2026-12-05', papers: 3 });
    const page = await t.app.inject({ url: '/api/papers?feedDay=2026-12-05&limit=2' });
    expect(page.statusCode, page.body).toBe(200);
    const { items, nextCursor } = page.json();
    expect(items.map((p: { upvotes: number }) => p.upvotes)).toEqual([120, 42]);
    expect(items[1]).toMatchObject({ feedDay: '2026-12-05', codeUrls: ['https://github.com/example/sparse-mix'] });
    const rest = await t.app.inject({ url: `/api/papers?feedDay=2026-12-05&limit=2&cursor=${nextCursor}` });
    expect(rest.json().items.map((p: { upvotes: number }) => p.upvotes)).toEqual([7]);
    expect(rest.json().nextCursor).toBeNull();
    expect((await t.app.inject({ url: '/api/papers?feedDay=2026-12-06' })).json().items).toEqual([]);
    const mixed = await t.app.inject({ url: '/api/papers?feedDay=2026-12-05&sort=trending' });
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().message).toContain('querystring/feedDay');
    expect((await t.app.inject({ url: '/api/papers?feedDay=yesterday' })).json().message).toContain('feedDay');
  });

  it('blends votes on my boards with outside upvotes by the documented formula', async () => {
    const boardId = await board();
    const now = Date.now();
    const at = (hours: number) => new Date(now - hours * 3600_000);
    const cardId = await nominatePaper(t.app, owner, boardId, 'Blend voted paper');
    await expect.poll(() => projectedCardIds(t.app, owner, boardId)).toContain(cardId);
    const [{ paperId: voted }] = await t.db.sql<{ paperId: string }[]>`
      update papers set published_at = ${at(10)} where id = (
        select paper_id from board_cards where board_id = ${boardId} and card_id = ${cardId}) returning id as paper_id`;
    const [upvoted, few] = await Promise.all(
      [400, 1].map(async (upvotes) => {
        const [row] = await t.db.sql<{ id: string }[]>`
          insert into papers (title, title_key, authors, published_at, upvotes)
          values (${`Blend ${upvotes}`}, ${`blend${upvotes}feedtest`}, '{}', ${at(10)}, ${upvotes}) returning id`;
        return row.id;
      }),
    );
    const ids = [voted, upvoted, few];
    for (const user of [owner, editor]) {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/api/boards/${boardId}/cards/${cardId}/vote`,
        headers: as(user),
        payload: {},
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    // Same age: 400 upvotes weigh 1.5 · ln(401) ≈ 9.0 > 2 votes > 1 upvote, 1.5 · ln(2) ≈ 1.04.
    const score = (votes: number, upvotes: number) => blendedTrendingScore(votes, upvotes, 0, 10 * 3600_000);
    expect(score(0, 400)).toBeGreaterThan(score(2, 0));
    expect(score(2, 0)).toBeGreaterThan(score(0, 1));
    const ranked = async (user: TestUser | null) =>
      (
        (await t.app.inject({ url: '/api/papers?sort=trending&limit=100', headers: as(user) })).json().items as {
          id: string;
        }[]
      )
        .map((p) => p.id)
        .filter((p) => ids.includes(p));
    expect(await ranked(viewer)).toEqual([upvoted, voted, few]);
    // Without votes on their boards (a stranger), the voted paper falls behind both upvoted ones.
    expect(await ranked(stranger)).toEqual([upvoted, few, voted]);
  });
});
