import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, openEmbedded } from '#server/db/connect.js';
import { clusterPaths, EmbeddedDatabaseError } from '#server/db/embedded.js';
import { DataDirLockedError, lockDataDir } from '#server/db/lock.js';
import { MIGRATIONS_DIR, migrate } from '#server/db/migrate.js';
import { usingRealPostgres } from '#test/helpers/db.js';
import { runScript } from '#test/helpers/process.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-db-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const migrationCount = fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length;

function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** Whether `pid` runs; a zombie (exited, not yet reaped by init) does not. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

// Real PostgreSQL runs skip these: the embedded run covers them and each new cluster costs a second.
describe.skipIf(usingRealPostgres)('embedded database', () => {
  it('refuses a second opener of the same data directory and keeps the data across reopen', async () => {
    const dataDir = tempDir();
    const first = await openDatabase({ databaseUrl: null, dataDir, log: () => {} });
    await migrate(first.sql);
    await first.sql`insert into papers (title, title_key) values ('Kept across restarts', 'keptacrossrestarts')`;
    await expect(openDatabase({ databaseUrl: null, dataDir })).rejects.toThrow(DataDirLockedError);
    await expect(openDatabase({ databaseUrl: null, dataDir })).rejects.toThrow(/Another Paperboard process/);
    const pid = first.embedded!.pid()!;
    await first.close();
    // A fast shutdown that was asked for: the postmaster is gone, and that is no failure to act on.
    expect(alive(pid)).toBe(false);
    const outcome = await Promise.race([
      first.embedded!.failed.then(() => 'failed'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 100)),
    ]);
    expect(outcome).toBe('pending');

    const second = await openDatabase({ databaseUrl: null, dataDir, log: () => {} });
    expect(await migrate(second.sql)).toEqual([]);
    const rows = await second.sql`select title from papers`;
    expect(rows.map((r) => r.title)).toEqual(['Kept across restarts']);
    await second.close();
  });

  it('is PostgreSQL 18 on a private Unix socket with a password, and durable settings', async () => {
    const dataDir = tempDir();
    const db = await openEmbedded(dataDir, { log: () => {} });
    try {
      const [info] = await db.sql<{ version: string; listen: string; fsync: string; commit: string }[]>`
        select current_setting('server_version_num') as version, current_setting('listen_addresses') as listen,
          current_setting('fsync') as fsync, current_setting('synchronous_commit') as commit`;
      expect(Number(info.version)).toBeGreaterThanOrEqual(180000);
      expect(info).toMatchObject({ listen: '', fsync: 'on', commit: 'on' });
      const { socketDir, passwordFile } = clusterPaths(dataDir);
      expect(fs.statSync(socketDir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(passwordFile).mode & 0o777).toBe(0o600);
      expect(db.embedded.connection.host).toBe(socketDir);
      // The password is required, even on the socket.
      const intruder = postgres({ ...db.embedded.connection, password: 'guess', max: 1, onnotice: () => {} });
      await expect(intruder`select 1`).rejects.toThrow(/password authentication failed/);
      await intruder.end();
    } finally {
      await db.close();
    }
  });

  it('listens on loopback with its password when the socket path would be too long', async () => {
    const parent = tempDir();
    fs.chmodSync(parent, 0o755); // as root, the postgres account must reach the data directory
    const dataDir = path.join(parent, 'x'.repeat(90));
    const db = await openEmbedded(dataDir, { log: () => {} });
    try {
      expect(db.embedded.connection.host).toBe('127.0.0.1');
      expect(await db.sql`select 1 as one`).toEqual([{ one: 1 }]);
      const [{ listen }] = await db.sql<{ listen: string }[]>`select current_setting('listen_addresses') as listen`;
      expect(listen).toBe('127.0.0.1');
    } finally {
      await db.close();
    }
  });

  it('reports a cluster it cannot start as a start-up error with its log, and releases the lock', async () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, 'postgres'));
    fs.writeFileSync(path.join(dataDir, 'postgres', 'PG_VERSION'), '7\n'); // not a cluster of this PostgreSQL
    const opening = openDatabase({ databaseUrl: null, dataDir, log: () => {} });
    await expect(opening).rejects.toThrow(EmbeddedDatabaseError);
    await expect(opening).rejects.toThrow(/did not start[\s\S]*Its log .* ends with/);
    expect(fs.existsSync(path.join(dataDir, 'paperboard.lock'))).toBe(false);
  });

  it('starts PostgreSQL again when it is killed under the server, losing nothing committed', async () => {
    const dataDir = tempDir();
    const messages: string[] = [];
    const db = await openEmbedded(dataDir, { log: (m) => messages.push(m) });
    try {
      await migrate(db.sql);
      await db.sql`insert into instance_settings (key, value) values ('before', '1'::jsonb)`;
      const first = db.embedded.pid()!;
      process.kill(first, 'SIGKILL');
      await vi.waitFor(() => expect(messages).toContain('the embedded PostgreSQL is running again'), {
        timeout: 30_000,
        interval: 100,
      });
      expect(db.embedded.pid()).not.toBe(first);
      // The pool reconnects by itself; the first query may still meet a dead connection.
      await vi.waitFor(
        async () => expect(await db.sql`select key from instance_settings`).toEqual([{ key: 'before' }]),
        {
          timeout: 10_000,
        },
      );
    } finally {
      await db.close();
    }
  }, 60_000);

  it('stops the postmaster a killed server left running, and keeps what it committed', async () => {
    const dataDir = tempDir();
    const child = runScript('test/helpers/embedded-child.ts', [], { DATA_DIR: dataDir });
    const said = await child.waitFor(/committed; postmaster \d+/);
    const orphan = Number(said.split(' ').pop());
    child.proc.kill('SIGKILL');
    await child.exited;
    // kill -9 gives the app no chance to stop its database: the postmaster lives on, holding the cluster.
    expect(alive(orphan)).toBe(true);
    expect(postmasterPid(dataDir)).toBe(orphan);

    const messages: string[] = [];
    const db = await openEmbedded(dataDir, { log: (m) => messages.push(m) });
    try {
      expect(alive(orphan)).toBe(false);
      expect(messages.join('\n')).toMatch(`left running by an earlier process (pid ${orphan})`);
      expect(await db.sql`select key from instance_settings`).toEqual([{ key: 'written-before-kill' }]);
    } finally {
      await db.close();
    }
  }, 60_000);

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
