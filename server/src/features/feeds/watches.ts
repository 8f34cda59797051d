import net from 'node:net';
import { badRequest } from '#server/errors.js';
import type { NewWatch } from '#shared/schemas/feeds.js';
import { feedUrlProblem } from '#server/feed-spec.js';
import { isPrivateAddress } from './feed-http.js';

/** A watch as stored: the fields its source uses, the others null or empty. */
export interface WatchFields {
  source: NewWatch['source'];
  query: string | null;
  categories: string[];
  url: string | null;
}

/**
 * Checks a new watch against its source (400 naming the field): `hf-daily` takes a query only, `arxiv`
 * categories and/or a query, `rss` a feed URL (http or https, no credentials, not a private address
 * unless FEEDS_ALLOW_PRIVATE_URLS; the address a name resolves to is checked when fetching) and a query.
 */
export function checkWatch(body: NewWatch, allowPrivateUrls: boolean): WatchFields {
  const query = body.query?.trim().replace(/\s+/g, ' ') || null;
  if (body.query !== undefined && !query) throw badRequest('body/query must have a word in it');
  const categories = [...new Set(body.categories ?? [])];
  if (body.source !== 'arxiv' && categories.length > 0) {
    throw badRequest(`body/categories are for arxiv watches, not ${body.source}`);
  }
  if (body.source !== 'rss' && body.url !== undefined) {
    throw badRequest(`body/url is for rss watches, not ${body.source}`);
  }
  if (body.source === 'arxiv' && categories.length === 0 && !query) {
    throw badRequest('body/categories: an arxiv watch needs categories or a query');
  }
  let url: string | null = null;
  if (body.source === 'rss') {
    if (body.url === undefined) throw badRequest('body/url: an rss watch needs the feed URL');
    const problem = feedUrlProblem(body.url.trim());
    if (problem) throw badRequest(`body/url ${problem}`);
    const parsed = new URL(body.url.trim());
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const local = host === 'localhost' || host.endsWith('.localhost') || (net.isIP(host) && isPrivateAddress(host));
    if (local && !allowPrivateUrls) throw badRequest('body/url must not point to this machine or a private network');
    url = parsed.toString();
  }
  return { source: body.source, query, categories, url };
}
