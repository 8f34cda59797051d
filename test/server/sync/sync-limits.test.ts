import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import { boardView } from '#shared/protocol/board-doc/view.js';
import { CLOSE_CODES } from '#shared/protocol/close-codes.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { addMember, createBoard, signUp, type TestUser } from '#test/helpers/factories.js';
import {
  connectClient,
  nextClose,
  openRawSocket,
  socketClosed,
  storedDoc,
  waitForDoc,
  type SyncClient,
} from '#test/helpers/yjs.js';

// What one member can make the sync server hold: a board's document has a size limit, and a client that
// asks for the document again and again without reading its socket is cut off.
const MiB = 1024 * 1024;
const BLOB = 900 * 1024; // under the 1 MiB message limit

let t: TestApp;
let owner: TestUser;
let editor: TestUser;
let viewer: TestUser;
const clients: SyncClient[] = [];

/** Fills a board with `count` updates of ~900 KB in a root map of its own (counted like any content). */
async function fill(client: SyncClient, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    client.doc.getMap('attachments').set(`blob-${i}`, String(i % 10).repeat(BLOB));
  }
}

async function storedBytes(boardId: string): Promise<number> {
  const [row] = await t.db.sql<{ bytes: string }[]>`
    select coalesce(sum(octet_length(update)), 0)::text as bytes from board_updates where board_id = ${boardId}`;
  return Number(row.bytes);
}

beforeAll(async () => {
  t = await buildTestApp({
    sync: { boardDocMaxBytes: 4 * MiB, noteDocMaxBytes: 256 * 1024, maxBufferedBytes: 16 * MiB },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  owner = await signUp(t.app, 'Owner');
  editor = await signUp(t.app, 'Editor');
  viewer = await signUp(t.app, 'Viewer');
}, 60_000);

afterAll(async () => {
  clients.forEach((c) => c.provider.destroy());
  await t.close();
});

describe('the size limit of a board document', () => {
  it('refuses the update that would pass it, before it is applied, broadcast or stored', async () => {
    const boardId = (await createBoard(t.app, owner, 'Full board')).id;
    await addMember(t.app, owner, boardId, editor, 'editor');
    const writer = await connectClient(t.app, boardId, editor);
    const reader = await connectClient(t.app, boardId, owner);
    clients.push(writer, reader);
    const closed = nextClose(writer.provider);
    // 4 × 900 KB fit under 4 MiB; the fifth does not.
    await fill(writer, 5);
    expect(await closed).toEqual({ code: CLOSE_CODES.boardFull.code, reason: CLOSE_CODES.boardFull.reason });

    // The others have the first four and not the fifth; neither has the database.
    await waitForDoc(reader.doc, (d) => d.getMap('attachments').size === 4);
    await t.app.sync.flushAll();
    const stored = await storedDoc(t.db.sql, boardId);
    expect([...stored.getMap('attachments').keys()].sort()).toEqual(['blob-0', 'blob-1', 'blob-2', 'blob-3']);
    expect(await storedBytes(boardId)).toBeLessThanOrEqual(4 * MiB);
    // The live document did not keep it either: a newcomer gets the same four.
    const late = await connectClient(t.app, boardId, owner);
    clients.push(late);
    expect(late.doc.getMap('attachments').size).toBe(4);
    expect(boardView(late.doc).columns).toHaveLength(4);

    // Deleting makes no room in this bound, but deletions themselves are accepted.
    late.doc.getMap('attachments').delete('blob-0');
    await waitForDoc(reader.doc, (d) => !d.getMap('attachments').has('blob-0'));
  }, 60_000);
});

describe('a client that asks for the document and does not read', () => {
  it('is cut off instead of buffering copy after copy, and the server gives the memory back', async () => {
    const boardId = (await createBoard(t.app, owner, 'Big board')).id;
    await addMember(t.app, owner, boardId, viewer, 'viewer');
    const writer = await connectClient(t.app, boardId, owner);
    clients.push(writer);
    await fill(writer, 4); // ~3.6 MB
    await waitForDoc(writer.doc, (d) => d.getMap('attachments').size === 4);
    await t.app.sync.flushAll();

    const opened = await openRawSocket(t.app, boardId, viewer.cookie);
    if (!('socket' in opened)) throw new Error(`refused with ${opened.status}`);
    const socket: WebSocket = opened.socket;
    const closed = socketClosed(socket);
    global.gc?.();
    const before = process.memoryUsage().rss;
    // Stop reading: the server's answers pile up on its side of the socket.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const stepOne = new Uint8Array([0, 0, 1, 0]); // sync step 1 with an empty state vector
    for (let i = 0; i < 200; i++) socket.send(stepOne);
    // Each answer is the whole document (3.6 MB): 200 of them would be ~700 MB. The connection is
    // terminated once 16 MiB wait for it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const grown = process.memoryUsage().rss - before;
    expect(grown).toBeLessThan(300 * MiB);
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(1006); // cut, not closed politely: a close frame would queue behind the rest
    // The others are unaffected.
    writer.doc.getMap('attachments').set('after', 'still writing');
    const reader = await connectClient(t.app, boardId, owner);
    clients.push(reader);
    await waitForDoc(reader.doc, (d) => d.getMap('attachments').get('after') === 'still writing');
  }, 60_000);

  it('answers repeated requests for the same state from one encoded copy', async () => {
    const boardId = (await createBoard(t.app, owner, 'Shared answers')).id;
    const writer = await connectClient(t.app, boardId, owner);
    clients.push(writer);
    await fill(writer, 1);
    await waitForDoc(writer.doc, (d) => d.getMap('attachments').size === 1);
    const board = (t.app.sync as unknown as { docs: Map<string, { syncAnswer(sv: Uint8Array): Uint8Array }> }).docs.get(
      boardId,
    )!;
    const empty = Y.encodeStateVector(new Map());
    expect(board.syncAnswer(empty)).toBe(board.syncAnswer(empty));
    const partial = Y.encodeStateVector(new Map([[writer.doc.clientID, 1]]));
    expect(board.syncAnswer(partial)).toBe(board.syncAnswer(partial));
    // A new version of the document is answered anew.
    const first = board.syncAnswer(partial);
    writer.doc.getMap('attachments').set('more', 'x');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(board.syncAnswer(partial)).not.toBe(first);
  }, 30_000);
});
