import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type Database } from '#server/db/connect.js';
import type { Sql } from '#server/db/sql.js';
import { migrate } from '#server/db/migrate.js';

/** Where `npm run bench` looks for a real PostgreSQL server unless BENCH_DATABASE_URL says otherwise. */
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5433/postgres';

/** The database modes a benchmark can run in. */
export const MODES = ['embedded', 'postgres'] as const;
export type Mode = (typeof MODES)[number];

/** The server to benchmark real PostgreSQL on: BENCH_DATABASE_URL, else the default. */
export function postgresServerUrl(env: Record<string, string | undefined> = process.env): string {
  return env.BENCH_DATABASE_URL || DEFAULT_POSTGRES_URL;
}

/** The URL without its password, for printing. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** A fresh, migrated embedded database in a new temporary directory; `close()` deletes the directory. */
export async function openFreshEmbedded(): Promise<Database> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'paperboard-bench-'));
  try {
    const db = await openDatabase({ databaseUrl: null, dataDir });
    await migrate(db.sql);
    return {
      ...db,
      async close() {
        await db.close();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A fresh, migrated database created on the server at `serverUrl`, or the reason it could not be
 * reached. `close()` drops the database.
 */
export async function openFreshPostgres(serverUrl: string): Promise<Database | { unreachable: string }> {
  const admin = postgres(serverUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin`select 1`;
  } catch (error) {
    await admin.end({ timeout: 1 }).catch(() => {});
    return { unreachable: error instanceof Error ? error.message : String(error) };
  }
  const name = `paperboard_bench_${crypto.randomBytes(4).toString('hex')}`;
  const dropDatabase = async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 5 });
  };
  let db: Database | null = null;
  try {
    await admin.unsafe(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    db = await openDatabase({ databaseUrl: url.toString(), dataDir: os.tmpdir() });
    await migrate(db.sql);
  } catch (error) {
    await db?.close();
    await dropDatabase();
    throw error;
  }
  const opened = db;
  return {
    ...opened,
    async close() {
      await opened.close();
      await dropDatabase();
    },
  };
}

/**
 * What autovacuum does soon after a bulk import (it runs in both modes): planner statistics, and the
 * GIN pending list merged into the index. Done explicitly so that the measurements do not depend on
 * whether autovacuum has come round yet.
 */
export async function vacuumAnalyze(sql: Sql, table: string): Promise<void> {
  await sql`vacuum (analyze) ${sql(table)}`;
}

/**
 * A fresh, empty database on the server at `serverUrl` for a server process to migrate itself, or the
 * reason it could not be reached. `drop()` drops it (forcing out any connection left).
 */
export async function createFreshPostgresDatabase(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> } | { unreachable: string }> {
  const admin = postgres(serverUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin`select 1`;
  } catch (error) {
    await admin.end({ timeout: 1 }).catch(() => {});
    return { unreachable: error instanceof Error ? error.message : String(error) };
  }
  const name = `paperboard_bench_${crypto.randomBytes(4).toString('hex')}`;
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (error) {
    await admin.end({ timeout: 1 }).catch(() => {});
    throw error;
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * The database for a server process of `mode`: none in embedded mode (the server runs its own), or a
 * fresh one on the benchmark's PostgreSQL with how to drop it; a `skipped: …` line when that server
 * cannot be reached.
 */
export async function serverDatabase(
  mode: Mode,
): Promise<{ databaseUrl: string | undefined; drop(): Promise<void> } | string> {
  if (mode === 'embedded') return { databaseUrl: undefined, drop: async () => {} };
  const url = postgresServerUrl();
  const created = await createFreshPostgresDatabase(url);
  if ('unreachable' in created) return `skipped: no PostgreSQL at ${redactUrl(url)} (${created.unreachable})`;
  return { databaseUrl: created.url, drop: created.drop };
}

/**
 * Gives the imported synthetic papers what a trending page does not carry: authors (`authors[i]` for the
 * i-th paper in insertion order) and the arXiv id or DOI of the link their abstract ends with, so that
 * searches by author and by identifier have something to find. Not timed: the import of those fields
 * is another format's.
 */
export async function identifyPapers(sql: Sql, authors: string[][]): Promise<void> {
  await sql`
    update papers p set
      authors = coalesce(a.authors, '{}'),
      arxiv_id = substring(p.url from '^https://arxiv\\.org/abs/(.+)$'),
      doi = lower(substring(p.url from '^https://doi\\.org/(.+)$'))
    from (select id, row_number() over (order by seq) - 1 as n from papers) numbered
    left join (
      select (ord - 1) as n, array(select jsonb_array_elements_text(names)) as authors
      from jsonb_array_elements(${sql.json(authors)}::jsonb) with ordinality as x(names, ord)
    ) a on a.n = numbered.n
    where p.id = numbered.id`;
  // The update wrote every row's new version wherever the join put it, so papers that were neighbours
  // (imported together, close in date) are now spread over the table, and a search reads many more
  // pages than it would in a library whose papers came with their authors. Laid out again in import
  // order, the table is the one such an import makes (and its indexes are rebuilt, as after a load).
  await sql`create index papers_bench_seq_idx on papers (seq)`;
  await sql`cluster papers using papers_bench_seq_idx`;
  await sql`drop index papers_bench_seq_idx`;
}

/** The arXiv id and the DOI of a paper half-way through the library (see `identifyPapers`). */
export async function sampleIdentifiers(sql: Sql): Promise<{ arxivId: string; doi: string }> {
  const [row]: [{ arxivId: string | null; doi: string | null }?] = await sql`
    select
      (select arxiv_id from papers where arxiv_id is not null order by seq
        offset (select count(*) / 2 from papers where arxiv_id is not null) limit 1) as arxiv_id,
      (select doi from papers where doi is not null order by seq
        offset (select count(*) / 2 from papers where doi is not null) limit 1) as doi`;
  if (!row?.arxivId || !row.doi) throw new Error('the library has no paper with an arXiv id or a DOI');
  return { arxivId: row.arxivId, doi: row.doi };
}
