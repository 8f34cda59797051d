import { cleanText, normalizeDoi } from '#server/features/papers/identifiers.js';
import { getWithRetry, importByIds, mapConcurrent, type Attempt } from './http.js';
import type { FetchSettings, ImporterOutput, PaperDraft, ProgressFn } from './types.js';

const CONCURRENCY = 3;
const RETRY_DELAY_MS = 1000;
const HEADERS = { accept: 'application/json', 'user-agent': 'Paperboard/0.1 (research paper board)' };

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * Plain text of Crossref's JATS markup. Block elements become spaces, inline ones (italics,
 * subscripts) vanish so that "H<sub>2</sub>O" stays "H2O"; the "Abstract" heading many publishers
 * put first is dropped.
 */
function plainText(markup: string): string {
  const text = markup
    .replace(/^\s*<(jats:)?title>\s*abstract\s*<\/(jats:)?title>/i, '')
    .replace(/<\/?(?:jats:)?(?:p|title|sec|list|list-item|break|disp-quote)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '');
  return cleanText(decodeEntities(text));
}

/** An ISO date from Crossref's `{ 'date-parts': [[2024, 1, 15]] }`; month and day may be missing. */
function dateOf(value: unknown): string | null {
  const parts = isObject(value) && Array.isArray(value['date-parts']) ? value['date-parts'][0] : null;
  if (!Array.isArray(parts)) return null;
  const [year, month = 1, day = 1] = parts;
  if (typeof year !== 'number' || typeof month !== 'number' || typeof day !== 'number') return null;
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  const pad = (n: number) => String(n).padStart(2, '0');
  // As precise as Crossref knows it: "2019" or "2019-03" keep the library from showing a made-up day.
  if (parts.length === 1) return String(year);
  if (parts.length === 2) return `${year}-${pad(month)}`;
  return `${year}-${pad(month)}-${pad(day)}`;
}

function readWork(work: JsonObject, doi: string): PaperDraft {
  const authors = (Array.isArray(work.author) ? work.author : []).filter(isObject).map((a) => {
    const name = cleanText(`${str(a.given)} ${str(a.family)}`);
    return name || cleanText(str(a.name));
  });
  return {
    title: plainText(strings(work.title)[0] ?? ''),
    abstract: plainText(str(work.abstract)),
    authors: authors.filter(Boolean),
    doi,
    url: str(work.URL) || `https://doi.org/${doi}`,
    tags: strings(work.subject),
    publishedAt: dateOf(work.published) ?? dateOf(work.issued),
  };
}

function readAnswer(doi: string) {
  return (status: number, body: string): Attempt<PaperDraft | string> => {
    if (status === 404) return { ok: true, value: `Crossref has no work ${doi}` };
    if (status !== 200) return { ok: false, problem: `Crossref answered ${status}` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = null;
    }
    if (!isObject(parsed) || !isObject(parsed.message)) {
      return { ok: false, problem: 'Crossref sent something that is not a work' };
    }
    return { ok: true, value: readWork(parsed.message, doi) };
  };
}

async function fetchWork(doi: string, settings: FetchSettings): Promise<PaperDraft | string> {
  const outcome = await getWithRetry(`${settings.crossrefApiUrl}/works/${encodeURIComponent(doi)}`, {
    service: 'Crossref',
    headers: HEADERS,
    retryDelayMs: RETRY_DELAY_MS,
    read: readAnswer(doi),
  });
  return outcome.ok ? outcome.value : outcome.problem;
}

/**
 * Imports a list of DOIs (bare, `doi:` or doi.org URLs), one per line, with metadata from Crossref:
 * DOIs already in the library are resolved without a request, the rest are fetched with up to three
 * requests in flight. Failures, including DOIs Crossref does not know, become per-line errors.
 */
export async function parseDois(
  text: string,
  settings: FetchSettings & { onProgress: ProgressFn },
): Promise<ImporterOutput> {
  return importByIds(text, {
    normalize: normalizeDoi,
    notAnId: 'not a DOI or doi.org URL',
    reason: 'doi',
    known: (dois) => settings.knownDois(dois),
    async fetch(dois) {
      let done = 0;
      if (dois.length > 0) settings.onProgress(0, dois.length);
      const works = await mapConcurrent(dois, CONCURRENCY, async (doi) => {
        const work = await fetchWork(doi, settings);
        settings.onProgress(++done, dois.length);
        return work;
      });
      return new Map(dois.map((doi, i) => [doi, works[i]]));
    },
  });
}
