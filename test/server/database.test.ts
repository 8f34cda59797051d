import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, openEmbedded } from '../../server/src/db/connect.js';
import { EmbeddedDatabaseError } from '../../server/src/db/embedded.js';
import { DataDirLockedError, lockDataDir } from '../../server/src/db/lock.js';
import { MIGRATIONS_DIR, migrate } from '../../server/src/db/migrate.js';
import { usingRealPostgres } from '../helpers/db.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-db-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const migrationCount = fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length;

// Real PostgreSQL runs skip these: the embedded run covers them and each new PGlite costs seconds.
describe.skipIf(usingRealPostgres)('embedded database', () => {
  it('refuses a second opener of the same data directory and keeps the data across reopen', async () => {
    const dataDir = tempDir();
    const first = await openDatabase({ databaseUrl: null, dataDir });
    await migrate(first.sql);
    await first.sql`insert into papers (title, title_key) values ('Kept across restarts', 'keptacrossrestarts')`;
    await expect(openDatabase({ databaseUrl: null, dataDir })).rejects.toThrow(DataDirLockedError);
    await expect(openDatabase({ databaseUrl: null, dataDir })).rejects.toThrow(/Another Paperboard process/);
    await first.close();
    // A close that was asked for is not a failure the server would shut down for.
    const outcome = await Promise.race([
      first.embedded!.failed.then(() => 'failed'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 100)),
    ]);
    expect(outcome).toBe('pending');

    const second = await openDatabase({ databaseUrl: null, dataDir });
    expect(await migrate(second.sql)).toEqual([]);
    const rows = await second.sql`select title from papers`;
    expect(rows.map((r) => r.title)).toEqual(['Kept across restarts']);
    await second.close();
  });

  it('reports a data directory PGlite cannot open as a start-up error and releases the lock', async () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, 'pg'));
    fs.writeFileSync(path.join(dataDir, 'pg', 'PG_VERSION'), '7\n'); // not a directory of this PostgreSQL
    const opening = openDatabase({ databaseUrl: null, dataDir });
    await expect(opening).rejects.toThrow(EmbeddedDatabaseError);
    await expect(opening).rejects.toThrow(/^Could not open the embedded database in .*pg: PGlite failed to initialize/);
    expect(fs.existsSync(path.join(dataDir, 'paperboard.lock'))).toBe(false);
  });

  it('fails queries with the reason once the database thread has died, and still closes', async () => {
    const dataDir = tempDir();
    const db = await openEmbedded(dataDir);
    expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // What an uncaught error or an abort inside the thread comes to.
      await db.embedded.worker.terminate();
      expect(logged).toHaveBeenCalledWith(expect.stringMatching(/embedded database stopped unexpectedly/));
    } finally {
      logged.mockRestore();
    }
    // The first query may still go to the old, dying connection; none may hang, later ones say why.
    await expect(db.sql`select 1`).rejects.toThrow();
    await expect(db.sql`select 1`).rejects.toThrow(/embedded database stopped unexpectedly/);
    await expect(db.sql`select 1`).rejects.toThrow(/embedded database stopped unexpectedly/);
    expect(db.embedded.failure()).toBeInstanceOf(EmbeddedDatabaseError);
    // What the server waits on to shut down (main.ts): settled with the same reason.
    await expect(db.embedded.failed).resolves.toBe(db.embedded.failure());
    await db.close();
    expect(fs.existsSync(path.join(dataDir, 'paperboard.lock'))).toBe(false);
  });

  it('ends a database thread stuck in one statement past the hang limit, failing queries with the reason', async () => {
    const dataDir = tempDir();
    const db = await openEmbedded(dataDir, { hangLimitMs: 500 });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // Idle for several ping rounds: a thread that answers between statements is left alone.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
      expect(db.embedded.failure()).toBeNull();
      // ~50 s of work in one statement: the thread answers no ping meanwhile.
      await expect(db.sql`select count(*) from generate_series(1, 100000000)`).rejects.toThrow();
      await expect(db.embedded.failed).resolves.toBeInstanceOf(EmbeddedDatabaseError);
      expect(db.embedded.failure()?.message).toMatch(/taken for hung/);
      await expect(db.sql`select 1`).rejects.toThrow(/taken for hung/);
    } finally {
      logged.mockRestore();
      await db.close();
    }
    expect(fs.existsSync(path.join(dataDir, 'paperboard.lock'))).toBe(false);
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const dataDir = tempDir();
    const lockFile = path.join(dataDir, 'paperboard.lock');
    fs.writeFileSync(lockFile, JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: 'then' }));
    const release = lockDataDir(dataDir);
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });
});

describe.skipIf(!usingRealPostgres)('migrations on real PostgreSQL', () => {
  it('applies each migration exactly once when several nodes start at the same time', async () => {
    const name = `paperboard_migrate_${crypto.randomBytes(4).toString('hex')}`;
    const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    const nodes = await Promise.all(
      [1, 2, 3].map(() => openDatabase({ databaseUrl: url.toString(), dataDir: tempDir(), max: 2 })),
    );
    try {
      const applied = await Promise.all(nodes.map((n) => migrate(n.sql)));
      expect(applied.map((a) => a.length).sort()).toEqual([0, 0, migrationCount]);
      const [{ n }] = await nodes[0].sql<{ n: number }[]>`select count(*)::int as n from schema_migrations`;
      expect(n).toBe(migrationCount);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      await admin.unsafe(`drop database ${name} with (force)`);
      await admin.end();
    }
  });
});
