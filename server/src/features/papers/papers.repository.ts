import type { Querier, Sql } from '#server/db/sql.js';
import type { LexemeStats } from './search-plan.js';
import type { DatePrecision, Paper } from '#shared/schemas/papers.js';

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
  /** How much of `publishedAt` is known (a year-only date is stored as its 1 January). */
  publishedPrecision: DatePrecision;
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
  publishedPrecision: DatePrecision;
  createdAt: Date;
  upvotes: number | null;
  /** YYYY-MM-DD (read as text). */
  feedDay: string | null;
}

/** The columns of a `PaperRow`, read from `papers` under the alias `p`. */
export const paperColumns = (sql: Sql) =>
  sql`p.id, p.title, p.abstract, p.authors, p.arxiv_id, p.doi, p.url, p.code_urls, p.tags, p.published_at,
    p.published_precision, p.created_at, p.upvotes, p.feed_day::text as feed_day`;

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
    publishedPrecision: row.publishedPrecision,
    createdAt: row.createdAt.toISOString(),
    upvotes: row.upvotes ?? null,
    feedDay: row.feedDay ?? null,
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
        insert into papers (seq, title, title_key, abstract, authors, arxiv_id, doi, url, code_urls, tags, published_at,
          published_precision, added_by)
        overriding system value
        select coalesce(seq, nextval(pg_get_serial_sequence('papers', 'seq'))), title, title_key, abstract, authors,
          arxiv_id, doi, url, code_urls, tags, published_at, published_precision, ${addedBy}::uuid
        from jsonb_to_recordset(${sql.json(fresh.map(toSnakeRecord))}::jsonb) as x(
          ord integer, seq bigint, title text, title_key text, abstract text, authors text[], arxiv_id text, doi text,
          url text, code_urls text[], tags text[], published_at timestamptz, published_precision text)
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
    published_precision: r.publishedPrecision,
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

/** Ids of the first `n` papers in insertion order (the demo board takes the top of the trending page). */
export async function firstPaperIds(sql: Sql, n: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`select id from papers order by seq limit ${n}`;
  return rows.map((r) => r.id);
}

/** How long word frequencies are reused before they are read again; ANALYZE changes them rarely. */
const LEXEME_STATS_TTL_MS = 60_000;
// Here rather than with search: `analyzeAfterImport` makes the cached frequencies stale and drops them.
const lexemeStatsCache = new WeakMap<object, { at: number; stats: LexemeStats | null }>();

/**
 * The word frequencies ANALYZE keeps for `papers.search` (null when the table was never analysed),
 * cached per database for a minute. `pg_stats.most_common_elem_freqs` lists one frequency per lexeme,
 * then the lowest and highest of them and the frequency of nulls. Search plans with them (search-plan.ts).
 */
export async function lexemeStats(db: Sql, sql: Querier): Promise<LexemeStats | null> {
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
