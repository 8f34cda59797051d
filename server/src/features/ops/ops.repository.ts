import type { Sql } from '#server/db/sql.js';

/** Runs a trivial query; resolves to its round-trip time in seconds. */
export async function pingDatabase(sql: Sql): Promise<number> {
  const start = performance.now();
  await sql`select 1`;
  return (performance.now() - start) / 1000;
}
