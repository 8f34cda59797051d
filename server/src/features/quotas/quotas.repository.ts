import type { Sql } from '#server/db/sql.js';

/**
 * Adds `amount` hits to `key` in the current fixed window of `windowSeconds` and returns the count and
 * the seconds left in the window. One statement, so concurrent hits on any node count exactly.
 */
export async function addHits(
  sql: Sql,
  key: string,
  windowSeconds: number,
  amount = 1,
): Promise<{ hits: number; retryAfter: number }> {
  const [row]: [{ hits: number; retryAfter: number }] = await sql`
    with w as (
      select to_timestamp(floor(extract(epoch from now()) / ${windowSeconds}) * ${windowSeconds}) as start
    )
    insert into rate_limit_hits (key, window_start, hits)
    select ${key}, w.start, ${amount} from w
    on conflict (key, window_start) do update set hits = rate_limit_hits.hits + excluded.hits
    returning hits,
      ceil(extract(epoch from window_start) + ${windowSeconds} - extract(epoch from now()))::int as retry_after`;
  return row;
}

/** Hits counted against `key` in the current window (0 when none). */
export async function currentHits(sql: Sql, key: string, windowSeconds: number): Promise<number> {
  const [row]: [{ hits: number }?] = await sql`
    select hits from rate_limit_hits
    where key = ${key}
      and window_start = to_timestamp(floor(extract(epoch from now()) / ${windowSeconds}) * ${windowSeconds})`;
  return row?.hits ?? 0;
}

/** Deletes windows older than a day (every limit's window is shorter). */
export async function deleteOldHits(sql: Sql): Promise<void> {
  await sql`delete from rate_limit_hits where window_start < now() - interval '1 day'`;
}
