import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '#server/config.js';
import { buildApp } from '#server/app.js';
import type { Database } from '#server/db/connect.js';
import { createTestDatabase } from './db.js';

/** A test configuration: a temporary data dir, no demo data, no arXiv politeness delay. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperboard-test-'));
  return {
    ...loadConfig({ DATA_DIR: dataDir, PORT: '0' }),
    seedDemo: false,
    arxivMinIntervalMs: 0,
    // Real scrypt, at the lowest accepted cost: tests sign up hundreds of users.
    passwordHashCost: 10,
    authRateLimit: { perIp: 100_000, perEmailIp: 100_000, perEmail: 100_000, windowSeconds: 900 },
    // Test files create boards and sockets by the hundred as one user; quotas.test.ts sets its own.
    quotas: {
      boardsPerHour: 100_000,
      papersPerHour: 10_000_000,
      socketsPerUser: 100_000,
      socketEventsPerSecond: 100_000,
    },
    ...overrides,
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: Database & { url: string };
  config: Config;
  close(): Promise<void>;
}

/** Builds the app on a fresh database; `close()` tears both down. */
export async function buildTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const config = testConfig(overrides);
  const db = await createTestDatabase();
  const app = await buildApp({ config, sql: db.sql });
  await app.ready();
  return {
    app,
    db,
    config,
    async close() {
      await app.close();
      await db.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
