/**
 * Any RSS (0.9x, 1.0/RDF, 2.0) or Atom feed, read with @rowanmanning/feed-parser: journal tables of
 * contents, bioRxiv/medRxiv, a lab blog. Each item becomes a paper: title, link as its URL, summary (or
 * content) as abstract with the HTML stripped, authors, date, the DOI when the item carries one
 * (`prism:doi`, `dc:identifier`, a doi.org link) and the arXiv id when it links to arXiv.
 */
import { parseFeed } from '@rowanmanning/feed-parser';
import { cleanText, normalizeArxivId, normalizeDoi } from '#server/features/papers/identifiers.js';
import { FeedFormatError, type FeedDraft, type SourceContext, type SourceResult } from './source.js';

type FeedItem = ReturnType<typeof parseFeed>['items'][number];

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Text of an HTML fragment: tags (and scripts and styles with their content) removed, entities decoded. */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|li|h\d)>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
  return cleanText(text);
}

/** The DOI an item names: `prism:doi`, a `dc:identifier` that is a DOI, or a doi.org link. */
function doiOf(item: FeedItem): string | null {
  const element = item.element;
  for (const el of [...element.findElementsWithName('doi'), ...element.findElementsWithName('identifier')]) {
    const doi = normalizeDoi(el.textContentNormalized);
    if (doi) return doi;
  }
  const link = item.url ?? '';
  return /^https?:\/\/(dx\.)?doi\.org\//i.test(link) ? normalizeDoi(link) : null;
}

/** The arXiv id of an item that links to arXiv (abs or pdf), else null. */
function arxivIdOf(item: FeedItem): string | null {
  const link = item.url ?? '';
  return /^https?:\/\/(www\.|export\.)?arxiv\.org\/(abs|pdf)\//i.test(link) ? normalizeArxivId(link) : null;
}

/** Reads an RSS or Atom feed; throws FeedFormatError when `body` is neither. */
export function readRss(body: string): FeedDraft[] {
  let feed: ReturnType<typeof parseFeed>;
  try {
    feed = parseFeed(body);
  } catch (err) {
    throw new FeedFormatError(`the feed could not be read: ${(err as Error).message}`);
  }
  return feed.items.map((item) => {
    const date = item.published ?? item.updated;
    return {
      title: htmlToText(item.title ?? ''),
      abstract: htmlToText(item.description ?? item.content ?? ''),
      authors: item.authors.map((a) => cleanText(a.name ?? '')).filter(Boolean),
      url: item.url,
      doi: doiOf(item),
      arxivId: arxivIdOf(item),
      tags: item.categories.map((c) => cleanText(c.label ?? c.term ?? '')).filter(Boolean),
      publishedAt: date ? date.toISOString() : null,
    };
  });
}

/** The feed's items as it is now (a feed has no day: a run reads it whole, dedupe drops what is known). */
export async function fetchRss(ctx: SourceContext): Promise<SourceResult> {
  const res = await ctx.get(ctx.spec.url!, {
    service: new URL(ctx.spec.url!).host,
    accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1',
    // A watch's URL is a board owner's; an instance feed's is the operator's.
    publicOnly: ctx.spec.watch !== null && !ctx.settings.allowPrivateUrls,
  });
  if (res.status === 'unchanged') return res;
  return { status: 'ok', items: readRss(res.body) };
}
