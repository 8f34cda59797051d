import type { Sql } from '#server/db/sql.js';
import { searchIdentifiers, titleKey } from './identifiers.js';
import { lexemeStats, paperColumns, toPaper, type PaperRow } from './papers.repository.js';
import { chooseCandidateScan, type CandidateScan } from './search-plan.js';
import type { HighlightSegment, PaperHit, PaperSort } from '#shared/schemas/papers.js';

/** Position after the last row of a page; opaque to clients. */
export type SearchCursor =
  { sort: 'relevance'; rank: number; seq: string } | { sort: 'recent'; at: string; seq: string };

interface SearchParams {
  q: string | null;
  tag: string | null;
  sort: PaperSort;
  limit: number;
  after: SearchCursor | null;
}

// Private-use characters mark matches inside ts_headline output; they never occur in stored text
// (cleanText strips them), so splitting on them cannot be confused by user content.
const HIT_START = '\uE000';
const HIT_END = '\uE001';
const HEADLINE_OPTIONS =
  `StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=40, MinWords=18, ShortWord=2, ` +
  `MaxFragments=2, FragmentDelimiter=" … "`;
const TITLE_HEADLINE_OPTIONS = `StartSel=${HIT_START}, StopSel=${HIT_END}, HighlightAll=true`;

/** Splits ts_headline output into text segments. */
function toSegments(marked: string): HighlightSegment[] {
  const segments: HighlightSegment[] = [];
  for (const part of marked.split(HIT_START)) {
    const end = part.indexOf(HIT_END);
    if (end >= 0) {
      segments.push({ text: part.slice(0, end), hit: true });
      if (end + 1 < part.length) segments.push({ text: part.slice(end + 1), hit: false });
    } else if (part) {
      segments.push({ text: part, hit: false });
    }
  }
  return segments;
}

/** Shorter folded queries match too many titles to mean anything, and trigrams cannot index them. */
const MIN_SUBSTRING_KEY = 3;

/**
 * The LIKE pattern that finds `q` inside a folded title (`title_key`), or null when `q` is not a plain
 * query worth a substring match. The folded key holds letters and digits only, so it needs no escaping.
 */
function titleSubstringPattern(q: string): string | null {
  // Operators (quotes, leading minus, "or") mean the user wrote a query: no substring fallback.
  if (/["]|(^|\s)-\S|\bor\b/i.test(q)) return null;
  const key = titleKey(q);
  return key.length >= MIN_SUBSTRING_KEY ? `%${key}%` : null;
}

/**
 * Added to the rank of a paper whose arXiv id or DOI is the query: above any text rank (`ts_rank` is at
 * most 1, the title substring adds 1), so the paper named comes first.
 */
const EXACT_IDENTIFIER_RANK = 10;

/**
 * How alike an unknown query word and a title word must be for the one to correct the other (pg_trgm's
 * `similarity`, 0–1; `netwrok` and `network` share a third of their trigrams).
 */
const CORRECTION_SIMILARITY = '0.3';
/** Words shorter than this are never corrected ("is", "of"): too many words look like them. */
const MIN_CORRECTED_CHARS = 3;

/**
 * How many matches a relevance search ranks: the most recent ones (by publication date, else date added,
 * through `papers_recent_idx`). Ranking every match of a common word (`diffusion` matches a fifth of a
 * library of ML papers) costs seconds at 100,000 papers; ranking the 500 most recent costs tens of
 * milliseconds. A query with at most this many matches is ranked exactly; one with more shows the best
 * of its 500 most recent matches (25 pages of 20), and its pages end there: narrowing the query or
 * sorting by date reaches the rest. See docs/benchmarks.md.
 */
export const RANKED_CANDIDATES = 500;

/** The planner's cost of a random page read, for search only; see `searchPapers`. */
const IN_MEMORY_RANDOM_PAGE_COST = '1.1';

type Fragment = ReturnType<Sql>;

/**
 * The `RANKED_CANDIDATES` newest papers matching `filter` (a fragment on `p`), as (tid, id, seq), found
 * the way `scan` says (see search-plan.ts). A walk that tests `maxRows` rows without finding enough
 * falls back to collecting the matches: the union's second branch runs only in that case.
 */
function candidates(sql: Sql, scan: CandidateScan | null, filter: Fragment): Fragment {
  const newest = sql`order by coalesce(p.published_at, p.created_at) desc, p.seq asc`;
  if (!scan) {
    return sql`select p.ctid as tid, p.id, p.seq from papers p where true ${filter} ${newest} limit ${RANKED_CANDIDATES}`;
  }
  // Materialised, so that the planner cannot turn it back into a walk.
  const matches = sql`matches as materialized (
    select p.ctid as tid, p.id, p.seq, coalesce(p.published_at, p.created_at) as at
    from papers p where true ${filter})`;
  const byDate = sql`order by at desc, seq asc limit ${RANKED_CANDIDATES}`;
  if (scan.kind === 'matches') return sql`with ${matches} select tid, id, seq from matches ${byDate}`;
  return sql`
    with walked as materialized (
      select p.tid, p.id, p.seq from (
        select p.ctid as tid, p.id, p.seq, p.search, p.title_key, p.tags from papers p ${newest} limit ${scan.maxRows}
      ) p where true ${filter} limit ${RANKED_CANDIDATES}
    ), ${matches}
    select tid, id, seq from walked where (select count(*) from walked) = ${RANKED_CANDIDATES}
    union all
    (select tid, id, seq from matches where (select count(*) from walked) < ${RANKED_CANDIDATES} ${byDate})`;
}

/**
 * The query as `websearch_to_tsquery` should read it: a `-` negates the word or phrase right after it
 * and means nothing elsewhere, so runs of dashes become one and a dash before no word goes. Each dash
 * nests the query one level deeper, and a few hundred of them exceed PostgreSQL's parser ("tsquery stack
 * too small", an internal error) while meaning no more than one.
 */
function webSearchText(q: string): string {
  return q.replace(/-+/g, '-').replace(/-(?![\p{L}\p{N}"])/gu, ' ');
}

/** A row of a result page, before it becomes a `PaperHit`. */
type SearchRow = PaperRow & {
  seq: string;
  rank: number;
  sortAt: string | null;
  titleMarked: string | null;
  snippetMarked: string | null;
};

/** A page of search results. */
interface SearchPage {
  hits: PaperHit[];
  last: SearchCursor | null;
  more: boolean;
  /** The query the results are for when it is not the one asked: its unknown words corrected. */
  correctedQuery?: string;
}

/**
 * Searches the library (see {@link searchWords}). A plain query (no operators, no identifier) whose
 * words find nothing is searched again with its unknown words corrected to the most similar words of
 * the library's titles (`transformr` → `transformer`), and says so in `correctedQuery`. Later pages of
 * the same query are corrected the same way, so its cursor goes on working.
 */
export async function searchPapers(
  sql: Sql,
  p: SearchParams,
  options: { scan?: CandidateScan | null } = {},
): Promise<SearchPage> {
  const found = await searchWords(sql, p, options);
  if (found.hits.length > 0 || !p.q || !titleSubstringPattern(p.q) || searchIdentifiers(p.q)) return found;
  const corrected = await correctWords(sql, p.q);
  if (!corrected) return found;
  return { ...(await searchWords(sql, { ...p, q: corrected }, options)), correctedQuery: corrected };
}

/**
 * `q` with each word the library's titles do not use replaced by the title word most like it (ties: the
 * one closest in length, then the first alphabetically), or null when no word changes.
 */
async function correctWords(sql: Sql, q: string): Promise<string | null> {
  const words = q.split(/\s+/).filter(Boolean);
  const keys = words.map((word) => word.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ''));
  const rows = await sql.begin(async (tx) => {
    await tx`select set_config('pg_trgm.similarity_threshold', ${CORRECTION_SIMILARITY}, true)`;
    return tx<{ n: string; best: string | null }[]>`
      select q.n::text as n, (
        select w.word from title_words w
        where w.word % q.key and not exists (select 1 from title_words k where k.word = q.key)
        order by similarity(w.word, q.key) desc, abs(length(w.word) - length(q.key)), w.word
        limit 1
      ) as best
      from unnest(${keys}::text[]) with ordinality as q(key, n)
      where length(q.key) >= ${MIN_CORRECTED_CHARS}`;
  });
  let changed = false;
  for (const { n, best } of rows) {
    if (best === null) continue;
    words[Number(n) - 1] = best;
    changed = true;
  }
  return changed ? words.join(' ') : null;
}

/**
 * Full-text search over title (weight A) and abstract (weight B) with web-search syntax, plus a title
 * substring match on the folded title (finds `llama` in "TinyLlama", ranks an exact title first);
 * keyset-paginated by (rank, seq) for relevance and (date, seq) for recent. Relevance ranks the
 * `RANKED_CANDIDATES` most recent matches, collected as search-plan.ts decides (`options.scan` forces
 * a way: tests and benchmarks). Headlines are computed for the page only.
 */
async function searchWords(sql: Sql, p: SearchParams, options: { scan?: CandidateScan | null }): Promise<SearchPage> {
  const tagFilter = p.tag ? sql`and p.tags @> ${[p.tag]}::text[]` : sql``;
  const pattern = p.q ? titleSubstringPattern(p.q) : null;
  const ids = p.q ? searchIdentifiers(p.q) : null;
  // Through the unique indexes on arxiv_id and doi; `false` for a query that names no identifier.
  const named = ids ? sql`(p.arxiv_id = ${ids.arxivId}::text or p.doi = ${ids.doi}::text)` : sql`false`;
  const query = sql`websearch_to_tsquery('english', ${p.q ? webSearchText(p.q) : ''})`;
  const match = p.q
    ? sql`and (p.search @@ ${query} or (${pattern}::text is not null and p.title_key like ${pattern}) or ${named})`
    : sql``;
  const byRelevance = p.q !== null && p.sort === 'relevance';

  const headlines = p.q
    ? sql`ts_headline('english', p.title, ${query}, ${TITLE_HEADLINE_OPTIONS}) as title_marked,
          ts_headline('english', p.abstract, ${query}, ${HEADLINE_OPTIONS}) as snippet_marked`
    : sql`null as title_marked, null as snippet_marked`;
  // A prepared statement switches to a generic plan after five runs, planned for an unknown query
  // matching 0.5% of the library: the wrong plan for both a common word (walk the recent index until
  // enough rows match) and a rare one (collect its matches from the GIN index, then sort). Planning
  // each search for its own query costs well under a millisecond.
  // The default random_page_cost (4) prices a page read as a disk seek; a library this size is in
  // memory, where a page costs about the same however it is reached (see docs/benchmarks.md).
  const rows = await sql.begin(async (tx) => {
    const [settings] = await tx<{ tsquery: string }[]>`
      select set_config('plan_cache_mode', 'force_custom_plan', true),
        set_config('random_page_cost', ${IN_MEMORY_RANDOM_PAGE_COST}, true),
        ${query}::text as tsquery`;
    let page;
    if (byRelevance) {
      const after =
        p.after?.sort === 'relevance'
          ? sql`where (rank < ${p.after.rank} or (rank = ${p.after.rank} and seq > ${p.after.seq}))`
          : sql``;
      const scan =
        options.scan !== undefined
          ? options.scan
          : chooseCandidateScan(settings.tsquery, await lexemeStats(sql, tx), RANKED_CANDIDATES);
      // The candidates are the same rows on every page (rank and seq are functions of the row), so the
      // (rank, seq) cursor still returns each of them at most once. They are sorted by date without
      // their 1.5 KB tsvector, then fetched again by ctid (valid within the statement) for ranking.
      // The paper an identifier names is a candidate however many papers the words match.
      const namedCandidates = ids
        ? sql`union select p.ctid as tid, p.id, p.seq from papers p where ${named} ${tagFilter}`
        : sql``;
      page = sql`
        select * from (
          select c.id, c.seq, null::timestamptz as sort_at,
            (ts_rank(p.search, ${query})
              + case when ${pattern}::text is not null and p.title_key like ${pattern} then 1.0 else 0 end
              + case when ${named} then ${EXACT_IDENTIFIER_RANK} else 0 end)::float8 as rank
          from ((${candidates(sql, scan, sql`${match} ${tagFilter}`)}) ${namedCandidates}) c
          join papers p on p.ctid = c.tid
        ) ranked ${after}
        order by rank desc, seq asc limit ${p.limit + 1}`;
    } else {
      // The cursor's timestamp goes in as text: postgres.js would serialise a timestamptz parameter
      // through Date and lose the microseconds, skipping rows that share the millisecond.
      const after =
        p.after?.sort === 'recent'
          ? sql`and (coalesce(p.published_at, p.created_at) < ${p.after.at}::text::timestamptz
                or (coalesce(p.published_at, p.created_at) = ${p.after.at}::text::timestamptz and p.seq > ${p.after.seq}))`
          : sql``;
      page = sql`
        select p.id, p.seq, coalesce(p.published_at, p.created_at) as sort_at, 0::float8 as rank
        from papers p where true ${match} ${tagFilter} ${after}
        order by coalesce(p.published_at, p.created_at) desc, p.seq asc limit ${p.limit + 1}`;
    }
    return tx<SearchRow[]>`
      select ${paperColumns(sql)}, page.seq::text as seq, page.rank, page.sort_at::text as sort_at, ${headlines}
      from (${page}) page join papers p on p.id = page.id
      order by ${byRelevance ? sql`page.rank desc` : sql`page.sort_at desc`}, page.seq asc`;
  });

  const more = rows.length > p.limit;
  const pageRows = rows.slice(0, p.limit);
  const lastRow = pageRows.at(-1);
  let last: SearchCursor | null = null;
  if (lastRow) {
    last = byRelevance
      ? { sort: 'relevance', rank: lastRow.rank, seq: lastRow.seq }
      : { sort: 'recent', at: lastRow.sortAt!, seq: lastRow.seq };
  }
  return {
    hits: pageRows.map((r) => ({
      ...toPaper(r),
      titleHighlight: r.titleMarked ? toSegments(r.titleMarked) : [{ text: r.title, hit: false }],
      snippet: r.snippetMarked ? toSegments(r.snippetMarked) : [{ text: leadingWords(r.abstract, 40), hit: false }],
    })),
    last,
    more,
  };
}

function leadingWords(text: string, n: number): string {
  const words = text.split(' ');
  return words.length <= n ? text : `${words.slice(0, n).join(' ')} …`;
}
