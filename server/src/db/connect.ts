import postgres from 'postgres';
import { startEmbeddedPostgres, type EmbeddedCluster, type EmbeddedOptions } from './embedded.js';
import { lockDataDir } from './lock.js';
import { upgradeFromPglite } from './pglite-upgrade.js';
import type { Sql } from './sql.js';

/** An open database: the `sql` client and how to close everything behind it. */
export interface Database {
  sql: Sql;
  mode: 'embedded' | 'postgres';
  /** The PostgreSQL cluster this process runs, in embedded mode. */
  embedded?: EmbeddedCluster;
  close(): Promise<void>;
}

interface DatabaseOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** Connections in the pool (default 10). */
  max?: number;
  /** Where start-up messages of the embedded cluster go (default: stderr). */
  log?: (message: string) => void;
}

const clientOptions = {
  transform: postgres.camel,
  // Schema changes made by migrations and tests must not leave stale prepared statements behind.
  onnotice: () => {},
} satisfies postgres.Options<Record<string, postgres.PostgresType>>;

/**
 * Opens the PostgreSQL server at `databaseUrl`, or else the embedded one in `dataDir` (started by this
 * process). Both are real PostgreSQL reached through the same client and pool.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const sql = postgres(options.databaseUrl, { ...clientOptions, max: options.max ?? 10 });
    return { sql, mode: 'postgres', close: () => sql.end({ timeout: 5 }) };
  }
  return openEmbedded(options.dataDir, { max: options.max, log: options.log });
}

/**
 * Embedded mode: locks `dataDir` for this process, starts PostgreSQL on `dataDir/postgres` (see
 * embedded.ts), moves an old PGlite database into it on first start, and opens the pool. `close()`
 * ends the pool, stops PostgreSQL (fast shutdown) and releases the lock.
 */
export async function openEmbedded(
  dataDir: string,
  options: EmbeddedOptions & { max?: number } = {},
): Promise<Database & { embedded: EmbeddedCluster }> {
  const release = lockDataDir(dataDir);
  let embedded: EmbeddedCluster | null = null;
  let sql: Sql | null = null;
  const close = async () => {
    try {
      await sql?.end({ timeout: 5 });
    } finally {
      try {
        await embedded?.stop();
      } finally {
        // The server is stopped in every case: nobody writes the directory any more.
        release();
      }
    }
  };
  try {
    embedded = await startEmbeddedPostgres(dataDir, options);
    sql = postgres({ ...clientOptions, ...embedded.connection, max: options.max ?? 10 });
    await upgradeFromPglite(sql, dataDir, options.log ?? ((m) => console.error(`[paperboard] ${m}`)));
    return { sql, mode: 'embedded', embedded, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}
