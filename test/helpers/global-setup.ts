import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { migrate } from '../../server/src/db/migrate.js';
import { ensureClientBuild } from '../../server/src/client-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Embedded mode: a migrated PGlite data dir dump to start each test database from. */
    pgliteTemplate: string | null;
    /** Real PostgreSQL: a migrated template database that each test file clones. */
    pgTemplateDatabase: string | null;
  }
}

const TEMPLATE_DB = `paperboard_template_${process.pid}`;

/**
 * Migrates one template database per run, so that each test file gets a fresh, migrated database in
 * well under a second (a new PGlite takes ~4 s; loading a dump ~0.6 s; CREATE DATABASE ... TEMPLATE
 * is faster still).
 */
export default async function setup(project: TestProject) {
  // Built once here so that test files that serve the client never race to build it.
  // A broken client fails the browser and process tests, not the API tests as well.
  await ensureClientBuild((msg) => console.log(`[global-setup] ${msg}`)).catch((err: unknown) =>
    console.error('[global-setup] the client build failed; browser tests will fail:', err),
  );
  const url = process.env.DATABASE_URL;
  if (url) {
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${TEMPLATE_DB}`);
    await admin.unsafe(`create database ${TEMPLATE_DB}`);
    const templateUrl = new URL(url);
    templateUrl.pathname = `/${TEMPLATE_DB}`;
    const tpl = postgres(templateUrl.toString(), { max: 1, transform: postgres.camel, onnotice: () => {} });
    await migrate(tpl);
    await tpl.end();
    project.provide('pgTemplateDatabase', TEMPLATE_DB);
    project.provide('pgliteTemplate', null);
    return async () => {
      await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
      await admin.end();
    };
  }
  const db = await PGlite.create({ extensions: { pg_trgm } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  const sql = postgres({
    host,
    port: Number(port),
    user: 'postgres',
    database: 'postgres',
    max: 1,
    transform: postgres.camel,
    onnotice: () => {},
  });
  await migrate(sql);
  await sql.end();
  await server.stop();
  const dump = await db.dumpDataDir('none');
  await db.close();
  const file = path.join(os.tmpdir(), `paperboard-template-${process.pid}.tar`);
  await fs.writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);
  project.provide('pgTemplateDatabase', null);
  return async () => {
    await fs.rm(file, { force: true });
  };
}
