import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { addCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import type { Database } from '#server/db/connect.js';
import { createTestDatabase, usingRealPostgres } from '#test/helpers/db.js';
import { createBoard, signUp } from '#test/helpers/factories.js';
import { httpInjector, type Child } from '#test/helpers/process.js';
import { cookieWebSocket, waitForDoc } from '#test/helpers/yjs.js';

// `npm run build` in a clean copy of the project, then the built server started the way the Docker
// image starts it: from a folder holding only the build, the migrations and the production
// dependencies (no TypeScript, no tsx, no Vite), with `node scripts/start.mjs`.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
let source: string;
let runtime: string;
let db: (Database & { url: string }) | null = null;
let server: Child | null = null;

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // as root, the embedded PostgreSQL's account must reach its data directory
  dirs.push(dir);
  return dir;
}

/** The project's files as a fresh clone has them (tracked, plus new files not ignored). */
function copyProject(to: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file && fs.existsSync(path.join(ROOT, file)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(to, file));
  }
}

/** node_modules with only what `npm ci --omit=dev` installs: links to the production packages. */
function productionModules(to: string): string[] {
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
  const top = new Set<string>();
  const modules = path.join(ROOT, 'node_modules') + path.sep;
  for (const line of listed.split('\n')) {
    if (!line.startsWith(modules)) continue;
    const parts = line.slice(modules.length).split(path.sep);
    top.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
  }
  for (const name of top) {
    fs.mkdirSync(path.dirname(path.join(to, 'node_modules', name)), { recursive: true });
    fs.symlinkSync(path.join(modules, name), path.join(to, 'node_modules', name), 'dir');
  }
  return [...top];
}

function start(cwd: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    stdout: () => out,
    stderr: () => out,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const timer = setInterval(() => {
          const match = pattern.exec(out);
          if (match) {
            clearInterval(timer);
            resolve(match[0]);
          }
        }, 50);
        void exited.then((code) => {
          clearInterval(timer);
          if (!pattern.test(out)) reject(new Error(`exited with ${code} before ${pattern}:\n${out}`));
        });
      }),
  };
}

beforeAll(async () => {
  source = tempDir('paperboard-src-');
  copyProject(source);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'), 'dir');
  execFileSync('npm', ['run', 'build'], { cwd: source, stdio: 'pipe' });

  // What the Dockerfile's final stage copies.
  runtime = tempDir('paperboard-run-');
  for (const part of ['build', 'client/dist', 'db', 'scripts/start.mjs', 'scripts/server-build.mjs', 'package.json']) {
    fs.cpSync(path.join(source, part), path.join(runtime, part), { recursive: true });
  }
  productionModules(runtime);
  if (usingRealPostgres) db = await createTestDatabase();
}, 240_000);

afterAll(async () => {
  if (server && server.proc.exitCode === null) server.proc.kill('SIGKILL');
  await db?.close();
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

describe('the production build', () => {
  it('holds no TypeScript compiler, loader or bundler among the production dependencies', () => {
    const production = fs.readdirSync(path.join(runtime, 'node_modules'));
    for (const dev of ['typescript', 'tsx', 'vite', 'svelte', 'vitest', '@electric-sql/pglite-socket']) {
      expect(production).not.toContain(dev);
    }
    expect(fs.existsSync(path.join(runtime, 'build/server/src/main.js'))).toBe(true);
    expect(fs.existsSync(path.join(runtime, 'server'))).toBe(false);
  });

  it('serves sign-up, a board, a card over /yjs, a vote and a BibTeX import from the compiled server', async () => {
    const dataDir = tempDir('paperboard-data-');
    server = start(runtime, {
      DATA_DIR: dataDir,
      PORT: '0',
      SEED_DEMO: 'false',
      PASSWORD_HASH_COST: '10',
      DATABASE_URL: db?.url ?? '',
    });
    await server.waitFor(/Paperboard is ready/);
    // The build was current: nothing was compiled at start.
    expect(server.stdout()).not.toMatch(/compiling/);
    const baseUrl = JSON.parse(fs.readFileSync(path.join(dataDir, 'server.json'), 'utf8')).url as string;
    const api = httpInjector(baseUrl);

    const ada = await signUp(api, 'Ada Built');
    const boardId = (await createBoard(api, ada, 'Built board')).id;
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${baseUrl.replace('http', 'ws')}/yjs`, boardId, doc, {
      WebSocketPolyfill: cookieWebSocket(ada.cookie) as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    try {
      await waitForDoc(doc, (d) => boardView(d).columns.length === 4);
      const cardId = addCard(doc, { paperId: 'paper-1', columnId: boardView(doc).columns[0].id, addedBy: ada.user.id });
      await vi.waitFor(
        async () => {
          const cards = await api.inject({ url: `/api/boards/${boardId}/cards`, headers: { cookie: ada.cookie } });
          expect(cards.json().cards.map((c: { id: string }) => c.id)).toEqual([cardId]);
        },
        { timeout: 10_000, interval: 100 },
      );
      const vote = await api.inject({
        method: 'PUT',
        url: `/api/boards/${boardId}/cards/${cardId}/vote`,
        headers: { cookie: ada.cookie },
        payload: {},
      });
      expect(vote.statusCode, vote.body).toBe(200);
      expect(vote.json().tally).toEqual({ voters: 1, dots: 1 });
    } finally {
      provider.destroy();
    }

    // BibTeX is read on a worker thread: compiled JavaScript, started without any loader.
    const imported = await api.inject({
      method: 'POST',
      url: '/api/papers/import',
      headers: { cookie: ada.cookie },
      payload: { text: '@article{k, title={A Built Paper}, author={Lovelace, Ada}, year={1843}}', format: 'bibtex' },
    });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json().created).toHaveLength(1);

    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 120_000);

  it('compiles the server again at start when a source is newer than the build', async () => {
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(source, 'server/src/app.ts'), later, later);
    // An invalid setting stops the server right after the build: enough to see the build run.
    const child = start(source, { PORT: 'not-a-port', DATA_DIR: tempDir('paperboard-data-') });
    expect(await child.exited).toBe(1);
    expect(child.stdout()).toMatch(/compiling the server…[\s\S]*server compiled[\s\S]*PORT/);
  }, 120_000);
});
