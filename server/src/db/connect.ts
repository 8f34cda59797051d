import type net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedServer, type EmbeddedOptions, type EmbeddedServer } from './embedded.js';
import { lockDataDir } from './lock.js';

/** The one postgres.js client of the process. */
export type Sql = postgres.Sql;

/** Where a repository function runs its SQL: the client itself, or a transaction of it. */
export type Querier = Sql | postgres.TransactionSql;

/** An open database: the `sql` client and how to close everything behind it. */
export interface Database {
  sql: Sql;
  mode: 'embedded' | 'postgres';
  /** The PGlite thread, in embedded mode. */
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** Pool size for a real server; embedded mode is always 1. */
  max?: number;
  onnotice?: (notice: postgres.Notice) => void;
}

const clientOptions = {
  transform: postgres.camel,
  // Schema changes made by migrations and tests must not leave stale prepared statements behind.
  onnotice: () => {},
} satisfies postgres.Options<Record<string, postgres.PostgresType>>;

/**
 * Opens real PostgreSQL when `databaseUrl` is set, otherwise embedded PGlite in `dataDir/pg`, served to
 * postgres.js over a loopback socket so that the same client and SQL run in both modes.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const sql = postgres(options.databaseUrl, { ...clientOptions, max: options.max ?? 10 });
    return { sql, mode: 'postgres', close: () => sql.end({ timeout: 5 }) };
  }
  return openEmbedded(options.dataDir);
}

/**
 * Embedded mode: locks `dataDir` for this process, then runs PGlite and its socket server in a worker
 * thread (see embedded.ts). `close()` ends the client, closes PGlite and the thread, and releases the lock.
 */
export async function openEmbedded(
  dataDir: string,
  options: EmbeddedOptions = {},
): Promise<Database & { embedded: EmbeddedServer }> {
  const release = lockDataDir(dataDir);
  try {
    const embedded = await startEmbeddedServer(path.join(dataDir, 'pg'), options);
    // The socket option is supported by postgres.js but missing from its types. Through it, queries made
    // after the worker died fail with the reason instead of "connection refused".
    const connectionOptions: postgres.Options<Record<string, postgres.PostgresType>> & { socket: () => net.Socket } = {
      ...clientOptions,
      host: embedded.host,
      port: embedded.port,
      user: 'postgres',
      database: 'postgres',
      // PGlite has a single backend: more than one connection interleaves protocol messages.
      max: 1,
      socket: () => embedded.connect(),
    };
    const sql = postgres(connectionOptions);
    return {
      sql,
      mode: 'embedded',
      embedded,
      async close() {
        try {
          await sql.end({ timeout: 5 });
        } finally {
          try {
            await embedded.stop();
          } finally {
            // stop() ends the thread in every case: nobody writes the directory any more.
            release();
          }
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
