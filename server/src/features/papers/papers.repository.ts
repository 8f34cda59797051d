import type { Querier, Sql } from '../../db/sql.js';
import { titleKey } from './identifiers.js';
import { chooseCandidateScan, type CandidateScan, type LexemeStats } from './search-plan.js';
import type { HighlightSegment, Paper, PaperHit, PaperSort } from '../../../../shared/schemas/papers.js';

/** A paper ready to store: identifiers already normalised (see identifiers.ts). */
export interface PaperRecord {
  title: string;
  titleKey: string;
  abstract: string;
  authors: string[];
  arxivId: string | null;
  doi: string | null;
  url: string | null;
  codeUrls: string[];
  tags: string[];
  publishedAt: string | null;
}

/** What happened to one record of a batch. */
export type InsertOutcome =
  { status: 'created'; id: string } | { status: 'duplicate'; id: string; reason: 'arxivId' | 'doi' | 'title' };

/** A papers row as postgres.js returns it (camel-cased). */
export interface PaperRow {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  arxivId: string | null;
  doi: string | null;
  url: string | null;
  codeUrls: string[];
  tags: string[];
  publishedAt: Date | null;
  createdAt: Date;
}

const paperColumns = (sql: Sql) =>
  sql`p.id, p.title, p.abstract, p.authors, p.arxiv_id, p.doi, p.url, p.code_urls, p.tags, p.published_at, p.created_at`;

/** Maps a papers row to the API shape. */
export function toPaper(row: PaperRow): Paper {
  return {
    id: row.id,
    title: row.title,
    abstract: row.abstract,
    authors: row.authors,
    arxivId: row.arxivId,
    doi: row.doi,
    url: row.url,
    codeUrls: row.codeUrls,
    tags: row.tags,
    publishedAt: row.publishedAt ? row.publishedAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** One paper by id, or null. */
export async function findPaperById(sql: Sql, id: string): Promise<Paper | null> {
  const [row]: [PaperRow?] = await sql`select ${paperColumns(sql)} from papers p where p.id = ${id}`;
  return row ? toPaper(row) : null;
}

/** Ids of papers already stored under any of the given arXiv ids, keyed by arXiv id. */
export async function findIdsByArxivIds(sql: Sql, arxivIds: string[]): Promise<Map<string, string>> {
  if (arxivIds.length === 0) return new Map();
  const rows = await sql<{ id: string; arxivId: string }[]>`
    select id, arxiv_id from papers where arxiv_id = any(${arxivIds}::text[])`;
  return new Map(rows.map((r) => [r.arxivId, r.id]));
}

/** Ids of papers already stored under any of the given DOIs, keyed by DOI. */
export async function findIdsByDois(sql: Sql, dois: string[]): Promise<Map<string, string>> {
  if (dois.length === 0) return new Map();
  const rows = await sql<{ id: string; doi: string }[]>`select id, doi from papers where doi = any(${dois}::text[])`;
  return new Map(rows.map((r) => [r.doi, r.id]));
}

/**
 * Reserves `n` values of `papers.seq`, increasing, for records inserted by `insertPapers` in input order
 * even when several batches are in flight at once. Values left unused (duplicates) are gaps, as with
 * any `on conflict do nothing`.
 */
export async function reserveSeqs(sql: Sql, n: number): Promise<string[]> {
  if (n === 0) return [];
  const rows = await sql<{ seq: string }[]>`
    select s::text as seq
    from (select nextval(pg_get_serial_sequence('papers', 'seq')) as s from generate_series(1, ${n})) reserved
    order by s`;
  return rows.map((r) => r.seq);
}

/**
 * Inserts a batch in one statement. Records that collide with a stored paper (by arXiv id, DOI or
 * title key) are looked up first and not sent to the insert, whose generated tsvector is most of its
 * cost; records that collide with a row committed meanwhile are skipped by `on conflict do nothing`
 * (the unique indexes) and looked up after. Either way they are reported with the stored paper's id.
 * Safe under concurrent imports: a conflicting insert in flight makes ours wait for it, then see its
 * row. Records must not collide with each other (the caller dedupes). `seqs`, when given, are the
 * records' `seq` values (see `reserveSeqs`); otherwise the rows take the next ones in input order.
 */
export async function insertPapers(
  sql: Sql,
  records: PaperRecord[],
  addedBy: string | null,
  seqs?: string[],
): Promise<InsertOutcome[]> {
  if (records.length === 0) return [];
  const known = await findCollisions(sql, records);
  const fresh: { record: PaperRecord; seq: string | null }[] = [];
  records.forEach((record, i) => {
    if (!collisionOf(record, known)) fresh.push({ record, seq: seqs?.[i] ?? null });
  });
  const inserted = fresh.length
    ? await sql<{ id: string; titleKey: string }[]>`
        insert into papers (seq, title, title_key, abstract, authors, arxiv_id, doi, url, code_urls, tags, published_at, added_by)
        overriding system value
        select coalesce(seq, nextval(pg_get_serial_sequence('papers', 'seq'))), title, title_key, abstract, authors,
          arxiv_id, doi, url, code_urls, tags, published_at, ${addedBy}::uuid
        from jsonb_to_recordset(${sql.json(fresh.map(toSnakeRecord))}::jsonb) as x(
          ord integer, seq bigint, title text, title_key text, abstract text, authors text[], arxiv_id text, doi text,
          url text, code_urls text[], tags text[], published_at timestamptz)
        order by ord
        on conflict do nothing
        returning id, title_key`
    : [];
  const createdByKey = new Map(inserted.map((r) => [r.titleKey, r.id]));
  const raced = fresh.filter((f) => !createdByKey.has(f.record.titleKey)).map((f) => f.record);
  const existing = raced.length ? known.concat(await findCollisions(sql, raced)) : known;
  return records.map((record) => {
    const id = createdByKey.get(record.titleKey);
    if (id) return { status: 'created', id };
    const collision = collisionOf(record, existing);
    if (collision) return { status: 'duplicate', ...collision };
    // Only possible if the colliding row was deleted in between; reporting it beats inventing an id.
    throw new Error(`Paper "${record.title}" was neither inserted nor found`);
  });
}

interface StoredKeys {
  id: string;
  arxivId: string | null;
  doi: string | null;
  titleKey: string;
}

/** The stored paper a record collides with, by the first key that matches: arXiv id, DOI, title key. */
function collisionOf(
  record: PaperRecord,
  stored: StoredKeys[],
): { id: string; reason: 'arxivId' | 'doi' | 'title' } | null {
  const byArxiv = record.arxivId && stored.find((e) => e.arxivId === record.arxivId);
  if (byArxiv) return { id: byArxiv.id, reason: 'arxivId' };
  const byDoi = record.doi && stored.find((e) => e.doi === record.doi);
  if (byDoi) return { id: byDoi.id, reason: 'doi' };
  const byTitle = stored.find((e) => e.titleKey === record.titleKey);
  return byTitle ? { id: byTitle.id, reason: 'title' } : null;
}

function toSnakeRecord({ record: r, seq }: { record: PaperRecord; seq: string | null }, ord: number) {
  return {
    ord,
    seq,
    title: r.title,
    title_key: r.titleKey,
    abstract: r.abstract,
    authors: r.authors,
    arxiv_id: r.arxivId,
    doi: r.doi,
    url: r.url,
    code_urls: r.codeUrls,
    tags: r.tags,
    published_at: r.publishedAt,
  };
}

async function findCollisions(sql: Sql, records: PaperRecord[]): Promise<StoredKeys[]> {
  const arxivIds = records.flatMap((r) => (r.arxivId ? [r.arxivId] : []));
  const dois = records.flatMap((r) => (r.doi ? [r.doi] : []));
  const keys = records.map((r) => r.titleKey);
  // Through the unique indexes, one lookup per key. The trigram index on title_key also answers `=`, and
  // on a library never analysed (any fresh import, until autovacuum runs) the planner picks it: each key
  // then costs a trigram search, and a first import ran at a fifth of its speed. Bitmap scans are the
  // only way to a GIN index, so turning them off for this statement leaves the unique indexes.
  return sql.begin(async (tx) => {
    await tx`select set_config('enable_bitmapscan', 'off', true)`;
    return tx<StoredKeys[]>`
      select id, arxiv_id, doi, title_key from papers where arxiv_id = any(${arxivIds}::text[])
      union
      select id, arxiv_id, doi, title_key from papers where doi = any(${dois}::text[])
      union
      select id, arxiv_id, doi, title_key from papers where title_key = any(${keys}::text[])`;
  });
}

/** Autovacuum's default analyse threshold: 50 rows plus 10 % of the table. */
const ANALYZE_BASE_ROWS = 50;
const ANALYZE_SCALE = 0.1;

/**
 * Analyses `papers` after an import that added `created` papers, if no autovacuum runs on this database
 * and the import grew the library past autovacuum's own threshold. A server with autovacuum turned off
 * would never analyse its library: search then chooses its plan without word frequencies (search-plan.ts)
 * and the planner guesses row counts. Autovacuum (on by default, embedded mode too) does the same on its own within a minute.
 * Returns whether it analysed.
 */
export async function analyzeAfterImport(sql: Sql, created: number): Promise<boolean> {
  if (created < ANALYZE_BASE_ROWS) return false;
  const [row] = await sql<{ autovacuum: boolean; papers: number }[]>`
    select exists (select 1 from pg_stat_activity where backend_type = 'autovacuum launcher') as autovacuum,
      (select count(*) from papers)::int as papers`;
  if (row.autovacuum || created < ANALYZE_BASE_ROWS + ANALYZE_SCALE * Math.max(0, row.papers - created)) return false;
  await sql`analyze papers`;
  lexemeStatsCache.delete(sql);
  return true;
}

/** Records one import run. */
export async function recordImport(
  sql: Sql,
  run: { format: string; created: number; duplicates: number; errors: number },
): Promise<void> {
  await sql`
    insert into paper_imports (format, created_count, duplicate_count, error_count)
    values (${run.format}, ${run.created}, ${run.duplicates}, ${run.errors})`;
}

/** Number of papers in the library. */
export async function countPapers(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from papers`;
  return row.n;
}

/** Position after the last row of a page; opaque to clients. */
export type SearchCursor =
  { sort: 'relevance'; rank: number; seq: string } | { sort: 'recent'; at: string; seq: string };

export interface SearchParams {
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
export function toSegments(marked: string): HighlightSegment[] {
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

/** How long word frequencies are reused before they are read again; ANALYZE changes them rarely. */
const LEXEME_STATS_TTL_MS = 60_000;
const lexemeStatsCache = new WeakMap<object, { at: number; stats: LexemeStats | null }>();

/**
 * The word frequencies ANALYZE keeps for `papers.search` (null when the table was never analysed),
 * cached per database for a minute. `pg_stats.most_common_elem_freqs` lists one frequency per lexeme,
 * then the lowest and highest of them and the frequency of nulls.
 */
async function lexemeStats(db: Sql, sql: Querier): Promise<LexemeStats | null> {
  // Keyed by the pool, read through the caller's transaction.
  const cached = lexemeStatsCache.get(db);
  if (cached && Date.now() - cached.at < LEXEME_STATS_TTL_MS) return cached.stats;
  const [row] = await sql<{ lexemes: string[] | null; freqs: number[] | null; rows: number }[]>`
    select s.most_common_elems::text::text[] as lexemes, s.most_common_elem_freqs as freqs, c.reltuples::float8 as rows
    from pg_class c
    left join pg_stats s on s.schemaname = current_schema() and s.tablename = 'papers' and s.attname = 'search'
    where c.oid = 'papers'::regclass`;
  let stats: LexemeStats | null = null;
  if (row?.lexemes && row.freqs && row.rows > 0) {
    const { lexemes, freqs } = row;
    stats = {
      frequencies: new Map(lexemes.map((lexeme: string, i: number) => [lexeme, freqs[i]])),
      unlisted: freqs[lexemes.length],
      rows: row.rows,
    };
  }
  lexemeStatsCache.set(db, { at: Date.now(), stats });
  return stats;
}

/**
 * The query as `websearch_to_tsquery` should read it: a `-` negates the word or phrase right after it
 * and means nothing elsewhere, so runs of dashes become one and a dash before no word goes. Each dash
 * nests the query one level deeper, and a few hundred of them exceed PostgreSQL's parser ("tsquery stack
 * too small", an internal error) while meaning no more than one.
 */
export function webSearchText(q: string): string {
  return q.replace(/-+/g, '-').replace(/-(?![\p{L}\p{N}"])/gu, ' ');
}

/**
 * Full-text search over title (weight A) and abstract (weight B) with web-search syntax, plus a title
 * substring match on the folded title (finds `llama` in "TinyLlama", ranks an exact title first);
 * keyset-paginated by (rank, seq) for relevance and (date, seq) for recent. Relevance ranks the
 * `RANKED_CANDIDATES` most recent matches, collected as search-plan.ts decides (`options.scan` forces
 * a way: tests and benchmarks). Headlines are computed for the page only.
 */
export async function searchPapers(
  sql: Sql,
  p: SearchParams,
  options: { scan?: CandidateScan | null } = {},
): Promise<{ hits: PaperHit[]; last: SearchCursor | null; more: boolean }> {
  const tagFilter = p.tag ? sql`and p.tags @> ${[p.tag]}::text[]` : sql``;
  const pattern = p.q ? titleSubstringPattern(p.q) : null;
  const query = sql`websearch_to_tsquery('english', ${p.q ? webSearchText(p.q) : ''})`;
  const match = p.q
    ? sql`and (p.search @@ ${query} or (${pattern}::text is not null and p.title_key like ${pattern}))`
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
      page = sql`
        select * from (
          select c.id, c.seq, null::timestamptz as sort_at,
            (ts_rank(p.search, ${query})
              + case when ${pattern}::text is not null and p.title_key like ${pattern} then 1.0 else 0 end)::float8 as rank
          from (${candidates(sql, scan, sql`${match} ${tagFilter}`)}) c join papers p on p.ctid = c.tid
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
    return tx<
      (PaperRow & {
        seq: string;
        rank: number;
        sortAt: string | null;
        titleMarked: string | null;
        snippetMarked: string | null;
      })[]
    >`
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

/** Ids of the first `n` papers in insertion order (the demo board takes the top of the trending page). */
export async function firstPaperIds(sql: Sql, n: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`select id from papers order by seq limit ${n}`;
  return rows.map((r) => r.id);
}
