import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { addCard, boardView, moveCard, readCard } from '../../shared/protocol/board-doc.js';
import { usingRealPostgres } from '../helpers/db.js';
import type { TestUser } from '../helpers/factories.js';
import { startTwoNodes, type TwoNodes } from '../helpers/nodes.js';
import { connectClient, waitForDoc, type SyncClient } from '../helpers/yjs.js';

// Two server nodes on one PostgreSQL database, each with its own connection pool, as two processes
// behind a load balancer would be. Embedded mode is single-node by design (no LISTEN/NOTIFY through
// pglite-socket), so this runs against real PostgreSQL only.
describe.skipIf(!usingRealPostgres)('two nodes on one database', () => {
  let two: TwoNodes;
  let nodes: TwoNodes['nodes'];
  let alice: TestUser;
  let bob: TestUser;
  let boardId: string;
  const clients: SyncClient[] = [];

  beforeAll(async () => {
    two = await startTwoNodes();
    ({ nodes, alice, bob, boardId } = two);
  });

  afterAll(async () => {
    for (const { provider } of clients) provider.destroy();
    await two?.close();
  });

  async function client(node: FastifyInstance, user: TestUser): Promise<SyncClient> {
    const connected = await connectClient(node, boardId, user);
    clients.push(connected);
    return connected;
  }

  it("shows each node's edits to the clients of the other", async () => {
    const onFirst = await client(nodes[0], alice);
    const onSecond = await client(nodes[1], bob);
    const cardId = addCard(onFirst.doc, {
      paperId: 'cross-node-paper',
      columnId: boardView(onFirst.doc).columns[0].id,
      addedBy: alice.user.id,
    });
    await waitForDoc(onSecond.doc, (doc) => readCard(doc, cardId) !== null);
    const read = boardView(onSecond.doc).columns[3].id;
    moveCard(onSecond.doc, cardId, { columnId: read });
    await waitForDoc(onFirst.doc, (doc) => readCard(doc, cardId)?.columnId === read);
    expect(boardView(onFirst.doc)).toEqual(boardView(onSecond.doc));
  });

  it("shows each node's presence to the clients of the other, with the server's identity", async () => {
    const onFirst = await client(nodes[0], alice);
    const onSecond = await client(nodes[1], bob);
    onFirst.provider.awareness.setLocalStateField('viewing', 'card-42');
    await new Promise<void>((resolve) => {
      const check = () => {
        const seen = [...onSecond.provider.awareness.getStates().values()].find((s) => s.viewing === 'card-42');
        if (!seen) return;
        expect(seen.user).toEqual({ id: alice.user.id, name: 'Alice' });
        onSecond.provider.awareness.off('change', check);
        resolve();
      };
      onSecond.provider.awareness.on('change', check);
      check();
    });
  });
});
