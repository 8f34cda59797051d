import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, usingRealPostgres } from '../helpers/db.js';
import { runScript, type Child } from '../helpers/process.js';
import type { Database } from '../../server/src/db/connect.js';

// The real start-up path: `npm start` (server/src/main.ts) and `npm run import` as child processes.
let dataDir: string;
let db: (Database & { url: string }) | null = null;
let env: Record<string, string>;
let server: Child;
let baseUrl: string;

const papersFile = path.join(os.tmpdir(), `paperboard-cli-${process.pid}.txt`);
fs.writeFileSync(
  papersFile,
  'Imported From The Command Line\nAn abstract about command line imports.\n' +
    'Second Paper From The Command Line\nAnother abstract about terminals and pipes.\n',
);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-proc-'));
  env = { DATA_DIR: dataDir, PORT: '0', ARXIV_MIN_INTERVAL_MS: '0' };
  if (usingRealPostgres) {
    db = await createTestDatabase();
    env.DATABASE_URL = db.url;
  } else {
    env.DATABASE_URL = '';
  }
  server = runScript('server/src/main.ts', [], env);
  await server.waitFor(/Paperboard is ready/);
  baseUrl = JSON.parse(fs.readFileSync(path.join(dataDir, 'server.json'), 'utf8')).url;
}, 120_000);

afterAll(async () => {
  if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
  await db?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(papersFile, { force: true });
});

describe('npm start', () => {
  it('serves the demo library of 240 papers and the client on first start', async () => {
    expect(server.stderr()).toContain('demo library: imported 240 papers');
    const page = await (await fetch(`${baseUrl}/api/papers?q=${encodeURIComponent('SΩI')}`)).json();
    expect(page.items[0].title).toBe('SΩI: Score-based O-INFORMATION Estimation');
    const html = await (await fetch(`${baseUrl}/`)).text();
    expect(html).toContain('<div id="app">');
  });

  it('creates a demo account with a demo board and prints how to sign in', async () => {
    const printed = /demo mode: sign in as (\S+) with password (\S+)/.exec(server.stderr());
    expect(printed).not.toBeNull();
    const [, email, password] = printed!;
    const instance = await (await fetch(`${baseUrl}/api/instance`)).json();
    expect(instance.demo).toEqual({ email, password });
    const login = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const boards = await (await fetch(`${baseUrl}/api/boards`, { headers: { cookie } })).json();
    expect(boards).toHaveLength(1);
    expect(boards[0]).toMatchObject({ name: 'Demo reading group', role: 'owner' });
  });

  it.skipIf(usingRealPostgres)('refuses to start a second process on the same data directory', async () => {
    const second = runScript('server/src/main.ts', [], env);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/Another Paperboard process \(pid \d+/);
  });

  it('imports a file with npm run import while the server runs', async () => {
    const cli = runScript('server/src/cli/import.ts', [papersFile], env);
    expect(await cli.exited, cli.stderr()).toBe(0);
    expect(cli.stdout()).toContain('trending: 2 created, 0 duplicates, 0 errors');
    if (!usingRealPostgres) expect(cli.stderr()).toContain('handing the import to the running server');
    const page = await (await fetch(`${baseUrl}/api/papers?q=${encodeURIComponent('command line')}`)).json();
    expect(page.items.map((p: { title: string }) => p.title)).toContain('Imported From The Command Line');
  });

  it('stops cleanly on SIGTERM and releases the data directory', async () => {
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'paperboard.lock'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'server.json'))).toBe(false);
  });

  it('imports directly into the database when no server runs, and creates nothing twice', async () => {
    const cli = runScript('server/src/cli/import.ts', [papersFile], env);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('trending: 0 created, 2 duplicates, 0 errors');
    expect(cli.stderr()).not.toContain('handing the import');
  });

  it('explains its usage on a bad argument', async () => {
    const cli = runScript('server/src/cli/import.ts', ['--format', 'pdf', papersFile], env);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('--format must be one of');
  });
});
