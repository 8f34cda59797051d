/**
 * Shared HTTP plumbing of the network importers: a timeout on every request, one retry of transient
 * failures, a process-wide rate limit per API, and bounded concurrency. Failures are returned, never
 * thrown, so that an importer can turn them into per-line errors.
 */
import type { ImporterOutput, KnownLine, PaperDraft, ParsedLine } from './types.js';

/** How long one request (including reading its body) may take. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** A request's outcome as the importer reads it; `retry` marks a failure worth one more attempt. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; problem: string; retry?: boolean };

/** How to make and read one request. */
export interface RequestOptions<T> {
  /** Names the service in problems, e.g. `arXiv API` → "arXiv API answered 503". */
  service: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Awaited before each attempt (0 = first, 1 = the retry): a rate limit or a back-off. */
  beforeAttempt(attempt: number): Promise<void>;
  /** Reads a response that is neither a 5xx nor a 429 (those are retried here). */
  read(status: number, body: string): Attempt<T>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Time before which the next request to an API may not start, keyed by the API's base URL. */
const nextSlot = new Map<string, number>();

/**
 * Waits until a request to `key` may start: at most one every `intervalMs` in this process. Slots are
 * reserved synchronously, so concurrent imports queue up instead of sharing a slot.
 */
export async function waitForTurn(key: string, intervalMs: number): Promise<void> {
  const now = Date.now();
  const slot = Math.max(now, nextSlot.get(key) ?? 0);
  nextSlot.set(key, slot + intervalMs);
  // Timers may fire a millisecond early; the slot is a promise to the API, so wait it out in full.
  while (Date.now() < slot) await sleep(slot - Date.now());
}

function describeFailure(service: string, err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `${service} did not answer within ${Math.round(timeoutMs / 1000)} s`;
  }
  const cause = err instanceof Error ? err.cause : undefined;
  const code =
    cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string' ? cause.code : null;
  return `${service} could not be reached${code ? ` (${code})` : ''}`;
}

/**
 * GETs `url` and reads the answer with `options.read`; a network error, timeout, 5xx, 429 or a failure
 * that `read` marks as `retry` is tried once more. Never throws for network problems.
 */
export async function getWithRetry<T>(url: string, options: RequestOptions<T>): Promise<Attempt<T>> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  let outcome: Attempt<T> = { ok: false, problem: `${options.service} was not asked` };
  for (let attempt = 0; attempt < 2; attempt++) {
    await options.beforeAttempt(attempt);
    try {
      const res = await fetch(url, { headers: options.headers, signal: AbortSignal.timeout(timeoutMs) });
      const body = await res.text();
      outcome =
        res.status >= 500 || res.status === 429
          ? { ok: false, problem: `${options.service} answered ${res.status}`, retry: true }
          : options.read(res.status, body);
    } catch (err) {
      outcome = { ok: false, problem: describeFailure(options.service, err, timeoutMs), retry: true };
    }
    if (outcome.ok || !outcome.retry) return outcome;
  }
  return outcome;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the order of `items`. */
export async function mapConcurrent<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How an importer that fetches papers by identifier reads its input and fetches. */
export interface IdImport {
  /** Returns the identifier a line names, or null when it names none. */
  normalize(line: string): string | null;
  /** The error of a non-empty line that is not an identifier. */
  notAnId: string;
  reason: KnownLine['reason'];
  /** Identifiers of this list already in the library, id → paper id. */
  known(ids: string[]): Promise<Map<string, string>>;
  /** Fetches each id once: a draft, or the sentence that explains why there is none. */
  fetch(ids: string[]): Promise<Map<string, PaperDraft | string>>;
}

/**
 * Reads one identifier per line (blank lines ignored, CRLF tolerated), resolves ids already in the
 * library without a request, fetches the rest once each, and reports every non-blank line: repeated
 * ids keep their lines so that the service can report them as repeats.
 */
export async function importByIds(text: string, how: IdImport): Promise<ImporterOutput> {
  const lines: ParsedLine[] = [];
  const named: { line: number; id: string }[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const id = how.normalize(raw);
    if (id) named.push({ line: i + 1, id });
    else lines.push({ line: i + 1, error: how.notAnId });
  });
  const ids = [...new Set(named.map((n) => n.id))];
  const known = ids.length > 0 ? await how.known(ids) : new Map<string, string>();
  const fetched = await how.fetch(ids.filter((id) => !known.has(id)));
  const knownLines: KnownLine[] = [];
  for (const { line, id } of named) {
    const existingId = known.get(id);
    if (existingId) {
      knownLines.push({ line, existingId, title: id, reason: how.reason });
      continue;
    }
    const found = fetched.get(id) ?? `nothing was fetched for ${id}`;
    lines.push(typeof found === 'string' ? { line, error: found } : { line, draft: found });
  }
  lines.sort((a, b) => a.line - b.line);
  return { lines, known: knownLines };
}
