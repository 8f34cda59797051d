import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql } from './sql.js';
import { applyMigrations, migrationFiles } from './migrate.js';

/** Where the engine before PostgreSQL-from-npm (PGlite) kept a data directory's database. */
export function pglitePaths(dataDir: string) {
  return { old: path.join(dataDir, 'pg'), backup: path.join(dataDir, 'pg-pglite-backup') };
}

/** What an upgrade moved: rows per table, identical on both sides. */
type UpgradeCounts = Record<string, number>;

const MARKER = 'pglite_upgrade';
/** Our tables are plain lower-case names; anything else in the old database is not ours to copy. */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

interface OldDatabase {
  query<T>(text: string): Promise<{ rows: T[]; blob?: Blob }>;
  close(): Promise<void>;
}

async function openOld(dir: string): Promise<OldDatabase> {
  // Loaded only here: the running server no longer needs PGlite (its memory is why it was replaced).
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  return PGlite.create({ dataDir: dir, extensions: { pg_trgm } });
}

/**
 * Moves a data directory written by the PGlite build (`DATA_DIR/pg`) into the embedded PostgreSQL,
 * once: the schema is brought to the old database's migration level, every table is copied (`COPY`,
 * the Yjs update logs included) and its sequences carried over, the row counts are compared, and all of
 * it commits in one transaction, so an interrupted upgrade starts again from scratch. The old folder is
 * then renamed to `DATA_DIR/pg-pglite-backup` and left for the user to delete. The remaining
 * migrations run afterwards as on any start. Returns the counts, or null when there was nothing to do.
 */
export async function upgradeFromPglite(
  sql: Sql,
  dataDir: string,
  log: (message: string) => void,
): Promise<UpgradeCounts | null> {
  const { old, backup } = pglitePaths(dataDir);
  if (!fs.existsSync(path.join(old, 'PG_VERSION'))) return null;

  const done = await sql<{ value: unknown }[]>`
    select value from instance_settings where key = ${MARKER}
  `.catch(() => []);
  if (done.length) {
    // Committed before, but the folder was not renamed (stopped in between).
    fs.renameSync(old, backup);
    return null;
  }
  const [{ tables }] = await sql<{ tables: number }[]>`
    select count(*)::int as tables from pg_tables where schemaname = 'public'
  `;
  if (tables > 0) {
    throw new Error(
      `${dataDir} holds both an old PGlite database (${old}) and a newer PostgreSQL one; ` +
        `move one of them away (the old one is not copied over existing data).`,
    );
  }

  log(`upgrading the PGlite database in ${old} to PostgreSQL (one-time copy)`);
  const started = Date.now();
  const pglite = await openOld(old);
  let counts: UpgradeCounts;
  try {
    counts = await copyAll(pglite, sql);
  } finally {
    await pglite.close();
  }
  fs.renameSync(old, backup);
  const rows = Object.values(counts).reduce((a, b) => a + b, 0);
  log(
    `upgrade done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${Object.keys(counts).length} tables, ` +
      `${rows} rows, each count checked. The old database is kept in ${backup}; delete it once you are satisfied.`,
  );
  return counts;
}

async function copyAll(pglite: OldDatabase, sql: Sql): Promise<UpgradeCounts> {
  const oldVersions = new Set(
    (await pglite.query<{ version: number }>('select version from schema_migrations')).rows.map((r) => r.version),
  );
  const known = new Set((await migrationFiles()).map((m) => m.version));
  const unknown = [...oldVersions].filter((v) => !known.has(v));
  if (unknown.length) {
    throw new Error(`the PGlite database has migrations this version does not know (${unknown.join(', ')})`);
  }

  return sql.begin(async (tx) => {
    await applyMigrations(tx, undefined, (version) => oldVersions.has(version));
    // Rows go in table by table, in any order: foreign keys are checked by triggers, which a replica
    // session does not fire (we are the cluster's superuser). Every row was valid in the old database.
    await tx`set local session_replication_role = replica`;
    const tables = (
      await tx<{ name: string }[]>`
        select tablename as name from pg_tables where schemaname = 'public' and tablename <> 'schema_migrations'
        order by tablename
      `
    ).map((t) => t.name);
    const counts: UpgradeCounts = {};
    for (const table of tables) {
      if (!IDENTIFIER.test(table)) continue;
      const columns = (
        await tx<{ name: string }[]>`
          select column_name as name from information_schema.columns
          where table_schema = 'public' and table_name = ${table} and is_generated = 'NEVER'
          order by ordinal_position
        `
      ).map((c) => c.name);
      if (!columns.every((c) => IDENTIFIER.test(c))) throw new Error(`unexpected column names in ${table}`);
      // Names checked against IDENTIFIER above: quoting them for PGlite, which has no identifier helper, is safe.
      const list = columns.map((c) => `"${c}"`).join(', ');
      const exported = await pglite.query(`copy (select ${list} from "${table}") to '/dev/blob'`);
      const data = Buffer.from(await (exported.blob ?? new Blob([])).arrayBuffer());
      if (data.length) {
        const writable = await tx`copy ${tx(table)} (${tx(columns)}) from stdin`.writable();
        await pipeline(Readable.from([data]), writable);
      }
      const [{ n: before }] = (await pglite.query<{ n: number }>(`select count(*)::int as n from "${table}"`)).rows;
      const [{ n: after }] = await tx<{ n: number }[]>`select count(*)::int as n from ${tx(table)}`;
      if (before !== after) throw new Error(`${table}: ${before} rows in the PGlite database, ${after} copied`);
      counts[table] = after;
    }
    // Identity columns draw from sequences: carry their positions over, or new rows would collide.
    const sequences = (
      await pglite.query<{ name: string; lastValue: string | null }>(
        `select sequencename as name, last_value::text as "lastValue" from pg_sequences where schemaname = 'public'`,
      )
    ).rows;
    for (const { name, lastValue } of sequences) {
      if (lastValue !== null) await tx`select setval(${`public.${name}`}::regclass, ${lastValue}::bigint)`;
    }
    const record = { tables: Object.keys(counts).length, rows: Object.values(counts).reduce((a, b) => a + b, 0) };
    await tx`
      insert into instance_settings (key, value) values (${MARKER}, ${tx.json(record)})
      on conflict (key) do update set value = excluded.value
    `;
    return counts;
  });
}
