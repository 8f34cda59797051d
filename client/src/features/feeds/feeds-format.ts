import type { FeedRun, FeedSource, NewWatch, Watch } from '#shared/schemas/feeds.js';

/** The sources as the page names them. */
export const SOURCE_LABELS: Record<FeedSource, string> = {
  'hf-daily': 'Hugging Face daily papers',
  arxiv: 'arXiv new submissions',
  rss: 'RSS or Atom feed',
};

/** One line saying what a watch brings: "arXiv new submissions in cs.LG, cs.CL · matching “diffusion”". */
export function describeWatch(watch: Pick<Watch, 'source' | 'query' | 'categories' | 'url'>): string {
  const parts: string[] = [SOURCE_LABELS[watch.source]];
  if (watch.source === 'arxiv' && watch.categories.length) parts[0] += ` in ${watch.categories.join(', ')}`;
  if (watch.source === 'rss' && watch.url) parts.push(watch.url);
  if (watch.query) parts.push(`matching “${watch.query}”`);
  return parts.join(' · ');
}

/** A run in words: "12 fetched, 3 new, 9 already in the library", "no change since the last run", the error. */
export function describeRun(run: FeedRun): string {
  if (run.status === 'running') return 'running…';
  if (run.status === 'unchanged') return 'no change since the last run';
  if (run.status === 'failed') return `failed: ${run.error ?? 'unknown error'}`;
  const parts = [`${run.fetched} fetched`];
  if (run.filtered) parts.push(`${run.filtered} not matching`);
  parts.push(`${run.created} new`, `${run.duplicates} already in the library`);
  if (run.errors) parts.push(`${run.errors} unreadable`);
  return parts.join(', ');
}

/** What the add form holds, as typed. */
export interface WatchDraft {
  source: FeedSource;
  query: string;
  /** arXiv categories separated by commas or spaces. */
  categories: string;
  url: string;
}

/** The request for a draft: empty fields left out, categories split. */
export function watchRequest(draft: WatchDraft): NewWatch {
  const body: NewWatch = { source: draft.source };
  const query = draft.query.trim();
  if (query) body.query = query;
  if (draft.source === 'arxiv') {
    const categories = draft.categories.split(/[\s,]+/).filter(Boolean);
    if (categories.length) body.categories = categories;
  }
  if (draft.source === 'rss') body.url = draft.url.trim();
  return body;
}

/** The form field a server's 400 names (`body/url …` → `url`), or null. */
export function fieldOf(message: string): 'source' | 'query' | 'categories' | 'url' | null {
  const match = /^body\/(source|query|categories|url)\b/.exec(message);
  return match ? (match[1] as 'source' | 'query' | 'categories' | 'url') : null;
}
