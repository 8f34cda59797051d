import fs from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCard, boardView, moveCard, readCard } from '../../shared/protocol/board-doc.js';
import { buildApp } from '../../server/src/app.js';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase, usingRealPostgres } from '../helpers/db.js';
import { addMember, createBoard, signUp, type TestUser } from '../helpers/factories.js';
import { connectClient, waitForDoc, type SyncClient } from '../helpers/yjs.js';
import type { Database } from '../../server/src/db/connect.js';

// Two server nodes on one PostgreSQL database, each with its own connection pool, as two processes
// behind a load balancer would be. Embedded mode is single-node by design (no LISTEN/NOTIFY through
// pglite-socket), so this runs against real PostgreSQL only.
describe.skipIf(!usingRealPostgres)('two nodes on one database', () => {
  let db: Database & { url: string };
  let secondSql: postgres.Sql;
  let nodes: FastifyInstance[];
  let alice: TestUser;
  let bob: TestUser;
  let boardId: string;
  const clients: SyncClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    secondSql = postgres(db.url, { transform: postgres.camel, max: 5, onnotice: () => {} });
    const configs = [testConfig(), testConfig()];
    nodes = [
      await buildApp({ config: configs[0], sql: db.sql, bus: 'postgres' }),
      await buildApp({ config: configs[1], sql: secondSql, bus: 'postgres' }),
    ];
    for (const node of nodes) await node.listen({ port: 0, host: '127.0.0.1' });
    alice = await signUp(nodes[0], 'Alice');
    bob = await signUp(nodes[1], 'Bob');
    boardId = (await createBoard(nodes[0], alice)).id;
    await addMember(nodes[0], alice, boardId, bob, 'editor');
    configs.forEach((c) => fs.rmSync(c.dataDir, { recursive: true, force: true }));
  });

  afterAll(async () => {
    for (const { provider } of clients) provider.destroy();
    for (const node of nodes ?? []) await node.close();
    await secondSql?.end();
    await db?.close();
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
