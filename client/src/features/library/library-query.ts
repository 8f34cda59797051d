import type { PaperHit, PaperSort } from '../../../../shared/schemas/papers.js';

/** What the library's URL says: the query and the sort the user chose. */
export interface LibraryQuery {
  q: string;
  sort: PaperSort;
}

/** Reads `?q=&sort=`; relevance is the default sort and is left out of URLs. */
export function parseLibraryQuery(search: string): LibraryQuery {
  const params = new URLSearchParams(search);
  const sort = params.get('sort');
  return { q: params.get('q') ?? '', sort: sort === 'recent' || sort === 'trending' ? sort : 'relevance' };
}

/**
 * The `?q=&sort=` part of a URL for a query: '' for the plain library (by recency), `?sort=trending`
 * for the trending list without a query.
 */
export function formatLibraryQuery({ q, sort }: LibraryQuery): string {
  const query = q.trim();
  if (!query) return sort === 'trending' ? '?sort=trending' : '';
  const params = new URLSearchParams({ q: query });
  if (sort !== 'relevance') params.set('sort', sort);
  return `?${params}`;
}

/** `items` followed by those of `more` not already in it (a paper added meanwhile can shift pages). */
export function appendUnique(items: PaperHit[], more: PaperHit[]): PaperHit[] {
  const seen = new Set(items.map((p) => p.id));
  return [...items, ...more.filter((p) => !seen.has(p.id))];
}
