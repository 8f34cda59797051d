import type { PaperHit, PaperSort } from '#shared/schemas/papers.js';

/** What the library's URL says: the query and the sort the user chose. */
interface LibraryQuery {
  q: string;
  sort: PaperSort;
  /** Only papers with this tag; '' for all. */
  tag: string;
}

/** Reads `?q=&sort=`; relevance is the default sort and is left out of URLs. */
export function parseLibraryQuery(search: string): LibraryQuery {
  const params = new URLSearchParams(search);
  const sort = params.get('sort');
  return {
    q: params.get('q') ?? '',
    sort: sort === 'recent' || sort === 'trending' ? sort : 'relevance',
    tag: params.get('tag') ?? '',
  };
}

/**
 * The `?q=&sort=&tag=` part of a URL for a query: '' for the plain library (by recency); without a
 * query only `trending` is a sort worth keeping.
 */
export function formatLibraryQuery({ q, sort, tag }: LibraryQuery): string {
  const query = q.trim();
  const params = new URLSearchParams();
  if (query) params.set('q', query);
  if (query ? sort !== 'relevance' : sort === 'trending') params.set('sort', sort);
  if (tag) params.set('tag', tag);
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** `items` followed by those of `more` not already in it (a paper added meanwhile can shift pages). */
export function appendUnique(items: PaperHit[], more: PaperHit[]): PaperHit[] {
  const seen = new Set(items.map((p) => p.id));
  return [...items, ...more.filter((p) => !seen.has(p.id))];
}
