import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { arxivEntry, feedFixture, startFakeFeeds, type FakeFeeds } from '#test/helpers/fake-feeds.js';
import { createBoard, signUp } from '#test/helpers/factories.js';
import { parseFeedSpec, type FeedSpec } from '#server/feed-spec.js';
import { runFeedByHand, runFeedJob, type FeedJobDeps } from '#server/features/feeds/feeds.service.js';
import { watchSpec } from '#server/features/feeds/feeds.repository.js';

let t: TestApp;
let feeds: FakeFeeds;
const silentLog = { info: () => {}, error: () => {} };
let told: { ids: string[]; context: { boardId?: string } }[] = [];

beforeAll(async () => {
  feeds = await startFakeFeeds();
  t = await buildTestApp({ arxivApiUrl: `${feeds.url}/arxiv/query` });
});
afterAll(async () => {
  await t.close();
  await feeds.close();
});
beforeEach(() => {
  feeds.reset();
  told = [];
});

/** The job's dependencies; the fake feeds are on loopback, which watches may reach only when allowed. */
function deps(specs: FeedSpec[], backfillDays = 1, allowPrivateUrls = true): FeedJobDeps {
  const hfPapersApiUrl = `${feeds.url}/hf/daily_papers`;
  return {
    sql: t.db.sql,
    config: {
      ...t.config,
      feeds: { ...t.config.feeds, specs, backfillDays, hfPapersApiUrl, hour: 6, allowPrivateUrls },
    },
    log: silentLog,
    retryBaseMs: 5,
    onNewPapers: (ids, context) => void told.push({ ids, context }),
  };
}

/** 07:00 UTC the day after `day`: `day` is the latest due day. */
const morningAfter = (day: string) => new Date(Date.parse(`${day}T07:00:00Z`) + 86_400_000);

async function runRow(feedKey: string, day: string) {
  const [row] = await t.db.sql<
    {
      status: string;
      fetched: number;
      created: number;
      duplicates: number;
      errors: number;
      attempts: number;
      error: string | null;
    }[]
  >`
    select status, fetched, created, duplicates, errors, attempts, error from feed_runs where feed_key = ${feedKey} and day = ${day}`;
  return row;
}

async function paperByArxiv(arxivId: string) {
  const [row] = await t.db.sql<{ id: string; upvotes: number | null; feedDay: string | null; codeUrls: string[] }[]>`
    select id, upvotes, feed_day::text as feed_day, code_urls from papers where arxiv_id = ${arxivId}`;
  return row;
}

describe('Hugging Face daily papers', () => {
  it('stores the day, dedupes against the library, keeps upvotes and code links, records the run', async () => {
    // Already in the library (imported by hand, without upvotes): a duplicate that gains the outside signal.
    await t.db.sql`insert into papers (title, title_key, arxiv_id, authors) values
      ('Routing Sparse Experts', 'routingsparseexpertsfeedtest', '2401.01234', '{}')`;
    feeds.hfDays.set('2026-12-05', feedFixture('hf-daily.json'));
    const [report, ...rest] = await runFeedJob(deps([parseFeedSpec('hf-daily')]), morningAfter('2026-12-05'));

    expect(rest).toEqual([]);
    expect(report).toMatchObject({
      feedKey: 'hf-daily',
      day: '2026-12-05',
      status: 'done',
      fetched: 3,
      created: 2,
      duplicates: 1,
    });
    expect(await runRow('hf-daily', '2026-12-05')).toMatchObject({
      status: 'done',
      fetched: 3,
      created: 2,
      duplicates: 1,
      errors: 0,
    });
    expect(feeds.requests[0].query.get('date')).toBe('2026-12-05');
    expect(await paperByArxiv('2612.01001')).toMatchObject({
      upvotes: 42,
      feedDay: '2026-12-05',
      codeUrls: ['https://github.com/example/sparse-mix'],
    });
    expect(await paperByArxiv('2401.01234')).toMatchObject({ upvotes: 120, feedDay: '2026-12-05' });
    // The hook hears of the papers new to the library.
    expect(told).toHaveLength(1);
    expect(told[0].context).toEqual({});
    expect(told[0].ids.sort()).toEqual(
      [(await paperByArxiv('2612.01001')).id, (await paperByArxiv('2612.01002')).id].sort(),
    );

    // A later tick owes nothing more for that day.
    expect(await runFeedJob(deps([parseFeedSpec('hf-daily')]), morningAfter('2026-12-05'))).toEqual([]);
    expect(feeds.count('/hf/daily_papers')).toBe(1);
  });

  it('sends the validators back and records an unchanged run on 304, changing nothing', async () => {
    feeds.hfDays.set('2026-11-20', feedFixture('hf-daily.json'));
    const spec = parseFeedSpec('hf-daily');
    const first = await runFeedByHand(deps([spec]), spec, '2026-11-20', new Date());
    expect(first).toMatchObject({ status: 'done', fetched: 3 });
    const [{ n: before }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from papers`;

    const again = await runFeedByHand(deps([spec]), spec, '2026-11-20', new Date());
    expect(feeds.requests[1].headers['if-none-match']).toMatch(/^"[0-9a-f]{40}"$/);
    expect(feeds.requests[1].headers['if-modified-since']).toBe('Sat, 05 Dec 2026 06:00:00 GMT');
    expect(again).toMatchObject({ status: 'unchanged', fetched: 0, created: 0, duplicates: 0, attempts: 2 });
    const [{ n: after }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from papers`;
    expect(after).toBe(before);
  });

  it('retries 503 and 429 with backoff, then succeeds', async () => {
    feeds.hfDays.set('2026-11-21', '[]');
    feeds.failures.set('/hf/daily_papers', [503, 429, 503]);
    const spec = parseFeedSpec('hf-daily');
    const run = await runFeedByHand(deps([spec]), spec, '2026-11-21', new Date());
    expect(run).toMatchObject({ status: 'done', fetched: 0, error: null });
    expect(feeds.count('/hf/daily_papers')).toBe(4);
  });

  it('records a failed run, and tries it again on a later tick a bounded number of times', async () => {
    const spec = parseFeedSpec('hf-daily');
    const day = '2026-11-10';
    feeds.failures.set('/hf/daily_papers', Array(20).fill(500));
    const at = morningAfter(day);
    const [report] = await runFeedJob(deps([spec]), at);
    expect(report).toMatchObject({ status: 'failed', error: 'Hugging Face answered 500 (tried 4 times)' });
    expect(await runRow('hf-daily', day)).toMatchObject({ status: 'failed', attempts: 1 });
    // Not again at once ...
    expect(await runFeedJob(deps([spec]), new Date(at.getTime() + 60_000))).toEqual([]);
    // ... but half an hour later, up to three attempts in all.
    await runFeedJob(deps([spec]), new Date(at.getTime() + 31 * 60_000));
    await runFeedJob(deps([spec]), new Date(at.getTime() + 62 * 60_000));
    expect(await runFeedJob(deps([spec]), new Date(at.getTime() + 93 * 60_000))).toEqual([]);
    expect(await runRow('hf-daily', day)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(feeds.count('/hf/daily_papers')).toBe(12);
  });

  it('catches up missed days after downtime, at most FEEDS_BACKFILL_DAYS of them', async () => {
    const spec = parseFeedSpec('hf-daily');
    const reports = await runFeedJob(deps([spec], 3), morningAfter('2026-10-20'));
    expect(reports.map((r) => r.day)).toEqual(['2026-10-18', '2026-10-19', '2026-10-20']);
    expect(feeds.requests.map((r) => r.query.get('date'))).toEqual(['2026-10-18', '2026-10-19', '2026-10-20']);
  });
});

describe('arXiv listings', () => {
  it('pages through the submissions of the categories, at most one request at a time', async () => {
    for (let i = 0; i < 130; i++) feeds.arxivEntries.push(arxivEntry(`2612.${String(20000 + i)}`, `Listed Paper ${i}`));
    const spec = parseFeedSpec('arxiv:cs.LG+cs.CL');
    const run = await runFeedByHand(deps([spec]), spec, '2026-12-05', new Date());
    expect(run).toMatchObject({ source: 'arxiv', status: 'done', fetched: 130, created: 130 });
    const asked = feeds.requests.map((r) => [r.query.get('start'), r.query.get('search_query')]);
    expect(asked).toEqual([
      ['0', '(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202612040000 TO 202612052359]'],
      ['100', '(cat:cs.LG OR cat:cs.CL) AND submittedDate:[202612040000 TO 202612052359]'],
    ]);
    expect(await paperByArxiv('2612.20007')).toMatchObject({ feedDay: '2026-12-05', upvotes: null });
  });
});

describe('watches', () => {
  it("keeps what matches the watch's query, tells the hook the board, and records the watch's run", async () => {
    const owner = await signUp(t.app, 'Watch Owner');
    const boardId = (await createBoard(t.app, owner, 'Watching')).id;
    feeds.pages.set('/toc.rss', feedFixture('rss2.xml'));
    const [watch] = await t.db.sql<{ id: string }[]>`
      insert into board_watches (board_id, source, query, url)
      values (${boardId}, 'rss', 'retrieval', ${`${feeds.url}/toc.rss`}) returning id`;
    const spec = watchSpec({
      id: watch.id,
      boardId,
      source: 'rss',
      query: 'retrieval',
      categories: [],
      url: `${feeds.url}/toc.rss`,
    });
    const reports = await runFeedJob(deps([]), morningAfter('2026-12-05'));
    const report = reports.find((r) => r.feedKey === spec.key);
    expect(report).toMatchObject({ status: 'done', fetched: 3, filtered: 2, created: 1 });
    const [run] = await t.db.sql`select watch_id, board_id from feed_runs where feed_key = ${spec.key}`;
    expect(run).toEqual({ watchId: watch.id, boardId });
    expect(told).toEqual([{ ids: [expect.any(String)], context: { boardId } }]);
    const [paper] = await t.db.sql`select title, doi from papers where id = ${told[0].ids[0]}`;
    expect(paper).toEqual({ title: 'Calibration of Retrieval-Augmented Generation', doi: '10.5555/jes.2026.0102' });
  });

  it('refuses to fetch a private address for a watch unless allowed', async () => {
    const owner = await signUp(t.app, 'Private Owner');
    const boardId = (await createBoard(t.app, owner, 'Private')).id;
    feeds.pages.set('/private.atom', feedFixture('atom.xml'));
    const url = `${feeds.url}/private.atom`;
    const [watch] = await t.db.sql<{ id: string }[]>`
      insert into board_watches (board_id, source, url) values (${boardId}, 'rss', ${url}) returning id`;
    const spec = watchSpec({ id: watch.id, boardId, source: 'rss', query: null, categories: [], url });
    const refused = await runFeedByHand(deps([], 1, false), spec, '2026-12-01', new Date());
    expect(refused).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/127\.0\.0\.1 is a private address/),
    });
    expect(feeds.count('/private.atom')).toBe(0);
    // A name that resolves to loopback is refused as well (the check is on the address connected to).
    const { fetchFeed } = await import('#server/features/feeds/feed-http.js');
    await expect(
      fetchFeed(url.replace('127.0.0.1', 'localhost'), { service: 'feed', publicOnly: true }),
    ).rejects.toThrow(/private address/);
    expect(feeds.count('/private.atom')).toBe(0);
    // The operator's own feeds (FEEDS) and an allowed instance are fetched.
    expect(await runFeedByHand(deps([], 1, true), spec, '2026-12-01', new Date())).toMatchObject({
      status: 'done',
      created: 2,
    });
  });
});
