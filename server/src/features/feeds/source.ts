import type { PaperDraft } from '#server/features/papers/importers/types.js';
import type { FeedSpec } from '#server/feed-spec.js';
import type { FeedRequest, FeedResponse } from './feed-http.js';

/** A paper as a feed lists it: a draft, plus the outside upvotes where the source counts them. */
export interface FeedDraft extends PaperDraft {
  upvotes?: number | null;
}

/** What a source needs to fetch one day. */
export interface SourceContext {
  spec: FeedSpec;
  /** The day, YYYY-MM-DD (UTC). */
  day: string;
  settings: { hfPapersApiUrl: string; arxivApiUrl: string; arxivMinIntervalMs: number; allowPrivateUrls: boolean };
  /** GETs a URL with this feed's validators for it (see feed-http.ts); throws FeedFetchError. */
  get(url: string, request: Omit<FeedRequest, 'validators' | 'retryBaseMs'>): Promise<FeedResponse>;
}

/** What a source brought: the papers it lists, or `unchanged` (a 304 to our validators). */
export type SourceResult = { status: 'ok'; items: FeedDraft[] } | { status: 'unchanged' };

/** Thrown by a source whose answer cannot be read (the run is recorded as failed). */
export class FeedFormatError extends Error {}

/** The day before `day` (YYYY-MM-DD). */
export function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
