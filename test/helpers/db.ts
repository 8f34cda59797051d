import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import postgres from 'postgres';
import { inject } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Database } from '../../server/src/db/connect.js';

const clientOptions = { transform: postgres.camel, onnotice: () => {} };

/** True when the suite runs against a real PostgreSQL server (DATABASE_URL set). */
export const usingRealPostgres = Boolean(process.env.DATABASE_URL);

/**
 * A fresh, migrated database for one test file: a clone of the run's template database on real
 * PostgreSQL, or an in-memory PGlite loaded from the template dump and served over a socket exactly as
 * in embedded mode. `close()` throws it away.
 */
export async function createTestDatabase(options: { max?: number } = {}): Promise<Database & { url: string }> {
  const template = inject('pgTemplateDatabase');
  const url = process.env.DATABASE_URL;
  if (url && template) {
    const name = `paperboard_test_${crypto.randomBytes(6).toString('hex')}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name} template ${template}`);
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${name}`;
    const sql = postgres(dbUrl.toString(), { ...clientOptions, max: options.max ?? 10 });
    return {
      sql,
      url: dbUrl.toString(),
      mode: 'postgres',
      async close() {
        await sql.end({ timeout: 5 });
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    };
  }
  const dumpFile = inject('pgliteTemplate');
  if (!dumpFile) throw new Error('no test database template: is test/helpers/global-setup.ts configured?');
  const pglite = await PGlite.create({ loadDataDir: new Blob([await fs.readFile(dumpFile)]), extensions: { pg_trgm } });
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0 });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  const sql = postgres({ ...clientOptions, host, port: Number(port), user: 'postgres', database: 'postgres', max: 1 });
  return {
    sql,
    url: `postgres://postgres@${host}:${port}/postgres`,
    mode: 'embedded',
    async close() {
      await sql.end({ timeout: 5 });
      await server.stop();
      await pglite.close();
    },
  };
}
