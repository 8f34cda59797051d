import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { addCard } from '#shared/protocol/board-doc/edits.js';
import { readCard } from '#shared/protocol/board-doc/model.js';
import { boardView } from '#shared/protocol/board-doc/view.js';
import type { BusMessage } from '#server/sync/bus.js';
import { describeOnEachBus, startTwoNodes, type NodeBus, type TwoNodes } from '#test/helpers/nodes.js';
import { connectClient, storedDoc, waitForDoc, type SyncClient } from '#test/helpers/yjs.js';

// Updates cross nodes at once, in the bus message itself (issue #21): before they are stored, with the
// update log as the truth a node falls back on when messages are lost, and the receiving node storing
// what it passed on when the sender does not announce it stored.

let two: TwoNodes | null = null;
const clients: SyncClient[] = [];

afterEach(async () => {
  for (const { provider } of clients.splice(0)) provider.destroy();
  await two?.close();
  two = null;
});

async function start(
  bus: NodeBus,
): Promise<{ nodes: TwoNodes['nodes']; writer: SyncClient; reader: SyncClient; boardId: string }> {
  two = await startTwoNodes({ bus });
  const { nodes, alice, bob, boardId } = two;
  const writer = await connectClient(nodes[0], boardId, alice);
  const reader = await connectClient(nodes[1], boardId, bob);
  clients.push(writer, reader);
  return { nodes, writer, reader, boardId };
}

async function counter(app: FastifyInstance, name: string): Promise<number> {
  const metric = await app.metrics.getSingleMetric(name)?.get();
  return metric?.values[0]?.value ?? 0;
}

/** Drops the messages `drop` picks that `node` sends (every other node misses them); `delete` undoes it. */
function dropSent(node: FastifyInstance, drop: (message: BusMessage) => boolean): void {
  const publish = node.bus.publish.bind(node.bus);
  node.bus.publish = (message) => (drop(message) ? Promise.resolve() : publish(message));
}

/** Adds a card as the writer (Alice: the server checks that a card's `addedBy` is its sender). */
const cardOf = (client: SyncClient, paperId: string) =>
  addCard(client.doc, { paperId, columnId: boardView(client.doc).columns[0].id, addedBy: two!.alice.user.id });

describeOnEachBus('updates across nodes', (bus) => {
  it('reach the clients of the other node before the writing node has stored them', async () => {
    const { nodes, writer, reader, boardId } = await start(bus);
    // The writer's node holds its commits for ten seconds: only the bus message can carry the edit.
    nodes[0].sync.settings.groupCommitMs = 10_000;
    const before = performance.now();
    const cardId = cardOf(writer, 'fast-paper');
    await waitForDoc(reader.doc, (doc) => readCard(doc, cardId) !== null);
    expect(performance.now() - before).toBeLessThan(5_000);
    expect(readCard(await storedDoc(nodes[0].sql, boardId), cardId)).toBeNull();
    expect(await counter(nodes[1], 'sync_remote_reads_total')).toBe(0);
  });

  it('read nothing from the log when every update arrived whole', async () => {
    const { nodes, writer, reader } = await start(bus);
    const cards = Array.from({ length: 10 }, (_, i) => cardOf(writer, `paper-${i}`));
    await waitForDoc(reader.doc, (doc) => cards.every((id) => readCard(doc, id) !== null));
    await nodes[0].sync.flushAll();
    expect(await counter(nodes[1], 'sync_remote_reads_total')).toBe(0);
  });

  it('reach the other node through the log when the bus loses the update messages', async () => {
    const { nodes, writer, reader } = await start(bus);
    let dropped = 0;
    dropSent(nodes[0], (message) => message.kind === 'update' && ++dropped % 2 === 1);
    const cards = Array.from({ length: 6 }, (_, i) => cardOf(writer, `lost-${i}`));
    await waitForDoc(reader.doc, (doc) => cards.every((id) => readCard(doc, id) !== null));
    expect(dropped).toBeGreaterThan(0);
    expect(await counter(nodes[1], 'sync_remote_reads_total')).toBeGreaterThan(0);
    expect(boardView(reader.doc)).toEqual(boardView(writer.doc));
  });

  it('catch up from the log when both an update and the announcement of its rows are lost', async () => {
    const { nodes, writer, reader } = await start(bus);
    const first = cardOf(writer, 'seen-first');
    await waitForDoc(reader.doc, (doc) => readCard(doc, first) !== null);
    await nodes[0].sync.flushAll();
    // Everything about the next edit is lost on the way.
    dropSent(nodes[0], (message) => message.kind === 'update' || message.kind === 'updates');
    const lost = cardOf(writer, 'lost-entirely');
    await nodes[0].sync.flushAll();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(readCard(reader.doc, lost)).toBeNull();
    const readsBefore = await counter(nodes[1], 'sync_remote_reads_total');
    // The bus works again; the next edit's announcement shows the stream skipped a span.
    delete (nodes[0].bus as Partial<(typeof nodes)[0]['bus']>).publish;
    const next = cardOf(writer, 'after-the-loss');
    await waitForDoc(reader.doc, (doc) => readCard(doc, next) !== null && readCard(doc, lost) !== null);
    expect(await counter(nodes[1], 'sync_remote_reads_total')).toBeGreaterThan(readsBefore);
  });

  it('are stored by the receiving node when the sender does not store them (it died before its commit)', async () => {
    const { nodes, writer, reader, boardId } = await start(bus);
    nodes[1].sync.settings.remoteBackstopMs = 300;
    // The writer's node never commits within the test, as if killed before its group commit.
    nodes[0].sync.settings.groupCommitMs = 60_000;
    const cardId = cardOf(writer, 'kept-by-the-other-node');
    await waitForDoc(reader.doc, (doc) => readCard(doc, cardId) !== null);
    await expect
      .poll(async () => readCard(await storedDoc(nodes[1].sql, boardId), cardId) !== null, { timeout: 10_000 })
      .toBe(true);
    expect(await counter(nodes[1], 'sync_remote_backstop_total')).toBeGreaterThan(0);
  });

  it('send nothing at once while no other node is up, and only announce the rows', async () => {
    const { nodes, writer, boardId } = await start(bus);
    await nodes[1].close();
    const kinds: string[] = [];
    const publish = nodes[0].bus.publish.bind(nodes[0].bus);
    nodes[0].bus.publish = (message) => {
      kinds.push(message.kind);
      return publish(message);
    };
    const cardId = cardOf(writer, 'alone');
    await waitForDoc(nodes[0].sync.peek(boardId)!, (doc) => readCard(doc, cardId) !== null);
    await nodes[0].sync.flushAll();
    expect(kinds).toContain('updates');
    expect(kinds).not.toContain('update');
  });
});
