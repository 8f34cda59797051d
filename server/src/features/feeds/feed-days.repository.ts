import type { Querier, Sql } from '#server/db/sql.js';
import type { PaperHit } from '#shared/schemas/papers.js';
import { paperColumns, toPaper, type PaperRow } from '#server/features/papers/papers.repository.js';
import { isBigintText } from '#server/cursors.js';

// The library's "By day" view: what the instance feeds (FEEDS) listed each day, like the trending page it
// replaces. Watches are a board's own and stay out of it.

/** Position after the last row of a "By day" page. */
export interface FeedDayCursor {
  sort: 'feedDay';
  day: string;
  /** The day's upvotes of the last row, -1 when it had none. */
  score: number;
  seq: string;
}

/** Whether a decoded value is a "By day" cursor. */
export function isFeedDayCursor(value: unknown): value is FeedDayCursor {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c.sort === 'feedDay' &&
    typeof c.day === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(c.day) &&
    typeof c.score === 'number' &&
    Number.isInteger(c.score) &&
    c.score >= -1 &&
    isBigintText(c.seq)
  );
}

/** The latest days on which an instance feed listed papers, newest first, with how many. */
export async function feedDays(sql: Querier, limit: number): Promise<{ day: string; papers: number }[]> {
  return sql<{ day: string; papers: number }[]>`
    select day::text as day, count(distinct paper_id)::int as papers from feed_papers
    where feed_key not like 'watch:%'
    group by day order by day desc limit ${limit}`;
}

/**
 * The papers the instance feeds listed on `day`, most upvoted that day first (papers without upvotes
 * last), then in the order they were stored. Keyset-paginated on (upvotes, seq).
 */
export async function feedDayPapers(
  sql: Sql,
  p: { day: string; limit: number; after: FeedDayCursor | null },
): Promise<{ hits: PaperHit[]; last: FeedDayCursor | null; more: boolean }> {
  const after = p.after
    ? sql`where d.score < ${p.after.score} or (d.score = ${p.after.score} and p.seq > ${p.after.seq}::bigint)`
    : sql``;
  const rows = await sql<(PaperRow & { score: number; seq: string })[]>`
    with d as (
      select paper_id, coalesce(max(upvotes), -1)::int as score from feed_papers
      where day = ${p.day}::date and feed_key not like 'watch:%'
      group by paper_id
    )
    select ${paperColumns(sql)}, d.score, p.seq::text as seq
    from d join papers p on p.id = d.paper_id
    ${after}
    order by d.score desc, p.seq asc
    limit ${p.limit + 1}`;
  const more = rows.length > p.limit;
  const page = rows.slice(0, p.limit);
  const last = page.at(-1);
  return {
    hits: page.map((r) => ({
      ...toPaper(r),
      titleHighlight: [{ text: r.title, hit: false }],
      snippet: [{ text: r.abstract.split(' ').slice(0, 40).join(' '), hit: false }],
    })),
    last: last ? { sort: 'feedDay', day: p.day, score: last.score, seq: last.seq } : null,
    more,
  };
}
