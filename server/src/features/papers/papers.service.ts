import type { Sql } from '#server/db/sql.js';
import type { DatePrecision, ImportFormat, ImportProgress, ImportResult, NewPaper } from '#shared/schemas/papers.js';
import { PAPER_LIMITS } from '#shared/schemas/papers.js';
import { cleanText, normalizeArxivId, normalizeDoi, titleKey } from './identifiers.js';
import {
  analyzeAfterImport,
  findIdsByArxivIds,
  findIdsByDois,
  insertPapers,
  recordImport,
  reserveSeqs,
  type InsertOutcome,
  type PaperRecord,
} from './papers.repository.js';
import { detectFormat, runImporter } from './importers/index.js';
import type { FetchSettings, ImporterOutput, PaperDraft } from './importers/types.js';

/** Raised for input that cannot be imported at all (as opposed to single bad lines). */
export class ImportInputError extends Error {}

const INSERT_BATCH = 500;
// Batches stored at once: on a real server each runs in its own backend, so the English stemming of the
// generated tsvector (most of the cost of an insert) uses two cores. Embedded mode has one backend.
const BATCHES_IN_FLIGHT = 2;

function validUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function validDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** How much of a draft's date is known: importers write "2019" or "2019-03" when that is all they read. */
function precisionOf(value: string | null | undefined): DatePrecision {
  const text = value?.trim() ?? '';
  if (/^\d{4}$/.test(text)) return 'year';
  if (/^\d{4}-\d{2}$/.test(text)) return 'month';
  return 'day';
}

function uniqueClean(values: string[] | undefined, max: number, maxLength: number): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    const clean = cleanText(v);
    if (clean && clean.length <= maxLength && !out.includes(clean)) out.push(clean);
    if (out.length === max) break;
  }
  return out;
}

/** Turns an importer's draft into a storable record, or explains in one sentence why it cannot be stored. */
function toRecord(draft: PaperDraft): PaperRecord | string {
  const title = cleanText(draft.title ?? '');
  if (!title) return 'the paper has no title';
  if (title.length > PAPER_LIMITS.title) return `the title is longer than ${PAPER_LIMITS.title} characters`;
  const abstract = cleanText(draft.abstract ?? '');
  if (abstract.length > PAPER_LIMITS.abstract) return `the abstract is longer than ${PAPER_LIMITS.abstract} characters`;
  return {
    title,
    titleKey: titleKey(title) || title.toLowerCase(),
    abstract,
    authors: uniqueClean(draft.authors, PAPER_LIMITS.authors, PAPER_LIMITS.authorName),
    arxivId: draft.arxivId ? normalizeArxivId(draft.arxivId) : null,
    doi: draft.doi ? normalizeDoi(draft.doi) : null,
    url: validUrl(draft.url),
    codeUrls: uniqueClean(draft.codeUrls, PAPER_LIMITS.codeUrls, PAPER_LIMITS.url).filter((u) => validUrl(u)),
    tags: uniqueClean(draft.tags, PAPER_LIMITS.tags, PAPER_LIMITS.tag),
    publishedAt: validDate(draft.publishedAt),
    publishedPrecision: precisionOf(draft.publishedAt),
  };
}

/** Options of one import run. */
export interface ImportOptions {
  format: ImportFormat;
  settings: Omit<FetchSettings, 'knownArxivIds' | 'knownDois'>;
  onProgress?: (progress: ImportProgress) => void;
  /** The user who imports; null for the demo seed and the CLI. */
  addedBy?: string | null;
  /** Reads BibTeX somewhere other than this thread (the server's reader thread); default: here. */
  readBibtex?: (text: string) => Promise<ImporterOutput>;
  /**
   * The importer's hourly allowance: given the entries read, how many may go on (the rest become error
   * lines, saying when to try them again). None for the CLI and the demo seed.
   */
  allowance?: (entries: number) => Promise<{ granted: number; retryAfter: number }>;
}

/** Turns the entries past the allowance into error lines (imported later, they are still in the file). */
async function applyAllowance(output: ImporterOutput, allowance: ImportOptions['allowance']): Promise<void> {
  if (!allowance) return;
  const { granted, retryAfter } = await allowance(output.lines.length);
  if (granted >= output.lines.length) return;
  const minutes = Math.max(1, Math.ceil(retryAfter / 60));
  const message = `not imported: over your hourly import allowance; import it again in ${minutes} min`;
  output.lines = output.lines.map((entry, i) => (i < granted ? entry : { line: entry.line, error: message }));
}

/** Where each line of an import went: every line is in exactly one list. */
export type StoredLines = Omit<ImportResult, 'format'>;

/**
 * Stores what an importer read: dedupes inside the input (a later line repeating an earlier one by arXiv
 * id, DOI or title key is a duplicate of it), then against the library, and inserts the new papers in
 * batches. Imports and feeds both store through here, so that dedupe is one piece of code.
 */
export async function storeLines(
  sql: Sql,
  output: ImporterOutput,
  addedBy: string | null,
  progress: (progress: ImportProgress) => void = () => {},
): Promise<StoredLines> {
  const result: StoredLines = {
    created: [],
    duplicates: (output.known ?? []).map((k) => ({ ...k })),
    errors: [],
  };

  // Dedupe inside the input first: a later line repeating an earlier one is a duplicate of it.
  const pending: { line: number; record: PaperRecord }[] = [];
  const firstByKey = new Map<string, number>();
  const repeats: { line: number; title: string; of: number; reason: string }[] = [];
  for (const entry of output.lines) {
    if ('error' in entry) {
      result.errors.push({ line: entry.line, message: entry.error });
      continue;
    }
    const record = toRecord(entry.draft);
    if (typeof record === 'string') {
      result.errors.push({ line: entry.line, message: record });
      continue;
    }
    const keys: [string, string | null][] = [
      ['arxivId', record.arxivId && `a:${record.arxivId}`],
      ['doi', record.doi && `d:${record.doi}`],
      ['title', `t:${record.titleKey}`],
    ];
    const hit = keys.find(([, k]) => k && firstByKey.has(k));
    if (hit) {
      repeats.push({ line: entry.line, title: record.title, of: firstByKey.get(hit[1]!)!, reason: hit[0] });
      continue;
    }
    const index = pending.length;
    for (const [, k] of keys) if (k) firstByKey.set(k, index);
    pending.push({ line: entry.line, record });
  }

  // Seq values are taken up front, in input order, so that batches in flight at once still store the
  // feed in its order (seq breaks ties in sorting).
  const seqs = await reserveSeqs(sql, pending.length);
  const outcomes: InsertOutcome[] = [];
  let stored = 0;
  let next = 0;
  const storeBatches = async () => {
    while (next < pending.length) {
      const start = next;
      next += INSERT_BATCH;
      const batch = pending.slice(start, start + INSERT_BATCH);
      const batchOutcomes = await insertPapers(
        sql,
        batch.map((p) => p.record),
        addedBy,
        seqs.slice(start, start + INSERT_BATCH),
      );
      batchOutcomes.forEach((outcome, i) => (outcomes[start + i] = outcome));
      stored += batch.length;
      progress({ phase: 'store', done: stored, total: pending.length });
    }
  };
  await Promise.all(Array.from({ length: BATCHES_IN_FLIGHT }, storeBatches));
  pending.forEach(({ line, record }, i) => {
    const outcome = outcomes[i];
    if (outcome.status === 'created') result.created.push({ line, id: outcome.id, title: record.title });
    else result.duplicates.push({ line, existingId: outcome.id, title: record.title, reason: outcome.reason });
  });
  for (const r of repeats) {
    result.duplicates.push({ line: r.line, existingId: outcomes[r.of].id, title: r.title, reason: r.reason });
  }
  result.duplicates.sort((a, b) => a.line - b.line);
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}

/**
 * Parses `text` in the given (or detected) format, fetches metadata where the format needs it,
 * deduplicates against the library and within the input, and stores the new papers in batches.
 * Every input line ends up in exactly one of `created`, `duplicates` or `errors`.
 */
export async function importPapers(sql: Sql, text: string, options: ImportOptions): Promise<ImportResult> {
  const format = options.format === 'auto' ? detectFormat(text) : options.format;
  if (!format) {
    throw new ImportInputError('format: could not tell the format of the text; choose trending, arxiv, bibtex or doi');
  }
  const progress = options.onProgress ?? (() => {});
  // Reading BibTeX can take seconds (no count is known until it is done); the other formats read at once.
  if (format === 'bibtex') progress({ phase: 'parse', done: 0, total: 0 });
  const output = await runImporter(format, text, {
    ...options.settings,
    knownArxivIds: (ids) => findIdsByArxivIds(sql, ids),
    knownDois: (dois) => findIdsByDois(sql, dois),
    onProgress: (done, total) => progress({ phase: 'fetch', done, total }),
    readBibtex: options.readBibtex,
  });
  if (format === 'bibtex') progress({ phase: 'parse', done: output.lines.length, total: output.lines.length });
  await applyAllowance(output, options.allowance);

  const result: ImportResult = { format, ...(await storeLines(sql, output, options.addedBy ?? null, progress)) };

  await recordImport(sql, {
    format,
    created: result.created.length,
    duplicates: result.duplicates.length,
    errors: result.errors.length,
  });
  await analyzeAfterImport(sql, result.created.length);
  return result;
}

/** Adds one paper; returns the new id, or the existing paper's id and which key matched. */
export async function addPaper(
  sql: Sql,
  input: NewPaper,
  addedBy: string | null,
): Promise<InsertOutcome | { status: 'invalid'; message: string }> {
  const record = toRecord(input);
  if (typeof record === 'string') return { status: 'invalid', message: record };
  if (input.arxivId && !record.arxivId) return { status: 'invalid', message: 'arxivId: not an arXiv identifier' };
  if (input.doi && !record.doi) return { status: 'invalid', message: 'doi: not a DOI' };
  const [outcome] = await insertPapers(sql, [record], addedBy);
  return outcome;
}
