import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { addCard, addComment, moveCard } from '#shared/protocol/board-doc/edits.js';
import { readCard } from '#shared/protocol/board-doc/model.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import crypto from 'node:crypto';
import { buildApp } from '#server/app.js';
import { appendBoardUpdates } from '#server/sync/board-updates.repository.js';
import { buildTestApp, type TestApp } from '#test/helpers/app.js';
import { createBoard, signUp } from '#test/helpers/factories.js';
import { CLOSE_CODES } from '#shared/protocol/close-codes.js';
import { connectClient, logRows, nextClose, storedDoc, waitForDoc, type SyncClient } from '#test/helpers/yjs.js';

// y-websocket adds a process 'exit' listener per provider; the cycle test runs 20 at once.
process.setMaxListeners(64);

let t: TestApp | null = null;
let extraApp: FastifyInstance | null = null;

async function start(): Promise<TestApp> {
  t = await buildTestApp();
  t.app.sync.settings.idleUnloadMs = 20;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return t;
}

afterEach(async () => {
  if (extraApp) await extraApp.close();
  extraApp = null;
  if (t) await t.close();
  t = null;
});

const stateOf = (doc: Y.Doc) => ({
  view: boardView(doc),
  cards: doc.getMap('cards').toJSON(),
  comments: doc.getMap('comments').toJSON(),
});

async function disconnectAll(app: FastifyInstance, clients: SyncClient[]) {
  for (const { provider } of clients) provider.destroy();
  // Unloading writes what is left and may compact first (a merge on the helper thread): seconds when
  // other suites load both cores (a CI dry run took over 5).
  await vi.waitFor(() => expect(app.sync.loadedCount).toBe(0), { timeout: 30_000, interval: 10 });
}

// Other suites share these two cores: the time bounds are generous.
describe('persistence', { timeout: 60_000 }, () => {
  it('writes an update to board_updates within about 50 ms of its arrival', async () => {
    const { app, db } = await start();
    const owner = await signUp(app, 'Owner');
    const { id: boardId } = await createBoard(app, owner);
    const client = await connectClient(app, boardId, owner);
    const before = await logRows(db.sql, boardId);
    addCard(client.doc, { paperId: 'p', columnId: boardView(client.doc).columns[0].id, addedBy: owner.user.id });
    await vi.waitFor(async () => expect(await logRows(db.sql, boardId)).toBe(before + 1), {
      timeout: 2000,
      interval: 5,
    });
    // The server's own measure, from applying the update to its commit: ~50 ms plus the insert. The
    // bound is loose because test machines run several suites at once.
    const lag = await app.metrics.getSingleMetric('sync_persist_lag_seconds')!.get();
    const value = (name: string) =>
      (lag.values as { metricName?: string; value: number }[]).find((sample) => sample.metricName === name)!.value;
    expect(value('sync_persist_lag_seconds_count')).toBe(1);
    expect(value('sync_persist_lag_seconds_sum')).toBeGreaterThanOrEqual(0.04);
    expect(value('sync_persist_lag_seconds_sum')).toBeLessThan(0.5);
    await disconnectAll(app, [client]);
  });

  it('writes the updates of every busy board in one statement per group-commit tick', async () => {
    const { app, db } = await start();
    // A wide window, so that both edits surely fall in the same tick.
    app.sync.settings.groupCommitMs = 400;
    const owner = await signUp(app, 'Owner');
    const boards = [await createBoard(app, owner, 'One'), await createBoard(app, owner, 'Two')];
    const clients = await Promise.all(boards.map((board) => connectClient(app, board.id, owner)));
    const announced: string[][] = [];
    app.bus.subscribe((message) => {
      if (message.kind === 'updates') announced.push(message.boards.map((rows) => rows.boardId));
    });
    for (const client of clients) {
      addCard(client.doc, { paperId: 'p', columnId: boardView(client.doc).columns[0].id, addedBy: owner.user.id });
    }
    const newestRows = () => db.sql<{ boardId: string; tx: string }[]>`
      select distinct on (board_id) board_id, xmin::text as tx from board_updates
      where board_id in ${db.sql(boards.map((b) => b.id))} order by board_id, id desc`;
    await vi.waitFor(async () => expect(await newestRows()).toHaveLength(2), { timeout: 5000, interval: 20 });
    await vi.waitFor(
      async () => {
        const rows = await newestRows();
        // Each board's card row, written by one transaction for both boards.
        expect(await logRows(db.sql, boards[0].id)).toBe(2);
        expect(await logRows(db.sql, boards[1].id)).toBe(2);
        expect(rows[0].tx).toBe(rows[1].tx);
        // Other nodes hear of both boards in one message.
        expect(announced).toEqual([expect.arrayContaining(boards.map((b) => b.id))]);
      },
      { timeout: 5000, interval: 20 },
    );
    await disconnectAll(app, clients);
  });

  it('writes a batch too large for one statement all or nothing', async () => {
    const { app, db } = await start();
    const owner = await signUp(app, 'Owner');
    const { id: boardId } = await createBoard(app, owner);
    const before = await logRows(db.sql, boardId);
    const updates = Array.from({ length: 10_001 }, (_, i) => {
      const doc = new Y.Doc();
      doc.getMap('bulk').set('i', i);
      return Y.encodeStateAsUpdate(doc);
    });
    // Its second statement names a board that does not exist: the first one's rows are rolled back.
    await expect(
      appendBoardUpdates(db.sql, [
        { boardId, updates: updates.slice(0, 10_000) },
        { boardId: crypto.randomUUID(), updates: updates.slice(10_000) },
      ]),
    ).rejects.toThrow();
    expect(await logRows(db.sql, boardId)).toBe(before);
    const ranges = await appendBoardUpdates(db.sql, [{ boardId, updates }]);
    expect(await logRows(db.sql, boardId)).toBe(before + updates.length);
    const range = ranges.get(boardId)!;
    expect(BigInt(range.to) - BigInt(range.from)).toBe(BigInt(updates.length - 1));
  });

  it("keeps writing the other boards' updates when one board's write fails, and drops a deleted board", async () => {
    const { app, db } = await start();
    app.sync.settings.groupCommitMs = 400;
    const owner = await signUp(app, 'Owner');
    const doomed = await createBoard(app, owner, 'Doomed');
    const kept = await createBoard(app, owner, 'Kept');
    const clients = [await connectClient(app, doomed.id, owner), await connectClient(app, kept.id, owner)];
    const before = await logRows(db.sql, kept.id);
    const doomedClosed = nextClose(clients[0].provider);
    for (const client of clients) {
      addCard(client.doc, { paperId: 'p', columnId: boardView(client.doc).columns[0].id, addedBy: owner.user.id });
    }
    // Behind the server's back (no membership message), so that its queued update for this board can no
    // longer be inserted.
    await db.sql`delete from boards where id = ${doomed.id}`;
    await vi.waitFor(async () => expect(await logRows(db.sql, kept.id)).toBe(before + 1), {
      timeout: 5000,
      interval: 20,
    });
    expect(await logRows(db.sql, doomed.id)).toBe(0);
    // The deleted board's document is dropped at once (not retried every second while its client stays)
    // and its client told; the other board stays loaded and keeps writing in the shared statement.
    const timeout = new Promise<{ code: number }>((resolve) => setTimeout(() => resolve({ code: 0 }), 5000));
    expect((await Promise.race([doomedClosed, timeout])).code).toBe(CLOSE_CODES.membershipChanged.code);
    expect(app.sync.peek(doomed.id)).toBeNull();
    expect(app.sync.peek(kept.id)).not.toBeNull();
    const keptClient = clients[1];
    addCard(keptClient.doc, {
      paperId: 'q',
      columnId: boardView(keptClient.doc).columns[0].id,
      addedBy: owner.user.id,
    });
    await vi.waitFor(async () => expect(await logRows(db.sql, kept.id)).toBe(before + 2), {
      timeout: 5000,
      interval: 20,
    });
    for (const { provider } of clients) provider.destroy();
  });

  it('serves the same document from a fresh app instance after every client left (restart keeps it intact)', async () => {
    const { app, db, config } = await start();
    const owner = await signUp(app, 'Owner');
    const { id: boardId } = await createBoard(app, owner);
    const a = await connectClient(app, boardId, owner);
    const columns = boardView(a.doc).columns;
    const cardId = addCard(a.doc, { paperId: 'p1', columnId: columns[0].id, addedBy: owner.user.id });
    moveCard(a.doc, cardId, { columnId: columns[1].id });
    addComment(a.doc, { cardId, authorId: owner.user.id, body: 'Survives a restart' });
    const expected = stateOf(a.doc);
    await disconnectAll(app, [a]);
    await app.close();

    extraApp = await buildApp({ config, sql: db.sql });
    await extraApp.listen({ port: 0, host: '127.0.0.1' });
    const b = await connectClient(extraApp, boardId, owner);
    expect(stateOf(b.doc)).toEqual(expected);
    await disconnectAll(extraApp, [b]);
  });

  it(
    'compacts the log of a busy board after 10,000 updates to a bounded number of rows and reloads the same document',
    { timeout: 240_000 },
    async () => {
      const { app, db } = await start();
      app.sync.settings.compactThreshold = 50;
      app.sync.settings.rateLimit = { perSecond: 1_000_000, burst: 1_000_000 };
      const owner = await signUp(app, 'Owner');
      const { id: boardId } = await createBoard(app, owner);
      const a = await connectClient(app, boardId, owner);
      const b = await connectClient(app, boardId, owner);
      const columns = boardView(a.doc).columns.map((column) => column.id);
      const cardId = addCard(a.doc, { paperId: 'p', columnId: columns[0], addedBy: owner.user.id });
      const updates = 10_000;
      for (let i = 0; i < updates; i++) moveCard(a.doc, cardId, { columnId: columns[i % columns.length] });
      const last = columns[(updates - 1) % columns.length];
      a.doc.getMap('meta').set('done', true);
      await waitForDoc(
        b.doc,
        (doc) => doc.getMap('meta').get('done') === true && readCard(doc, cardId)?.columnId === last,
      );
      await app.sync.flushAll();
      expect(await logRows(db.sql, boardId)).toBeLessThanOrEqual(50);
      expect(stateOf(await storedDoc(db.sql, boardId))).toEqual(stateOf(a.doc));
      await disconnectAll(app, [a, b]);
      const reloaded = await connectClient(app, boardId, owner);
      expect(stateOf(reloaded.doc)).toEqual(stateOf(a.doc));
      await disconnectAll(app, [reloaded]);
    },
  );

  it('starts the merge thread once a log is halfway to its first compaction, not before', async () => {
    const { app } = await start();
    // Compaction at a random point between 20 and 40 rows: the thread starts between 10 and 20.
    app.sync.settings.compactThreshold = 40;
    const owner = await signUp(app, 'Owner');
    const { id: boardId } = await createBoard(app, owner);
    const a = await connectClient(app, boardId, owner);
    const columns = boardView(a.doc).columns.map((column) => column.id);
    const cardId = addCard(a.doc, { paperId: 'p', columnId: columns[0], addedBy: owner.user.id });
    const moves = async (count: number) => {
      for (let i = 0; i < count; i++) moveCard(a.doc, cardId, { columnId: columns[(i + 1) % columns.length] });
      a.doc.getMap('meta').set('at', count);
      // Written once the stored log has the marker (every update before it is written with or before it).
      await vi.waitFor(async () => {
        await app.sync.flushAll();
        expect((await storedDoc(app.sql, boardId)).getMap('meta').get('at')).toBe(count);
      });
    };
    await moves(4); // 7 rows: the new board's, the card, 4 moves, the marker
    expect(app.sync.mergeThreadRunning).toBe(false);
    await moves(12); // 20 rows: past half of any compaction point, and no compaction yet (that needs > 20)
    expect(await logRows(app.sql, boardId)).toBe(20);
    expect(app.sync.mergeThreadRunning).toBe(true);
    await disconnectAll(app, [a]);
  });

  it(
    'leaves no document loaded after 1,000 connect/disconnect cycles over 50 boards',
    { timeout: 240_000 },
    async () => {
      const { app } = await start();
      const owner = await signUp(app, 'Owner');
      const boards = await Promise.all(Array.from({ length: 50 }, (_, i) => createBoard(app, owner, `Board ${i}`)));
      const cycles = 1000;
      const parallel = 20;
      for (let round = 0; round < cycles / parallel; round++) {
        const clients = await Promise.all(
          Array.from({ length: parallel }, (_, i) =>
            connectClient(app, boards[(round * parallel + i) % boards.length].id, owner),
          ),
        );
        for (const { provider } of clients) provider.destroy();
      }
      // Unloading writes what is left and may compact first (a merge on the helper thread): seconds when
      // other suites load both cores (a CI dry run took over 5).
      await vi.waitFor(() => expect(app.sync.loadedCount).toBe(0), { timeout: 30_000, interval: 10 });
      const metrics = await app.metrics.getSingleMetricAsString('sync_loaded_docs');
      expect(metrics).toMatch(/sync_loaded_docs 0/);
      expect((await app.metrics.getSingleMetric('sync_connections')!.get()).values[0].value).toBe(0);
    },
  );
});
