/** Where feed papers come from: Hugging Face daily papers, an arXiv listing, an RSS/Atom feed. */
export const FEED_SOURCES = ['hf-daily', 'arxiv', 'rss'] as const;
export type FeedSource = (typeof FEED_SOURCES)[number];

/** Bounds of a watch, shared by validation and the database constraints. */
export const WATCH_LIMITS = {
  /** Watches on one board. */
  perBoard: 10,
  query: 200,
  categories: 10,
  url: 2000,
} as const;

/** An arXiv category: `cs.LG`, `math.AP`, `hep-th`, `astro-ph.CO`. */
export const ARXIV_CATEGORY_PATTERN = '^[a-z][a-z-]{0,19}(\\.[A-Za-z-]{1,10})?$';
