import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, usingRealPostgres } from '#test/helpers/db.js';
import { createBoard, placeCards, signUp, type TestUser } from '#test/helpers/factories.js';
import { startSmtp, type TestSmtp } from '#test/helpers/mail.js';
import { httpInjector, runScript, type Child } from '#test/helpers/process.js';
import type { Database } from '#server/db/connect.js';

// The real start-up path: `npm start` (server/src/main.ts), `npm run import` and `npm run digest` as
// child processes.
let dataDir: string;
let db: (Database & { url: string }) | null = null;
let env: Record<string, string>;
let server: Child;
let baseUrl: string;
let smtp: TestSmtp;

const papersFile = path.join(os.tmpdir(), `paperboard-cli-${process.pid}.txt`);
fs.writeFileSync(
  papersFile,
  'Imported From The Command Line\nAn abstract about command line imports.\n' +
    'Second Paper From The Command Line\nAnother abstract about terminals and pipes.\n',
);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-proc-'));
  smtp = await startSmtp();
  // Without its scheduler the server sends mail only when `npm run digest` asks it to.
  env = { DATA_DIR: dataDir, PORT: '0', ARXIV_MIN_INTERVAL_MS: '0', SMTP_URL: smtp.url, DIGEST_SCHEDULER: 'false' };
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
  await smtp.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(papersFile, { force: true });
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A presenter of a session at `sessionAt` on their own board, made through the running server. */
async function presenterOf(name: string, sessionAt: Date): Promise<TestUser> {
  const api = httpInjector(baseUrl);
  const presenter = await signUp(api, name);
  const boardId = (await createBoard(api, presenter, `${name}'s board`)).id;
  const [cardId] = await placeCards(api, presenter, boardId, 1);
  const res = await api.inject({
    method: 'PUT',
    url: `/api/boards/${boardId}/cards/${cardId}/assignment`,
    headers: { cookie: presenter.cookie },
    payload: { presenterId: presenter.user.id, sessionAt: sessionAt.toISOString() },
  });
  expect(res.statusCode, res.body).toBe(200);
  return presenter;
}

const remindersTo = (user: TestUser) =>
  smtp.to(user.user.email).filter((m) => m.parsed.subject?.startsWith('Reminder'));

// Reminders are due by the real clock, unlike a digest saved just now (its first slot is the next hour):
// a session in three hours is due for its reminder (two days ahead) at once. A session in five days is
// beyond the server's reminder horizon, and due only for a run configured with DIGEST_REMINDER_DAYS=7,
// so its mail can come from nobody but a CLI that opened the database itself.
let soon: TestUser;
let later: TestUser;

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

  it('sends what is due with npm run digest -- --now while the server runs, once', async () => {
    soon = await presenterOf('Soon Presenter', new Date(Date.now() + 3 * HOUR));
    later = await presenterOf('Later Presenter', new Date(Date.now() + 5 * DAY + 3 * HOUR));

    const cli = runScript('server/src/cli/digest.ts', ['--now'], env);
    expect(await cli.exited, cli.stderr()).toBe(0);
    expect(cli.stdout()).toContain('0 digests and 1 reminders sent, 0 digests skipped (nothing new), 0 failed');
    if (!usingRealPostgres) expect(cli.stderr()).toContain('handing the run to the running server');
    expect(remindersTo(soon)).toHaveLength(1);
    expect(remindersTo(later)).toHaveLength(0);

    const again = runScript('server/src/cli/digest.ts', ['--now'], env);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(again.stdout()).toContain('0 digests and 0 reminders sent');
    expect(remindersTo(soon)).toHaveLength(1);
  }, 120_000);

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

  it('sends what is due with npm run digest -- --now when no server runs, once', async () => {
    const cliEnv = { ...env, DIGEST_REMINDER_DAYS: '7' };
    const cli = runScript('server/src/cli/digest.ts', ['--now'], cliEnv);
    expect(await cli.exited, cli.stderr()).toBe(0);
    expect(cli.stdout()).toContain('0 digests and 1 reminders sent, 0 digests skipped (nothing new), 0 failed');
    expect(cli.stderr()).not.toContain('handing the run');
    expect(remindersTo(later)).toHaveLength(1);
    expect(remindersTo(soon)).toHaveLength(1);

    const again = runScript('server/src/cli/digest.ts', ['--now'], cliEnv);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(again.stdout()).toContain('0 digests and 0 reminders sent');
    expect(remindersTo(later)).toHaveLength(1);
  }, 120_000);

  it('explains the usage of npm run digest on a bad argument', async () => {
    const cli = runScript('server/src/cli/digest.ts', ['--later'], env);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('usage: npm run digest -- --now');
    expect(cli.stdout()).toBe('');
  });

  it('explains its usage on a bad argument', async () => {
    const cli = runScript('server/src/cli/import.ts', ['--format', 'pdf', papersFile], env);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('--format must be one of');
  });
});
