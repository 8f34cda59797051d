import fs from 'node:fs';
import postgres from 'postgres';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '#server/app.js';
import type { Database } from '#server/db/connect.js';
import { testConfig } from './app.js';
import { createTestDatabase } from './db.js';
import { addMember, createBoard, signUp, type TestUser } from './factories.js';

/** Two server nodes sharing one real PostgreSQL database, a board and its two members. */
export interface TwoNodes {
  nodes: [FastifyInstance, FastifyInstance];
  /** Owner, signed up through node 0. */
  alice: TestUser;
  /** Editor, signed up through node 1. */
  bob: TestUser;
  boardId: string;
  close(): Promise<void>;
}

/**
 * Starts two nodes on one fresh database, each with its own connection pool and the Postgres bus, as
 * two processes behind a load balancer would be; both listen on port 0.
 */
export async function startTwoNodes(): Promise<TwoNodes> {
  const db: Database & { url: string } = await createTestDatabase();
  const secondSql = postgres(db.url, { transform: postgres.camel, max: 5, onnotice: () => {} });
  const configs = [testConfig(), testConfig()];
  const nodes: [FastifyInstance, FastifyInstance] = [
    await buildApp({ config: configs[0], sql: db.sql, bus: 'postgres' }),
    await buildApp({ config: configs[1], sql: secondSql, bus: 'postgres' }),
  ];
  for (const node of nodes) await node.listen({ port: 0, host: '127.0.0.1' });
  const alice = await signUp(nodes[0], 'Alice');
  const bob = await signUp(nodes[1], 'Bob');
  const boardId = (await createBoard(nodes[0], alice)).id;
  await addMember(nodes[0], alice, boardId, bob, 'editor');
  return {
    nodes,
    alice,
    bob,
    boardId,
    async close() {
      for (const node of nodes) await node.close();
      await secondSql.end();
      await db.close();
      configs.forEach((c) => fs.rmSync(c.dataDir, { recursive: true, force: true }));
    },
  };
}
