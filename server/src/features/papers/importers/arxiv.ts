import { XMLParser } from 'fast-xml-parser';
import { cleanText, normalizeArxivId } from '#server/features/papers/identifiers.js';
import { getWithRetry, importByIds, type Attempt } from './http.js';
import type { FetchSettings, ImporterOutput, PaperDraft, ProgressFn } from './types.js';

const BATCH_SIZE = 50;
// arXiv answers a malformed id with an error entry alone, dropping the rest of the batch; the rest is
// asked again, at most this many times per batch.
const MAX_REASKS = 3;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // The feed uses two namespaces whose element names do not collide; prefixes are only a convention.
  removeNSPrefix: true,
  // Keep every value a string: a title such as "1984" must not become a number.
  parseTagValue: false,
  isArray: (name) => ['entry', 'author', 'category', 'link'].includes(name),
});

type XmlNode = Record<string, unknown>;

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isNode(value)) return textOf(value['#text']);
  return '';
}

function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined ? [] : [value];
}

function attribute(node: unknown, name: string): string {
  return isNode(node) ? textOf(node[`@_${name}`]) : '';
}

/**
 * The id arXiv itself uses: normalised, and for old-style ids without the subject class
 * (`math.GT/0309136` is `math/0309136`): the form the API answers with.
 */
function canonicalArxivId(input: string): string | null {
  return normalizeArxivId(input)?.replace(/^([a-z-]+)\.[a-z]{2}\//, '$1/') ?? null;
}

/** An arXiv API answer as read. */
export interface ArxivFeed {
  /** The entries by canonical id, in the order of the feed. */
  papers: Map<string, PaperDraft>;
  /** Ids that arXiv answered with an error entry. */
  rejected: Set<string>;
  /** `opensearch:totalResults`: how many entries the query has in all (paging), null when absent. */
  total: number | null;
}

function readEntry(entry: XmlNode, id: string): PaperDraft {
  const categories = [
    attribute(entry.primary_category, 'term'),
    ...listOf(entry.category).map((c) => attribute(c, 'term')),
  ];
  return {
    title: cleanText(textOf(entry.title)),
    abstract: cleanText(textOf(entry.summary)),
    authors: listOf(entry.author)
      .map((a) => cleanText(isNode(a) ? textOf(a.name) : ''))
      .filter(Boolean),
    arxivId: id,
    doi: cleanText(textOf(entry.doi)) || null,
    url: `https://arxiv.org/abs/${id}`,
    tags: [...new Set(categories.map(cleanText).filter(Boolean))],
    publishedAt: cleanText(textOf(entry.published)) || null,
  };
}

/** Reads an arXiv Atom feed; null when `body` is not one (arXiv throttles with a plain-text body). */
export function readArxivFeed(body: string): ArxivFeed | null {
  let parsed: unknown;
  try {
    parsed = parser.parse(body);
  } catch {
    return null;
  }
  if (!isNode(parsed) || !('feed' in parsed)) return null;
  const totalText = isNode(parsed.feed) ? cleanText(textOf(parsed.feed.totalResults)) : '';
  const feed: ArxivFeed = {
    papers: new Map(),
    rejected: new Set(),
    total: /^\d+$/.test(totalText) ? Number(totalText) : null,
  };
  for (const entry of isNode(parsed.feed) ? listOf(parsed.feed.entry) : []) {
    if (!isNode(entry)) continue;
    const entryId = cleanText(textOf(entry.id));
    // Error entries (titled "Error") have ids such as http://arxiv.org/api/errors#incorrect_id_format_for_X.
    if (entryId.includes('/api/errors')) {
      const named = /_for_(.+)$/.exec(entryId);
      const id = named && canonicalArxivId(named[1]);
      if (id) feed.rejected.add(id);
      continue;
    }
    const id = canonicalArxivId(entryId);
    if (id) feed.papers.set(id, readEntry(entry, id));
  }
  return feed;
}

function readAnswer(status: number, body: string): Attempt<ArxivFeed> {
  const feed = readArxivFeed(body);
  // A malformed query gets a feed holding an error entry; it is read under 400 as well as 200.
  if (feed && (status === 200 || status === 400)) return { ok: true, value: feed };
  if (status === 200) return { ok: false, problem: 'arXiv API sent something that is not an Atom feed', retry: true };
  return { ok: false, problem: `arXiv API answered ${status}` };
}

async function fetchBatch(ids: string[], settings: FetchSettings): Promise<Map<string, PaperDraft | string>> {
  const results = new Map<string, PaperDraft | string>();
  let ask = ids;
  for (let round = 0; ask.length > 0 && round <= MAX_REASKS; round++) {
    // Normalised ids use only [a-z0-9./-], safe in a query string; commas stay literal as in arXiv's examples.
    const url = `${settings.arxivApiUrl}?id_list=${ask.join(',')}&max_results=${ask.length}`;
    const outcome = await getWithRetry(url, {
      service: 'arXiv API',
      rateLimit: { key: settings.arxivApiUrl, intervalMs: settings.arxivMinIntervalMs },
      read: readAnswer,
    });
    if (!outcome.ok) {
      for (const id of ask) results.set(id, outcome.problem);
      break;
    }
    const { papers, rejected } = outcome.value;
    for (const id of ask) {
      const paper = papers.get(id);
      if (paper) results.set(id, paper);
      else if (rejected.has(id)) results.set(id, `arXiv has no paper ${id}`);
    }
    ask = ask.some((id) => rejected.has(id)) ? ask.filter((id) => !results.has(id)) : [];
  }
  for (const id of ids) if (!results.has(id)) results.set(id, `arXiv has no paper ${id}`);
  return results;
}

/**
 * Imports a list of arXiv ids or abs/pdf URLs, one per line, with metadata from the arXiv API: ids
 * already in the library are resolved without a request, the rest are fetched in batches of 50, at
 * most one request every `arxivMinIntervalMs` across the process. Failures become per-line errors.
 */
export async function parseArxiv(
  text: string,
  settings: FetchSettings & { onProgress: ProgressFn },
): Promise<ImporterOutput> {
  return importByIds(text, {
    normalize: canonicalArxivId,
    notAnId: 'not an arXiv id or URL',
    reason: 'arxivId',
    known: (ids) => settings.knownArxivIds(ids),
    async fetch(ids) {
      const results = new Map<string, PaperDraft | string>();
      if (ids.length > 0) settings.onProgress(0, ids.length);
      for (let i = 0; i < ids.length; i += BATCH_SIZE) {
        const batch = ids.slice(i, i + BATCH_SIZE);
        for (const [id, result] of await fetchBatch(batch, settings)) results.set(id, result);
        settings.onProgress(Math.min(i + BATCH_SIZE, ids.length), ids.length);
      }
      return results;
    },
  });
}
