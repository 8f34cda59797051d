import path from 'node:path';
import postgres from 'postgres';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDataDir } from './lock.js';

/** The one postgres.js client of the process. */
export type Sql = postgres.Sql;

/** An open database: the `sql` client and how to close everything behind it. */
export interface Database {
  sql: Sql;
  mode: 'embedded' | 'postgres';
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
  const release = lockDataDir(options.dataDir);
  try {
    const pglite = await PGlite.create({ dataDir: path.join(options.dataDir, 'pg'), extensions: { pg_trgm } });
    const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0 });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    // PGlite has a single backend: more than one connection interleaves protocol messages.
    const sql = postgres({
      ...clientOptions,
      host,
      port: Number(port),
      user: 'postgres',
      database: 'postgres',
      max: 1,
    });
    return {
      sql,
      mode: 'embedded',
      async close() {
        await sql.end({ timeout: 5 });
        await server.stop();
        await pglite.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
