import fs from 'node:fs';
import postgres from 'postgres';
import type { FastifyInstance } from 'fastify';
import { describe } from 'vitest';
import { buildApp } from '#server/app.js';
import type { Database } from '#server/db/connect.js';
import { testConfig } from './app.js';
import { createTestDatabase } from './db.js';
import { addMember, createBoard, signUp, type TestUser } from './factories.js';
import { describeWithRedis, startRedis, type TestRedis } from './redis.js';

/** The buses between nodes; every two-node suite runs on each. */
export type NodeBus = 'postgres' | 'redis';

/** Two server nodes sharing one real PostgreSQL database, a board and its two members. */
export interface TwoNodes {
  nodes: [FastifyInstance, FastifyInstance];
  /** Owner, signed up through node 0. */
  alice: TestUser;
  /** Editor, signed up through node 1. */
  bob: TestUser;
  boardId: string;
  /** The Redis both nodes use (the Redis bus only). */
  redis: TestRedis | null;
  close(): Promise<void>;
}

/**
 * `describe` once per bus: the same tests on the PostgreSQL bus and on the Redis bus (skipped with a
 * note where there is no Redis to test with, except in CI).
 */
export function describeOnEachBus(name: string, suite: (bus: NodeBus) => void): void {
  describe(`${name} (PostgreSQL bus)`, () => suite('postgres'));
  describeWithRedis(`${name} (Redis bus)`, () => suite('redis'));
}

/**
 * Starts two nodes on one fresh database, each with its own connection pool, as two processes behind a
 * load balancer would be; both listen on port 0. They talk through the Postgres bus, or with
 * `bus: 'redis'` through a Redis of their own (REDIS_URL, or a `redis-server` started here) for the bus
 * and socket.io's adapter.
 */
export async function startTwoNodes(options: { bus?: NodeBus } = {}): Promise<TwoNodes> {
  const bus = options.bus ?? 'postgres';
  const redis = bus === 'redis' ? await startRedis() : null;
  const db: Database & { url: string } = await createTestDatabase();
  const secondSql = postgres(db.url, { transform: postgres.camel, max: 5, onnotice: () => {} });
  const redisConfig = redis ? { redisUrl: redis.url, redisPrefix: redis.prefix } : {};
  const configs = [testConfig(redisConfig), testConfig(redisConfig)];
  const nodes: [FastifyInstance, FastifyInstance] = [
    await buildApp({ config: configs[0], sql: db.sql, bus }),
    await buildApp({ config: configs[1], sql: secondSql, bus }),
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
    redis,
    async close() {
      for (const node of nodes) await node.close();
      await secondSql.end();
      await db.close();
      await redis?.stop();
      configs.forEach((c) => fs.rmSync(c.dataDir, { recursive: true, force: true }));
    },
  };
}
