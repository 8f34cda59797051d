import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { feedFixture, startFakeFeeds, type FakeFeeds } from '#test/helpers/fake-feeds.js';
import type { Sql } from '#server/db/sql.js';
import { parseFeedSpec } from '#server/feed-spec.js';
import { FeedScheduler } from '#server/features/feeds/feeds.scheduler.js';

let t: TestApp;
let feeds: FakeFeeds;
/** The second node's own connection pool. */
let otherSql: Sql;
const silentLog = { info: () => {}, error: () => {} };
const DAYS = ['2026-12-03', '2026-12-04', '2026-12-05'];

beforeAll(async () => {
  feeds = await startFakeFeeds();
  t = await buildTestApp();
  otherSql = postgres(t.db.url, { transform: postgres.camel, max: 4, onnotice: () => {} });
});
afterAll(async () => {
  await otherSql.end();
  await t.close();
  await feeds.close();
});

describe('two feed schedulers on one database, each with its own pool', () => {
  it('run every feed and day once when they tick at the same moment', async () => {
    for (const day of DAYS)
      feeds.hfDays.set(day, feedFixture('hf-daily.json').replaceAll('2612.0100', `${day.slice(-2)}12.0100`));
    const at = new Date('2026-12-06T06:30:00Z');
    const config = {
      ...t.config,
      feeds: {
        ...t.config.feeds,
        specs: [parseFeedSpec('hf-daily')],
        hour: 6,
        backfillDays: 3,
        hfPapersApiUrl: `${feeds.url}/hf/daily_papers`,
      },
    };
    const nodes = [t.db.sql, otherSql].map(
      (sql) =>
        new FeedScheduler({ sql, config, log: silentLog, retryBaseMs: 5 }, { intervalMs: 60_000, clock: () => at }),
    );
    const [a, b] = await Promise.all(nodes.map((node) => node.runOnce()));

    // Every day ran on exactly one node, and was fetched once.
    expect([...a, ...b].map((r) => r.day).sort()).toEqual(DAYS);
    expect(feeds.requests.map((r) => r.query.get('date')).sort()).toEqual(DAYS);
    const runs = await t.db.sql<{ day: string; status: string; attempts: number }[]>`
      select day::text as day, status, attempts from feed_runs where feed_key = 'hf-daily' order by day`;
    expect(runs).toEqual(DAYS.map((day) => ({ day, status: 'done', attempts: 1 })));
    // The same three papers every day: stored once, listed on each day.
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from papers`;
    expect(n).toBe(3);
    const [{ listed }] = await t.db.sql<{ listed: number }[]>`select count(*)::int as listed from feed_papers`;
    expect(listed).toBe(9);

    // Ticking again on both nodes owes nothing.
    const again = await Promise.all(nodes.map((node) => node.runOnce()));
    expect(again.flat()).toEqual([]);
    expect(feeds.requests).toHaveLength(3);
  });
});
