import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '#server/db/connect.js';
import { migrate, migrationFiles } from '#server/db/migrate.js';
import { buildApp } from '#server/app.js';
import { pglitePaths } from '#server/db/pglite-upgrade.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { testConfig } from '#test/helpers/app.js';
import { usingRealPostgres } from '#test/helpers/db.js';
import { storedDoc } from '#test/helpers/yjs.js';

// A data directory written by the last PGlite build (see test/fixtures/pglite-data-dir.md) is moved
// into the embedded PostgreSQL on first start, every row of it.
const FIXTURE = fileURLToPath(new URL('../../fixtures/pglite-data-dir.tar.xz', import.meta.url));
const EXPECTED: Record<string, number> = {
  activity: 11,
  assignments: 1,
  board_calendars: 0,
  board_cards: 17,
  board_columns: 8,
  board_invites: 0,
  board_members: 2,
  board_updates: 8,
  boards: 2,
  digest_subscriptions: 1,
  instance_settings: 1,
  mail_deliveries: 0,
  paper_imports: 1,
  papers: 240,
  password_resets: 0,
  presenter_reminders: 0,
  rate_limit_hits: 2,
  sessions: 1,
  users: 2,
  votes: 2,
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function oldDataDir(): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-upgrade-'));
  dirs.push(dataDir);
  execFileSync('tar', ['-xJf', FIXTURE, '-C', dataDir]);
  return dataDir;
}

describe.skipIf(usingRealPostgres)('upgrade from a PGlite data directory', () => {
  it('copies every table into PostgreSQL, checks the counts and keeps the old folder as a backup', async () => {
    const dataDir = oldDataDir();
    const messages: string[] = [];
    const db = await openEmbedded(dataDir, { log: (m) => messages.push(m) });
    try {
      expect(messages.join('\n')).toMatch(/upgrade done .* each count checked/);
      const { old, backup } = pglitePaths(dataDir);
      expect(fs.existsSync(old)).toBe(false);
      expect(fs.existsSync(path.join(backup, 'PG_VERSION'))).toBe(true);

      for (const [table, n] of Object.entries(EXPECTED)) {
        const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from ${db.sql(table)}`;
        // instance_settings also holds the upgrade's own record (below).
        expect({ table, n: row.n }).toEqual({ table, n: table === 'instance_settings' ? n + 1 : n });
      }
      const [marker] = await db.sql<{ value: { tables: number; rows: number } }[]>`
        select value from instance_settings where key = 'pglite_upgrade'`;
      expect(marker.value).toEqual({
        tables: Object.keys(EXPECTED).length,
        rows: Object.values(EXPECTED).reduce((a, b) => a + b, 0),
      });
      // The old database was at migration 0012: the later ones apply as on any start.
      const later = (await migrationFiles()).filter((m) => m.version > 12).map((m) => m.file);
      expect(later[0]).toBe('0013_member_calendars.sql');
      expect(await migrate(db.sql)).toEqual(later);

      // The board's document (its update log) came over whole: five cards and Ada's comment.
      const [board] = await db.sql<{ id: string }[]>`select id from boards where name = 'Fixture reading group'`;
      const doc = await storedDoc(db.sql, board.id);
      const view = boardView(doc);
      const cards = view.columns.flatMap((c) => c.cards);
      expect(cards).toHaveLength(5);
      expect(Object.values(view.comments).flatMap((thread) => thread.map((c) => c.body))).toEqual([
        'Read section 3 first — it has the *key* idea.',
      ]);

      // Generated columns were computed again (search), and identity sequences carried on past old rows.
      const [hit] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from papers where search @@ websearch_to_tsquery('english', 'chinese web text')`;
      expect(hit.n).toBeGreaterThan(0);
      const [{ max }] = await db.sql<{ max: string }[]>`select max(id)::text as max from activity`;
      const [{ id }] = await db.sql<{ id: string }[]>`
        insert into activity (board_id, actor_id, kind, card_id, details)
        select board_id, actor_id, kind, card_id, details from activity limit 1 returning id::text`;
      expect(BigInt(id)).toBeGreaterThan(BigInt(max));

      // Ada signs in with her old password.
      const app = await buildApp({ config: testConfig(), sql: db.sql });
      try {
        const login = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'ada@example.org', password: 'correct horse battery' },
        });
        expect(login.statusCode).toBe(200);
        expect(login.json().user.name).toBe('Ada Fixture');
      } finally {
        await app.close();
      }
    } finally {
      await db.close();
    }

    // The next start does not copy again.
    const again: string[] = [];
    const reopened = await openEmbedded(dataDir, { log: (m) => again.push(m) });
    try {
      expect(again.join('\n')).not.toMatch(/upgrad/);
      const [row] = await reopened.sql<{ n: number }[]>`select count(*)::int as n from papers`;
      expect(row.n).toBe(240);
    } finally {
      await reopened.close();
    }
  }, 120_000);

  it('refuses to copy an old database over a PostgreSQL one that already has data', async () => {
    const dataDir = oldDataDir();
    const { old } = pglitePaths(dataDir);
    const aside = `${old}-aside`;
    fs.renameSync(old, aside);
    const fresh = await openEmbedded(dataDir, { log: () => {} });
    await migrate(fresh.sql);
    await fresh.close();
    fs.renameSync(aside, old);
    await expect(openEmbedded(dataDir, { log: () => {} })).rejects.toThrow(/holds both an old PGlite database/);
    // Nothing was touched: the old folder is where it was, and the lock is released.
    expect(fs.existsSync(path.join(old, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'paperboard.lock'))).toBe(false);
  }, 120_000);
});
