import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { addCard, moveCard } from '#shared/protocol/board-doc/edits.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { NOTE_ROOT, noteRoom } from '#shared/protocol/notes.js';
import { noteMarkdown } from '#server/features/notes/notes.service.js';
import { openDatabase, type Database } from '#server/db/connect.js';
import { createTestDatabase, usingRealPostgres } from '#test/helpers/db.js';
import { runScript, type Child } from '#test/helpers/process.js';
import { cookieWebSocket, storedDoc, waitForDoc } from '#test/helpers/yjs.js';

// A server child process killed with SIGKILL in the middle of a stream of edits from clients that
// stay up: after the restart they reconnect by themselves, re-send what the server lost, and in the
// end every edit is in the database and all replicas are identical.
const EDITS = 60;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

let dataDir: string;
let db: (Database & { url: string }) | null = null;
let env: Record<string, string>;
let server: Child;
let baseUrl: string;

async function startServer(): Promise<void> {
  server = runScript('server/src/main.ts', [], env);
  await server.waitFor(/Paperboard is ready/);
}

/** The embedded PostgreSQL's processes: the postmaster (from its pid file) and its children. */
function databaseProcesses(): number[] {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // "pid (comm) state ppid ...": the parent is the fourth field after the name.
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

async function api(
  pathname: string,
  body: object | null,
  cookie = '',
): Promise<{ json: Record<string, unknown>; cookie: string }> {
  const res = await fetch(`${baseUrl}${pathname}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', cookie },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(res.status, pathname).toBeLessThan(300);
  return {
    json: (await res.json()) as Record<string, unknown>,
    cookie: res.headers.get('set-cookie')?.split(';')[0] ?? '',
  };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-crash-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  env = { DATA_DIR: dataDir, PORT: String(port), SEED_DEMO: 'false', PASSWORD_HASH_COST: '10', DATABASE_URL: '' };
  if (usingRealPostgres) {
    db = await createTestDatabase();
    env.DATABASE_URL = db.url;
  }
  await startServer();
}, 120_000);

afterAll(async () => {
  if (server?.proc.exitCode === null) server.proc.kill('SIGKILL');
  await db?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('crash safety', () => {
  it('keeps every edit across a kill -9 while clients keep editing', async () => {
    const alice = await api('/api/auth/signup', {
      email: 'alice@example.org',
      password: 'long enough pw',
      name: 'Alice',
    });
    const board = await api('/api/boards', { name: 'Crash club' }, alice.cookie);
    const boardId = board.json.id as string;
    const aliceId = (alice.json.user as { id: string }).id;

    const docs = [new Y.Doc(), new Y.Doc()];
    const providers = docs.map(
      (doc) =>
        new WebsocketProvider(`${baseUrl.replace('http', 'ws')}/yjs`, boardId, doc, {
          WebSocketPolyfill: cookieWebSocket(alice.cookie) as unknown as typeof globalThis.WebSocket,
          disableBc: true,
          maxBackoffTime: 200,
        }),
    );
    try {
      await Promise.all(docs.map((doc) => waitForDoc(doc, (d) => boardView(d).columns.length === 4)));
      const column = boardView(docs[0]).columns[0].id;
      for (let i = 0; i < EDITS; i++) {
        // Alternate writers so that both clients hold edits the server may not have stored yet.
        addCard(docs[i % 2], {
          paperId: `paper-${i}`,
          columnId: column,
          addedBy: aliceId,
        });
        if (i === EDITS / 2) {
          server.proc.kill('SIGKILL');
          expect(await server.exited).toBeNull();
          await startServer();
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const allCards = (d: Y.Doc) => boardView(d).columns[0].cards.length === EDITS;
      await Promise.all(docs.map((doc) => waitForDoc(doc, allCards)));
      expect(boardView(docs[0])).toEqual(boardView(docs[1]));

      // A graceful stop flushes the log; then the database alone must hold every edit.
      const expected = boardView(docs[0]);
      server.proc.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const reader = db ?? (await openDatabase({ databaseUrl: null, dataDir }));
      try {
        expect(boardView(await storedDoc(reader.sql, boardId))).toEqual(expected);
      } finally {
        if (!db) await reader.close();
      }
    } finally {
      providers.forEach((p) => p.destroy());
    }
  }, 120_000);

  it('keeps every committed edit across kill -9 of the server and of its database, with no client left to re-send', async () => {
    if (server.proc.exitCode !== null) await startServer();
    const bob = await api('/api/auth/signup', { email: 'bob@example.org', password: 'long enough pw', name: 'Bob' });
    const boardId = (await api('/api/boards', { name: 'Durable club' }, bob.cookie)).json.id as string;
    const bobId = (bob.json.user as { id: string }).id;
    const connect = (doc: Y.Doc) =>
      new WebsocketProvider(`${baseUrl.replace('http', 'ws')}/yjs`, boardId, doc, {
        WebSocketPolyfill: cookieWebSocket(bob.cookie) as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      });
    const docs = [new Y.Doc(), new Y.Doc()];
    const providers = docs.map(connect);
    let expected: ReturnType<typeof boardView>;
    try {
      await Promise.all(docs.map((doc) => waitForDoc(doc, (d) => boardView(d).columns.length === 4)));
      const [first, second] = boardView(docs[0]).columns;
      for (let i = 0; i < EDITS; i++) {
        const cardId = addCard(docs[i % 2], { paperId: `paper-${i}`, columnId: first.id, addedBy: bobId });
        if (i % 3 === 0) moveCard(docs[i % 2], cardId, { columnId: second.id });
      }
      await Promise.all(
        docs.map((doc) =>
          waitForDoc(doc, (d) => boardView(d).columns[0].cards.length + boardView(d).columns[1].cards.length === EDITS),
        ),
      );
      expected = boardView(docs[0]);
      // The projection is written after the update log has committed: once it shows every card where
      // the clients put it, the server has stored every edit.
      await vi.waitFor(
        async () => {
          const { json } = await api(`/api/boards/${boardId}/cards`, null, bob.cookie);
          const placed = (json.cards as { id: string; columnId: string }[]).map((c) => `${c.id}@${c.columnId}`).sort();
          const wanted = expected.columns.flatMap((c) => c.cards.map((card) => `${card.id}@${c.id}`)).sort();
          expect(placed).toEqual(wanted);
        },
        { timeout: 20_000, interval: 100 },
      );
    } finally {
      // Disconnected before the kill: nothing the server lost could come back from a client.
      providers.forEach((p) => p.destroy());
    }

    const database = db ? [] : databaseProcesses();
    server.proc.kill('SIGKILL');
    expect(await server.exited).toBeNull();
    // Embedded: the postmaster, checkpointer, writers, backends… (a server of DATABASE_URL is not ours to kill).
    if (!db) expect(database.length).toBeGreaterThan(3);
    for (const pid of database) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // a backend that left as its postmaster died
      }
    }

    await startServer();
    const fresh = new Y.Doc();
    const reader = connect(fresh);
    try {
      await waitForDoc(fresh, (d) => boardView(d).columns.length === 4 && boardView(d).columns[0].cards.length > 0);
      expect(boardView(fresh)).toEqual(expected);
    } finally {
      reader.destroy();
    }
  }, 120_000);

  it("keeps every keystroke of a card's note across a kill -9 while two writers keep typing", async () => {
    if (server.proc.exitCode !== null) await startServer();
    const carol = await api('/api/auth/signup', {
      email: 'carol@example.org',
      password: 'long enough pw',
      name: 'Carol',
    });
    const boardId = (await api('/api/boards', { name: 'Noted club' }, carol.cookie)).json.id as string;
    const paperId = (await api('/api/papers', { title: 'A paper with notes' }, carol.cookie)).json.id as string;
    const cardId = (await api(`/api/boards/${boardId}/cards`, { paperId }, carol.cookie)).json.cardId as string;
    const docs = [new Y.Doc(), new Y.Doc()];
    const providers = docs.map(
      (doc) =>
        new WebsocketProvider(`${baseUrl.replace('http', 'ws')}/yjs`, noteRoom(boardId, cardId), doc, {
          WebSocketPolyfill: cookieWebSocket(carol.cookie) as unknown as typeof globalThis.WebSocket,
          disableBc: true,
          maxBackoffTime: 200,
        }),
    );
    const words = Array.from({ length: EDITS }, (_, i) => `w${i};`);
    let expected = '';
    try {
      await Promise.all(providers.map((p) => new Promise((resolve) => p.once('sync', resolve))));
      for (let i = 0; i < EDITS; i++) {
        // Each writer appends to the end of their own replica: both hold words the server may not have yet.
        const text = docs[i % 2].getText(NOTE_ROOT);
        text.insert(text.length, words[i]);
        if (i === EDITS / 2) {
          server.proc.kill('SIGKILL');
          expect(await server.exited).toBeNull();
          await startServer();
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const complete = (d: Y.Doc) => words.every((word) => d.getText(NOTE_ROOT).toString().includes(word));
      await Promise.all(docs.map((doc) => waitForDoc(doc, complete)));
      expected = docs[0].getText(NOTE_ROOT).toString();
      expect(docs[1].getText(NOTE_ROOT).toString()).toBe(expected);
      // The export reads notes from the update log: once it has the whole text, every edit is committed.
      const committed = JSON.stringify(expected);
      await vi.waitFor(
        async () => {
          const { json } = await api(`/api/boards/${boardId}/export?format=json`, null, carol.cookie);
          expect(JSON.stringify(json)).toContain(committed);
        },
        { timeout: 20_000, interval: 100 },
      );
    } finally {
      // Disconnected before the second kill: nothing can be sent again, so the database alone must hold
      // every word both clients saw (the first kill, mid-typing, shows the clients' own merge on reconnect).
      providers.forEach((p) => p.destroy());
    }
    server.proc.kill('SIGKILL');
    expect(await server.exited).toBeNull();
    const reader = db ?? (await openDatabase({ databaseUrl: null, dataDir }));
    try {
      expect(await noteMarkdown(reader.sql, boardId, cardId)).toBe(expected);
    } finally {
      if (!db) await reader.close();
    }
  }, 120_000);
});
