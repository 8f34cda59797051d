import type { Paper } from '#shared/schemas/papers.js';

/** How many authors a result names before "et al.". */
const SHOWN_AUTHORS = 3;

const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
// Publication dates are calendar dates (stored at midnight UTC when only the date is known): read in UTC,
// so that a reader west of Greenwich does not see the day before.
const PUBLISHED_FORMATS = {
  day: new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }),
  month: new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', timeZone: 'UTC' }),
  year: new Intl.DateTimeFormat(undefined, { year: 'numeric', timeZone: 'UTC' }),
} as const;

/** "Ada Lovelace, Alan Turing, Grace Hopper et al." for long author lists; empty when none are known. */
export function authorsLine(authors: string[]): string {
  if (authors.length <= SHOWN_AUTHORS) return authors.join(', ');
  return `${authors.slice(0, SHOWN_AUTHORS).join(', ')} et al.`;
}

/**
 * The date a result shows: publication when known, as precisely as it is known ("2019", "Mar 2019",
 * "Mar 4, 2019"), otherwise when it joined the library.
 */
export function paperDate(paper: Paper): { iso: string; label: string } {
  if (paper.publishedAt) {
    const precision = paper.publishedPrecision ?? 'day';
    const iso = precision === 'day' ? paper.publishedAt : paper.publishedAt.slice(0, precision === 'year' ? 4 : 7);
    return { iso, label: PUBLISHED_FORMATS[precision].format(new Date(paper.publishedAt)) };
  }
  return { iso: paper.createdAt, label: `Added ${dateFormat.format(new Date(paper.createdAt))}` };
}

/** The URL if it is http(s), else null: stored links are user input and must not become `javascript:`. */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The arXiv abstract page of an id. */
export function arxivUrl(arxivId: string): string {
  return `https://arxiv.org/abs/${encodeURIComponent(arxivId).replace(/%2F/gi, '/')}`;
}

/** "github.com/owner/repo" from a code URL, for tooltips. */
export function shortUrl(url: string): string {
  return url.replace(/^https?:\/\/(www\.)?/, '').replace(/\/$/, '');
}

/** The words and quoted phrases of a web-search query, each with the query that remains without it. */
export function withoutEachTerm(query: string): { term: string; rest: string }[] {
  const terms = query.match(/-?"[^"]*"?|\S+/g) ?? [];
  return terms.map((term, i) => ({ term, rest: terms.filter((_, j) => j !== i).join(' ') }));
}

/** The PDF of an arXiv paper. */
export function arxivPdfUrl(arxivId: string): string {
  return `https://arxiv.org/pdf/${encodeURIComponent(arxivId).replace(/%2F/gi, '/')}`;
}

/** The doi.org page of a DOI. */
export function doiUrl(doi: string): string {
  return `https://doi.org/${encodeURIComponent(doi).replace(/%2F/gi, '/')}`;
}

/** The page of a paper of the library. */
export function paperPath(paperId: string): string {
  return `/papers/${encodeURIComponent(paperId)}`;
}
