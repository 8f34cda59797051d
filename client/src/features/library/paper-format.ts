import type { Paper } from '#shared/schemas/papers.js';

/** How many authors a result names before "et al.". */
const SHOWN_AUTHORS = 3;

const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** "Ada Lovelace, Alan Turing, Grace Hopper et al." for long author lists; empty when none are known. */
export function authorsLine(authors: string[]): string {
  if (authors.length <= SHOWN_AUTHORS) return authors.join(', ');
  return `${authors.slice(0, SHOWN_AUTHORS).join(', ')} et al.`;
}

/** The date a result shows: publication when known, otherwise when it joined the library. */
export function paperDate(paper: Paper): { iso: string; label: string } {
  if (paper.publishedAt) return { iso: paper.publishedAt, label: dateFormat.format(new Date(paper.publishedAt)) };
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
