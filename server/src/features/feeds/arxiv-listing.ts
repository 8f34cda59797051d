/**
 * arXiv listings: new submissions in some categories and/or matching a query, through the arXiv API
 * (`search_query=… AND submittedDate:[… TO …]`, newest first, 100 per page), at most one request every
 * ARXIV_MIN_INTERVAL_MS across the process (the importer's queue).
 */
import { readArxivFeed } from '#server/features/papers/importers/arxiv.js';
import type { FeedSpec } from '#server/feed-spec.js';
import { FeedFormatError, dayBefore, type FeedDraft, type SourceContext, type SourceResult } from './source.js';

const PAGE_SIZE = 100;
/** A day of cs.* is a few hundred papers; this bounds a run at 2000. */
const MAX_PAGES = 20;

/** Query words as arXiv search terms: letters and digits only, so they cannot change the query's syntax. */
function queryTerms(query: string | null): string[] {
  return (query ?? '')
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}-]/gu, ''))
    .filter(Boolean)
    .map((w) => `all:${w}`);
}

const compact = (day: string) => day.replaceAll('-', '');

/**
 * The search for `day`: submissions from the start of the day before to the end of `day` (UTC). arXiv
 * announces a submission up to a day after it arrives, so the day before is read again: what a run
 * missed because it was not announced yet comes with the next day's run (dedupe drops the rest).
 */
export function listingQuery(spec: Pick<FeedSpec, 'categories' | 'query'>, day: string): string {
  const parts: string[] = [];
  if (spec.categories.length) parts.push(`(${spec.categories.map((c) => `cat:${c}`).join(' OR ')})`);
  const words = queryTerms(spec.query);
  if (words.length) parts.push(`(${words.join(' AND ')})`);
  parts.push(`submittedDate:[${compact(dayBefore(day))}0000 TO ${compact(day)}2359]`);
  return parts.join(' AND ');
}

/** The URL of one page of the listing. */
export function listingUrl(apiUrl: string, query: string, start: number): string {
  return (
    `${apiUrl}?search_query=${encodeURIComponent(query)}&start=${start}&max_results=${PAGE_SIZE}` +
    '&sortBy=submittedDate&sortOrder=descending'
  );
}

/** The submissions of the run's day (and the day before), every page of them. */
export async function fetchArxivListing(ctx: SourceContext): Promise<SourceResult> {
  const { arxivApiUrl, arxivMinIntervalMs } = ctx.settings;
  const query = listingQuery(ctx.spec, ctx.day);
  const items: FeedDraft[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await ctx.get(listingUrl(arxivApiUrl, query, page * PAGE_SIZE), {
      service: 'arXiv API',
      accept: 'application/atom+xml',
      rateLimit: { key: arxivApiUrl, intervalMs: arxivMinIntervalMs },
    });
    if (res.status === 'unchanged') {
      if (page === 0) return res;
      break;
    }
    const feed = readArxivFeed(res.body);
    if (!feed) throw new FeedFormatError('arXiv API sent something that is not an Atom feed');
    if (feed.rejected.size > 0 && feed.papers.size === 0) throw new FeedFormatError('arXiv API refused the query');
    items.push(...feed.papers.values());
    const total = feed.total ?? 0;
    if (feed.papers.size < PAGE_SIZE || (page + 1) * PAGE_SIZE >= total) break;
  }
  return { status: 'ok', items };
}
