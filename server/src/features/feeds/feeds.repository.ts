import type { Querier, Sql } from '#server/db/sql.js';
import type { FeedRun, FeedSource, NewWatch, Watch } from '#shared/schemas/feeds.js';
import type { FeedSpec } from '#server/feed-spec.js';
import type { Validators } from './feed-http.js';

interface WatchRow {
  id: string;
  boardId: string;
  source: FeedSource;
  query: string | null;
  categories: string[];
  url: string | null;
  createdAt: Date;
}

function toWatch(r: WatchRow): Watch {
  return { ...r, createdAt: r.createdAt.toISOString() };
}

/** A watch as the feed job runs it. */
export function watchSpec(w: Pick<WatchRow, 'id' | 'boardId' | 'source' | 'query' | 'categories' | 'url'>): FeedSpec {
  return {
    key: `watch:${w.id}`,
    source: w.source,
    categories: w.categories,
    query: w.query,
    url: w.url,
    watch: { id: w.id, boardId: w.boardId },
  };
}

/** Every watch of every board, as feeds to run. */
export async function allWatchSpecs(sql: Querier): Promise<FeedSpec[]> {
  const rows = await sql<WatchRow[]>`
    select id, board_id, source, query, categories, url, created_at from board_watches order by created_at, id`;
  return rows.map(watchSpec);
}

/** A board's watches, oldest first. */
export async function listWatches(sql: Querier, boardId: string): Promise<Watch[]> {
  const rows = await sql<WatchRow[]>`
    select id, board_id, source, query, categories, url, created_at from board_watches
    where board_id = ${boardId} order by created_at, id`;
  return rows.map(toWatch);
}

/**
 * Adds a watch unless the board has `max` already (counted under a lock on the board's row, so that two
 * requests at once cannot both add the last one). Null when the board is full.
 */
export async function insertWatch(
  sql: Sql,
  boardId: string,
  userId: string,
  watch: Required<Pick<NewWatch, 'source'>> & { query: string | null; categories: string[]; url: string | null },
  max: number,
): Promise<Watch | null> {
  return sql.begin(async (tx) => {
    await tx`select 1 from boards where id = ${boardId} for update`;
    const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from board_watches where board_id = ${boardId}`;
    if (n >= max) return null;
    const [row] = await tx<WatchRow[]>`
      insert into board_watches (board_id, source, query, categories, url, created_by)
      values (${boardId}, ${watch.source}, ${watch.query}, ${watch.categories}, ${watch.url}, ${userId})
      returning id, board_id, source, query, categories, url, created_at`;
    return toWatch(row);
  });
}

/** Removes a watch of the board (its runs go with it); false when there is no such watch on the board. */
export async function deleteWatch(sql: Querier, boardId: string, watchId: string): Promise<boolean> {
  const rows = await sql`delete from board_watches where id = ${watchId} and board_id = ${boardId} returning id`;
  return rows.length > 0;
}

/** What the ledger holds for some feeds since a day: key → day → the row's state. */
export async function runStates(
  sql: Querier,
  keys: string[],
  since: string,
): Promise<Map<string, Map<string, { status: FeedRun['status']; attempts: number; claimedAt: Date }>>> {
  const rows = await sql<
    { feedKey: string; day: string; status: FeedRun['status']; attempts: number; claimedAt: Date }[]
  >`
    select feed_key, day::text as day, status, attempts, claimed_at from feed_runs
    where feed_key = any(${keys}::text[]) and day >= ${since}::date`;
  const states = new Map<string, Map<string, { status: FeedRun['status']; attempts: number; claimedAt: Date }>>();
  for (const r of rows) {
    if (!states.has(r.feedKey)) states.set(r.feedKey, new Map());
    states.get(r.feedKey)!.set(r.day, r);
  }
  return states;
}

/** How a run is claimed. */
export interface RunClaim {
  spec: FeedSpec;
  day: string;
  now: Date;
  /** A failed run is claimed again when claimed before this, ... */
  retryBefore: Date;
  /** ... and tried at most this many times in all. */
  maxAttempts: number;
  /** A 'running' row claimed before this belongs to a node that died: it counts as failed. */
  staleBefore: Date;
  /** By hand: claims any row that is not running now (a finished day is run again). */
  force?: boolean;
}

/**
 * Claims the run of a feed for a day: inserts its ledger row, or takes over a row that may be run again
 * (failed, with attempts left and not too recently; or left 'running' by a dead node). The row's unique
 * (feed_key, day) makes concurrent claims on any number of nodes end with one winner: the losers' inserts
 * wait for the winner's commit, then find its row and update nothing. Returns the run's id, or null.
 */
export async function claimRun(sql: Querier, c: RunClaim): Promise<string | null> {
  const retryable = c.force
    ? sql`(d.status <> 'running' or d.claimed_at < ${c.staleBefore})`
    : sql`((d.status = 'failed' and d.claimed_at < ${c.retryBefore}) or (d.status = 'running' and d.claimed_at < ${c.staleBefore}))
        and d.attempts < ${c.maxAttempts}`;
  const [row]: [{ id: string }?] = await sql`
    insert into feed_runs as d (feed_key, source, watch_id, board_id, day, claimed_at)
    values (${c.spec.key}, ${c.spec.source}, ${c.spec.watch?.id ?? null}, ${c.spec.watch?.boardId ?? null}, ${c.day},
      ${c.now})
    on conflict (feed_key, day) do update set
      status = 'running', attempts = d.attempts + 1, claimed_at = excluded.claimed_at, finished_at = null, error = null,
      fetched = 0, filtered = 0, created = 0, duplicates = 0, errors = 0
    where ${retryable}
    returning id::text`;
  return row?.id ?? null;
}

/** The outcome of a run. */
export interface RunOutcome {
  status: 'done' | 'unchanged' | 'failed';
  fetched: number;
  filtered: number;
  created: number;
  duplicates: number;
  errors: number;
  error: string | null;
}

/** Records how a claimed run ended. */
export async function finishRun(sql: Querier, id: string, o: RunOutcome, at: Date): Promise<void> {
  await sql`
    update feed_runs set status = ${o.status}, fetched = ${o.fetched}, filtered = ${o.filtered}, created = ${o.created},
      duplicates = ${o.duplicates}, errors = ${o.errors}, error = ${o.error}, finished_at = ${at}
    where id = ${id}`;
}

interface RunRow {
  id: string;
  source: FeedSource;
  feedKey: string;
  day: string;
  status: FeedRun['status'];
  attempts: number;
  fetched: number;
  filtered: number;
  created: number;
  duplicates: number;
  errors: number;
  error: string | null;
  watchId: string | null;
  boardId: string | null;
  claimedAt: Date;
  finishedAt: Date | null;
}

const runColumns = (sql: Querier) => sql`
  r.id::text as id, r.source, r.feed_key, r.day::text as day, r.status, r.attempts, r.fetched, r.filtered, r.created,
  r.duplicates, r.errors, r.error, r.watch_id, r.board_id, r.claimed_at, r.finished_at`;

function toRun({ claimedAt, finishedAt, ...r }: RunRow): FeedRun {
  return { ...r, at: claimedAt.toISOString(), finishedAt: finishedAt ? finishedAt.toISOString() : null };
}

/** One run by id. */
export async function findRun(sql: Querier, id: string): Promise<FeedRun | null> {
  const [row]: [RunRow?] = await sql`select ${runColumns(sql)} from feed_runs r where r.id = ${id}`;
  return row ? toRun(row) : null;
}

/**
 * Recent runs a user may see, newest first: the instance feeds' (everyone signed in) and those of the
 * watches of boards the user belongs to; with `boardId`, only that board's watches'.
 */
export async function recentRuns(
  sql: Querier,
  p: { userId: string; boardId: string | null; limit: number },
): Promise<FeedRun[]> {
  const rows = await sql<RunRow[]>`
    select ${runColumns(sql)} from feed_runs r
    where ${
      p.boardId
        ? sql`r.board_id = ${p.boardId}`
        : sql`(r.board_id is null or exists (
            select 1 from board_members m where m.board_id = r.board_id and m.user_id = ${p.userId}))`
    }
    order by r.claimed_at desc, r.id desc
    limit ${p.limit}`;
  return rows.map(toRun);
}

/** The validators saved for a feed's URLs. */
export async function readValidators(sql: Querier, feedKey: string): Promise<Map<string, Validators>> {
  const rows = await sql<{ url: string; etag: string | null; lastModified: string | null }[]>`
    select url, etag, last_modified from feed_validators where feed_key = ${feedKey}`;
  return new Map(rows.map((r) => [r.url, { etag: r.etag, lastModified: r.lastModified }]));
}

/** Saves the validators of a successful run (URLs that sent none are forgotten). */
export async function saveValidators(sql: Querier, feedKey: string, byUrl: Map<string, Validators>): Promise<void> {
  for (const [url, v] of byUrl) {
    if (!v.etag && !v.lastModified) {
      await sql`delete from feed_validators where feed_key = ${feedKey} and url = ${url}`;
      continue;
    }
    await sql`
      insert into feed_validators (feed_key, url, etag, last_modified) values (${feedKey}, ${url}, ${v.etag}, ${v.lastModified})
      on conflict (feed_key, url) do update set etag = excluded.etag, last_modified = excluded.last_modified,
        updated_at = now()`;
  }
}

/**
 * Records what a feed brought on a day (with the outside upvotes, where given), then brings the papers'
 * `upvotes` to their latest day's count and `feed_day` to the first day a feed listed them.
 */
export async function recordFeedPapers(
  sql: Sql,
  feedKey: string,
  day: string,
  entries: { paperId: string; upvotes: number | null }[],
): Promise<void> {
  if (entries.length === 0) return;
  const ids = entries.map((e) => e.paperId);
  await sql.begin(async (tx) => {
    await tx`
      insert into feed_papers (feed_key, day, paper_id, upvotes)
      select ${feedKey}, ${day}::date, x.paper_id, x.upvotes
      from jsonb_to_recordset(${tx.json(entries.map((e) => ({ paper_id: e.paperId, upvotes: e.upvotes })))}::jsonb)
        as x(paper_id uuid, upvotes integer)
      on conflict (feed_key, day, paper_id) do update set upvotes = excluded.upvotes`;
    await tx`
      update papers p set
        feed_day = least(coalesce(p.feed_day, ${day}::date), ${day}::date),
        upvotes = coalesce((
          select f.upvotes from feed_papers f where f.paper_id = p.id and f.upvotes is not null
          order by f.day desc limit 1), p.upvotes)
      where p.id = any(${ids}::uuid[])`;
  });
}

/** A paper a watch of one of the reader's boards brought (see {@link watchPapersSince}). */
export interface WatchPaperRow {
  paperId: string;
  title: string;
  authors: string[];
  upvotes: number | null;
  boardId: string;
  boardName: string;
}

/**
 * Papers the watches of the user's boards brought in runs that finished in (`since`, `until`], not on
 * that board: most upvoted first, then newest, at most `limit`, each paper once (its first board by
 * name). With the number of such papers in all. For the digest's "New papers for your boards".
 */
export async function watchPapersSince(
  sql: Querier,
  userId: string,
  since: Date,
  until: Date,
  limit: number,
): Promise<{ rows: WatchPaperRow[]; total: number }> {
  const rows = await sql<(WatchPaperRow & { total: number })[]>`
    with brought as (
      select distinct on (f.paper_id) f.paper_id, r.board_id, b.name as board_name, f.day
      from feed_runs r
      join board_members m on m.board_id = r.board_id and m.user_id = ${userId}
      join boards b on b.id = r.board_id
      join feed_papers f on f.feed_key = r.feed_key and f.day = r.day
      where r.watch_id is not null and r.finished_at > ${since} and r.finished_at <= ${until}
        and not exists (
          select 1 from board_cards c where c.board_id = r.board_id and c.paper_id = f.paper_id)
      order by f.paper_id, b.name, r.board_id
    )
    select x.paper_id, p.title, p.authors, p.upvotes, x.board_id, x.board_name, count(*) over ()::int as total
    from brought x join papers p on p.id = x.paper_id
    order by p.upvotes desc nulls last, x.day desc, p.title, p.id
    limit ${limit}`;
  return { rows: rows.map(({ total: _, ...row }) => row), total: rows[0]?.total ?? 0 };
}
