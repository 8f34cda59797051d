import type postgres from 'postgres';
import type { Sql } from '#server/db/sql.js';
import type { PaperHit } from '#shared/schemas/papers.js';
import { toPaper, type PaperRow } from '#server/features/papers/papers.repository.js';
import { TRENDING_AGE_OFFSET_HOURS, TRENDING_GRAVITY, TRENDING_UPVOTE_WEIGHT } from '#shared/protocol/trending.js';
import { isBigintText, isIsoTimestamp } from '#server/cursors.js';

/**
 * Position after the last row of a trending page. `asOf` pins the clock of the first page so that every
 * page ranks with the same ages (scores are functions of the row and `asOf`, hence stable across pages
 * as long as votes do not change).
 */
interface TrendingCursor {
  sort: 'trending';
  asOf: string;
  score: number;
  at: string;
  seq: string;
}

interface TrendingParams {
  /** Whose boards' votes count; null (anonymous): no votes, so the order is by age. */
  userId: string | null;
  q: string | null;
  tag: string | null;
  limit: number;
  after: TrendingCursor | null;
  /** The clock of the first page (default: now); the digest ranks as of its own clock. */
  asOf?: Date;
  /**
   * Only papers with votes on the user's boards (the digest's "trending" list), without the tail in date
   * order; outside upvotes still weigh in their score.
   */
  votedOnly?: boolean;
}

/** Whether a decoded value is a trending cursor. */
export function isTrendingCursor(value: unknown): value is TrendingCursor {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c.sort === 'trending' &&
    isIsoTimestamp(c.asOf) &&
    typeof c.score === 'number' &&
    Number.isFinite(c.score) &&
    c.score >= 0 &&
    isIsoTimestamp(c.at) &&
    isBigintText(c.seq)
  );
}

function leadingWords(text: string, n: number): string {
  const words = text.split(' ');
  return words.length <= n ? text : `${words.slice(0, n).join(' ')} …`;
}

/**
 * Papers by trending score, highest first:
 *
 *   score = (votes + 1.5 · ln(1 + upvotes)) / (age_hours + 2) ^ 1.5
 *
 * where `votes` is the sum of the dots (1 per upvote) given to the paper's cards on the boards the user
 * belongs to, `upvotes` the outside signal a feed reported (papers.upvotes, Hugging Face), and
 * `age_hours` the time since the paper's publication date (else the date it was added). Ties, including
 * every paper with neither votes nor upvotes, go newest first, then by `seq`. Keyset-paginated on
 * (score, date, seq).
 *
 * Papers with neither all score 0 and so come after every scored paper in plain date order: they are
 * read from the date index (`papers_recent_idx`) instead of being scored, so a page costs the number
 * of voted or upvoted papers plus the page size, not the size of the library.
 */
export async function trendingPapers(
  sql: Sql,
  p: TrendingParams,
): Promise<{ hits: PaperHit[]; last: TrendingCursor | null; more: boolean }> {
  const asOf = p.after?.asOf ?? (p.asOf ?? new Date()).toISOString();
  const filters = sql`
    ${p.tag ? sql`and p.tags @> ${[p.tag]}::text[]` : sql``}
    ${p.q ? sql`and p.search @@ websearch_to_tsquery('english', ${p.q})` : sql``}`;
  const sortAt = sql`coalesce(p.published_at, p.created_at)`;
  const afterFor = (score: postgres.PendingQuery<postgres.Row[]>) =>
    p.after
      ? sql`and (${score} < ${p.after.score}::float8 or (${score} = ${p.after.score}::float8 and (
            ${sortAt} < ${p.after.at}::text::timestamptz
            or (${sortAt} = ${p.after.at}::text::timestamptz and p.seq > ${p.after.seq}::bigint))))`
      : sql``;
  const score = sql`((v.votes::float8 + ${TRENDING_UPVOTE_WEIGHT}::float8 * ln(1 + coalesce(p.upvotes, 0)::float8))
      / power(greatest(extract(epoch from (${asOf}::text::timestamptz - ${sortAt}))::float8
      / 3600, 0) + ${TRENDING_AGE_OFFSET_HOURS}, ${TRENDING_GRAVITY}))`;
  const zero = sql`0::float8`;

  const rows = await sql<(PaperRow & { seq: string; score: number; sortAt: string })[]>`
    with voted as (
      select c.paper_id, sum(v.dots) as votes
      from votes v
      join board_cards c on c.board_id = v.board_id and c.card_id = v.card_id
      join board_members m on m.board_id = v.board_id and m.user_id = ${p.userId}
      where c.paper_id is not null and ${p.userId}::uuid is not null
      group by c.paper_id
    ),
    -- voted papers, and (unless votedOnly) those with outside upvotes: the papers that score above 0
    signal as (
      select paper_id, sum(votes) as votes from (
        select paper_id, votes from voted
        ${p.votedOnly ? sql`` : sql`union all select id, 0 from papers where upvotes > 0`}
      ) s group by paper_id
    ),
    page as (
      (select p.id, p.seq, ${sortAt} as sort_at, ${score} as score
       from signal v join papers p on p.id = v.paper_id
       where true ${filters} ${afterFor(score)}
       order by 4 desc, 3 desc, 2 asc limit ${p.limit + 1})
      ${
        p.votedOnly
          ? sql``
          : sql`union all
      (select p.id, p.seq, ${sortAt} as sort_at, ${zero} as score
       from papers p
       where not exists (select 1 from signal v where v.paper_id = p.id) ${filters} ${afterFor(zero)}
       order by ${sortAt} desc, p.seq asc limit ${p.limit + 1})`
      }
    )
    select p.id, p.title, p.abstract, p.authors, p.arxiv_id, p.doi, p.url, p.code_urls, p.tags, p.published_at, p.published_precision,
      p.upvotes, p.feed_day::text as feed_day,
      p.created_at, page.seq::text as seq, page.score, page.sort_at::text as sort_at
    from page join papers p on p.id = page.id
    order by page.score desc, page.sort_at desc, page.seq asc
    limit ${p.limit + 1}`;

  const more = rows.length > p.limit;
  const pageRows = rows.slice(0, p.limit);
  const lastRow = pageRows.at(-1);
  return {
    hits: pageRows.map((r) => ({
      ...toPaper(r),
      titleHighlight: [{ text: r.title, hit: false }],
      snippet: [{ text: leadingWords(r.abstract, 40), hit: false }],
    })),
    last: lastRow ? { sort: 'trending', asOf, score: lastRow.score, at: lastRow.sortAt, seq: lastRow.seq } : null,
    more,
  };
}
