import { ARXIV_CATEGORY_PATTERN, type FeedSource } from '#shared/schemas/feeds.js';

/** One feed as the job runs it: an instance feed (from `FEEDS`) or a board's watch. */
export interface FeedSpec {
  /** The ledger's name of the feed: the FEEDS entry, or `watch:<id>`. */
  key: string;
  source: FeedSource;
  /** arXiv categories (arxiv only). */
  categories: string[];
  /** Words every paper must have in its title or abstract (and, for arXiv, in the search). */
  query: string | null;
  /** The RSS/Atom feed (rss only). */
  url: string | null;
  /** Set for a watch. */
  watch: { id: string; boardId: string } | null;
}

const CATEGORY = new RegExp(ARXIV_CATEGORY_PATTERN);

/**
 * Why `value` may not be fetched as a feed URL, or null when it may: http(s) only, a host, no credentials
 * (they would be stored and shown), no fragment games. Addresses are checked again when fetching.
 */
export function feedUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (!url.hostname) return 'must name a host';
  if (url.username || url.password) return 'must not carry a user name or password';
  return null;
}

/**
 * Reads one `FEEDS` entry (or the CLI's `--feed`): `hf-daily`, `arxiv:cs.LG+cs.CL` or `rss:<url>`.
 * Throws an Error saying what is wrong.
 */
export function parseFeedSpec(raw: string): FeedSpec {
  const text = raw.trim();
  const colon = text.indexOf(':');
  const source = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1).trim();
  const base = { categories: [], query: null, url: null, watch: null };
  switch (source) {
    case 'hf-daily':
      if (rest) throw new Error(`"${text}": hf-daily takes nothing after it`);
      return { ...base, key: 'hf-daily', source };
    case 'arxiv': {
      const categories = rest.split('+').map((c) => c.trim());
      const bad = categories.find((c) => !CATEGORY.test(c));
      if (bad !== undefined) throw new Error(`"${text}": "${bad}" is not an arXiv category such as cs.LG`);
      return { ...base, key: `arxiv:${categories.join('+')}`, source, categories };
    }
    case 'rss': {
      const problem = feedUrlProblem(rest);
      if (problem) throw new Error(`"${text}": the feed URL ${problem}`);
      return { ...base, key: `rss:${rest}`, source, url: rest };
    }
    default:
      throw new Error(`"${text}" is not a feed: use hf-daily, arxiv:<categories joined by +> or rss:<url>`);
  }
}

/** Reads `FEEDS`: entries separated by commas (a comma inside an RSS URL is written %2C). */
export function parseFeedList(raw: string | undefined): FeedSpec[] {
  const specs = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseFeedSpec);
  return specs.filter((s, i) => specs.findIndex((o) => o.key === s.key) === i);
}
