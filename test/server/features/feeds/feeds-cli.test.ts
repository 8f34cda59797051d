import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '#test/helpers/db.js';
import { runScript } from '#test/helpers/process.js';
import { feedFixture, startFakeFeeds, type FakeFeeds } from '#test/helpers/fake-feeds.js';
import type { Database } from '#server/db/connect.js';

let db: Database & { url: string };
let feeds: FakeFeeds;
let dataDir: string;

beforeAll(async () => {
  feeds = await startFakeFeeds();
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-feed-cli-'));
});
afterAll(async () => {
  await db.close();
  await feeds.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run import -- --feed', () => {
  it('runs one feed for one day by hand and prints the counts; again, it finds them all stored', async () => {
    feeds.hfDays.set('2026-12-05', feedFixture('hf-daily.json'));
    const env = {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      SEED_DEMO: 'false',
      HF_PAPERS_API_URL: `${feeds.url}/hf/daily_papers`,
    };
    const cli = runScript('server/src/cli/import.ts', ['--feed', 'hf-daily', '--date', '2026-12-05'], env);
    expect(await cli.exited, cli.stderr()).toBe(0);
    expect(cli.stdout()).toContain('hf-daily 2026-12-05: done, 3 fetched, 3 created, 0 duplicates, 0 errors');
    expect(feeds.requests.map((r) => r.query.get('date'))).toEqual(['2026-12-05']);

    // The server answers 304 to the validators of the first run: nothing is fetched or changed.
    const again = runScript('server/src/cli/import.ts', ['--feed=hf-daily', '--date=2026-12-05'], env);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(again.stdout()).toContain('hf-daily 2026-12-05: unchanged, 0 fetched, 0 created');

    const bad = runScript('server/src/cli/import.ts', ['--feed', 'hf-daily', '--date', 'tomorrow'], env);
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toContain('--date must be a day such as 2026-12-05');
  }, 120_000);
});
