import crypto from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { Database } from '#server/db/connect.js';

const clientOptions = { transform: postgres.camel, onnotice: () => {} };

/**
 * True when the suite runs against a PostgreSQL server given by DATABASE_URL (CI: Debian's
 * PostgreSQL 15); false when it runs on the embedded engine (PostgreSQL 18 from npm).
 */
export const usingRealPostgres = Boolean(process.env.DATABASE_URL);

/**
 * A fresh, migrated database for one test file: a clone of the run's template database on the run's
 * server (see global-setup.ts). `close()` drops it.
 */
export async function createTestDatabase(options: { max?: number } = {}): Promise<Database & { url: string }> {
  const template = inject('pgTemplateDatabase');
  const serverUrl = inject('pgServerUrl');
  if (!serverUrl || !template) throw new Error('no test database server: is test/helpers/global-setup.ts configured?');
  const name = `paperboard_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${template}`);
  const dbUrl = new URL(serverUrl);
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
