import type { Config } from '#server/config.js';
import type { Sql } from '#server/db/sql.js';
import type { FeedRun, FeedSource } from '#shared/schemas/feeds.js';
import { storeLines } from '#server/features/papers/papers.service.js';
import { analyzeAfterImport } from '#server/features/papers/papers.repository.js';
import { addDays } from '#server/local-time.js';
import type { FeedSpec } from '#server/feed-spec.js';
import { FeedFetchError, fetchFeed, type Validators } from './feed-http.js';
import { FeedFormatError, type FeedDraft, type SourceContext, type SourceResult } from './source.js';
import { fetchHfDaily } from './hf-daily.js';
import { fetchArxivListing } from './arxiv-listing.js';
import { fetchRss } from './rss.js';
import {
  allWatchSpecs,
  claimRun,
  findRun,
  finishRun,
  readValidators,
  recordFeedPapers,
  runStates,
  saveValidators,
  type RunOutcome,
} from './feeds.repository.js';

/** A failed run is claimed again on a later tick, at most this many times in all, ... */
export const MAX_RUN_ATTEMPTS = 3;
/** ... and not sooner than this after the previous attempt. */
const RETRY_AFTER_MS = 30 * 60_000;
/** A run still 'running' after this belongs to a node that died; it is claimed again. */
const STALE_AFTER_MS = 2 * 3600_000;

/** The logger the job needs (Fastify's and pino's fit). */
export interface FeedJobLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * Called after a run that stored or found papers: for a watch, every paper its run kept (new to the board
 * whether or not new to the library) with the watch's `boardId`; for an instance feed, the papers new to
 * the library. The recommendations feature ("Suggested") plugs in here; errors are logged, not raised.
 */
export type OnNewPapers = (paperIds: string[], context: { boardId?: string }) => void | Promise<void>;

/** What the feed job works with. */
export interface FeedJobDeps {
  sql: Sql;
  config: Pick<Config, 'feeds' | 'arxivApiUrl' | 'arxivMinIntervalMs'>;
  log: FeedJobLog;
  onNewPapers?: OnNewPapers;
  /** First wait before retrying a request (doubled each time); tests shorten it. Default 1 s. */
  retryBaseMs?: number;
}

/** One run the job made. */
export interface RunReport extends RunOutcome {
  feedKey: string;
  day: string;
  runId: string;
}

const SOURCES: Record<FeedSource, (ctx: SourceContext) => Promise<SourceResult>> = {
  'hf-daily': fetchHfDaily,
  arxiv: fetchArxivListing,
  rss: fetchRss,
};

/** Sources whose requests name the day; an RSS feed is read as it is, so only its latest day is run. */
const DATED: Record<FeedSource, boolean> = { 'hf-daily': true, arxiv: true, rss: false };

/** The latest day whose feeds are due at `now`: the day before the latest FEEDS_HOUR (UTC) passed. */
export function latestDueDay(now: Date, hour: number): string {
  const shifted = new Date(now.getTime() - hour * 3600_000).toISOString().slice(0, 10);
  return addDays(shifted, -1);
}

/** The days a feed owes at `now`, oldest first: the latest due day and up to `backfill - 1` before it. */
export function dueDays(spec: FeedSpec, latest: string, backfill: number): string[] {
  if (!DATED[spec.source]) return [latest];
  return Array.from({ length: backfill }, (_, i) => addDays(latest, i - backfill + 1));
}

/** Keeps the drafts that have every word of `query` in their title or abstract (any case). */
export function matchesQuery(draft: FeedDraft, query: string | null): boolean {
  const words = (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = `${draft.title} ${draft.abstract ?? ''}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

function describe(err: unknown): string {
  if (err instanceof FeedFetchError || err instanceof FeedFormatError) return err.message;
  return 'the run failed on our side';
}

/** Fetches and stores one claimed run; never throws (a failure is the outcome `failed`). */
async function executeRun(deps: FeedJobDeps, spec: FeedSpec, day: string): Promise<RunOutcome> {
  const none = { fetched: 0, filtered: 0, created: 0, duplicates: 0, errors: 0, error: null };
  const validators = await readValidators(deps.sql, spec.key);
  const seen = new Map<string, Validators>();
  const ctx: SourceContext = {
    spec,
    day,
    settings: {
      hfPapersApiUrl: deps.config.feeds.hfPapersApiUrl,
      arxivApiUrl: deps.config.arxivApiUrl,
      arxivMinIntervalMs: deps.config.arxivMinIntervalMs,
      allowPrivateUrls: deps.config.feeds.allowPrivateUrls,
    },
    async get(url, request) {
      const res = await fetchFeed(url, { ...request, validators: validators.get(url), retryBaseMs: deps.retryBaseMs });
      if (res.status === 'ok') seen.set(url, res.validators);
      return res;
    },
  };
  try {
    const result = await SOURCES[spec.source](ctx);
    if (result.status === 'unchanged') return { status: 'unchanged', ...none };
    const kept = result.items.filter((d) => matchesQuery(d, spec.query));
    const stored = await storeLines(deps.sql, { lines: kept.map((draft, i) => ({ line: i + 1, draft })) }, null);
    const paperOfLine = new Map<number, string>([
      ...stored.created.map((c) => [c.line, c.id] as const),
      ...stored.duplicates.map((d) => [d.line, d.existingId] as const),
    ]);
    // One entry per paper (a feed may list a paper twice), with the highest count it gave.
    const upvotes = new Map<string, number | null>();
    kept.forEach((draft, i) => {
      const paperId = paperOfLine.get(i + 1);
      if (!paperId) return;
      const count = draft.upvotes ?? null;
      const before = upvotes.get(paperId);
      upvotes.set(paperId, before === undefined || (count ?? -1) > (before ?? -1) ? count : before);
    });
    await recordFeedPapers(
      deps.sql,
      spec.key,
      day,
      [...upvotes].map(([paperId, count]) => ({ paperId, upvotes: count })),
    );
    await saveValidators(deps.sql, spec.key, seen);
    await analyzeAfterImport(deps.sql, stored.created.length);
    const fresh = spec.watch ? [...upvotes.keys()] : stored.created.map((c) => c.id);
    if (deps.onNewPapers && fresh.length > 0) {
      try {
        await deps.onNewPapers(fresh, spec.watch ? { boardId: spec.watch.boardId } : {});
      } catch (err) {
        deps.log.error({ err, feed: spec.key, day }, 'onNewPapers failed');
      }
    }
    return {
      status: 'done',
      fetched: result.items.length,
      filtered: result.items.length - kept.length,
      created: stored.created.length,
      duplicates: stored.duplicates.length,
      errors: stored.errors.length,
      error: null,
    };
  } catch (err) {
    if (!(err instanceof FeedFetchError || err instanceof FeedFormatError)) {
      deps.log.error({ err, feed: spec.key, day }, 'feed run failed');
    }
    return { status: 'failed', ...none, error: describe(err) };
  }
}

/** Claims and runs `spec` for `day`; null when the claim went to someone else (or nothing is owed). */
async function claimAndRun(
  deps: FeedJobDeps,
  spec: FeedSpec,
  day: string,
  now: Date,
  force: boolean,
): Promise<RunReport | null> {
  const runId = await claimRun(deps.sql, {
    spec,
    day,
    now,
    retryBefore: new Date(now.getTime() - RETRY_AFTER_MS),
    staleBefore: new Date(now.getTime() - STALE_AFTER_MS),
    maxAttempts: MAX_RUN_ATTEMPTS,
    force,
  });
  if (!runId) return null;
  const outcome = await executeRun(deps, spec, day);
  await finishRun(deps.sql, runId, outcome, new Date());
  deps.log.info({ feed: spec.key, day, ...outcome }, 'feed run');
  return { feedKey: spec.key, day, runId, ...outcome };
}

/**
 * One tick of the daily feed job: for every instance feed and watch, the days it owes at `now` (the latest
 * due day, and after downtime up to FEEDS_BACKFILL_DAYS of them), each claimed in the ledger before it is
 * fetched so that any number of nodes run it once. Days done, unchanged, or failed too often (or too
 * recently) are skipped. Returns the runs this process made.
 */
export async function runFeedJob(deps: FeedJobDeps, now: Date): Promise<RunReport[]> {
  const { specs, hour, backfillDays } = deps.config.feeds;
  const feeds = [...specs, ...(await allWatchSpecs(deps.sql))];
  if (feeds.length === 0) return [];
  const latest = latestDueDay(now, hour);
  const states = await runStates(
    deps.sql,
    feeds.map((f) => f.key),
    addDays(latest, 1 - backfillDays),
  );
  const retryBefore = now.getTime() - RETRY_AFTER_MS;
  const staleBefore = now.getTime() - STALE_AFTER_MS;
  const reports: RunReport[] = [];
  for (const spec of feeds) {
    for (const day of dueDays(spec, latest, backfillDays)) {
      const state = states.get(spec.key)?.get(day);
      // What the claim would refuse anyway, skipped without a write.
      if (state) {
        if (state.status === 'done' || state.status === 'unchanged') continue;
        if (state.attempts >= MAX_RUN_ATTEMPTS) continue;
        const since = state.claimedAt.getTime();
        if (state.status === 'failed' ? since >= retryBefore : since >= staleBefore) continue;
      }
      const report = await claimAndRun(deps, spec, day, now, false);
      if (report) reports.push(report);
    }
  }
  return reports;
}

/**
 * Runs one feed for one day by hand (the CLI): claimed like a scheduled run, but a finished day is run
 * again. Throws when the day is being run right now elsewhere.
 */
export async function runFeedByHand(deps: FeedJobDeps, spec: FeedSpec, day: string, now: Date): Promise<FeedRun> {
  const report = await claimAndRun(deps, spec, day, now, true);
  if (!report) throw new FeedBusyError(`${spec.key} is being run for ${day} right now; try again later`);
  return (await findRun(deps.sql, report.runId))!;
}

/** The feed and day asked for are being run elsewhere. */
export class FeedBusyError extends Error {}
