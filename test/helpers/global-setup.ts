import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { migrate } from '#server/db/migrate.js';
import { ensureClientBuild } from '#server/client-build.js';
import { startEmbeddedPostgres } from '#server/db/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server the test databases live on: DATABASE_URL, or this run's embedded cluster. */
    pgServerUrl: string;
    /** A migrated template database that each test file clones. */
    pgTemplateDatabase: string;
  }
}

const TEMPLATE_DB = `paperboard_template_${process.pid}`;

/**
 * Migrates one template database per run, so that each test file gets a fresh, migrated database in
 * well under a second (`create database … template`). Without DATABASE_URL the run starts its own
 * embedded PostgreSQL (the engine `npm start` uses) in a temporary folder, on loopback, without fsync
 * (a throwaway cluster; the durability tests start embedded clusters of their own with the defaults).
 */
export default async function setup(project: TestProject) {
  // Built once here so that test files that serve the client never race to build it.
  // A broken client fails the browser and process tests, not the API tests as well.
  await ensureClientBuild((msg) => console.log(`[global-setup] ${msg}`)).catch((err: unknown) =>
    console.error('[global-setup] the client build failed; browser tests will fail:', err),
  );
  let url = process.env.DATABASE_URL;
  let stopCluster = async () => {};
  if (!url) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paperboard-test-pg-'));
    const cluster = await startEmbeddedPostgres(dir, {
      listen: 'tcp',
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '400' },
      log: (msg) => console.log(`[global-setup] ${msg}`),
    });
    url = cluster.url;
    stopCluster = async () => {
      await cluster.stop();
      await fs.rm(dir, { recursive: true, force: true });
    };
  }
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${TEMPLATE_DB}`);
  await admin.unsafe(`create database ${TEMPLATE_DB}`);
  const templateUrl = new URL(url);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  const tpl = postgres(templateUrl.toString(), { max: 1, transform: postgres.camel, onnotice: () => {} });
  await migrate(tpl);
  await tpl.end();
  project.provide('pgServerUrl', url);
  project.provide('pgTemplateDatabase', TEMPLATE_DB);
  return async () => {
    await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await admin.end();
    await stopCluster();
  };
}
