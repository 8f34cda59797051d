/**
 * What the importers that fetch papers by identifier (arXiv, DOI) share: reading one id per line, a
 * timeout on every request, one retry of transient failures, a process-wide rate limit per API and
 * bounded concurrency. Network failures are returned, never thrown, so that they become per-line errors.
 */
import type { ImporterOutput, KnownLine, PaperDraft, ParsedLine } from './types.js';

/** How long one request (including reading its body) may take. */
const REQUEST_TIMEOUT_MS = 30_000;

/** A request's outcome as the importer reads it; `retry` marks a failure worth one more attempt. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; problem: string; retry?: boolean };

/** How to make and read one request. */
interface RequestOptions<T> {
  /** Names the service in problems, e.g. `arXiv API` → "arXiv API answered 503". */
  service: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Sends each attempt through `inTurn(rateLimit.key, rateLimit.intervalMs, ...)`. */
  rateLimit?: { key: string; intervalMs: number };
  /** Wait before the retry when there is no rate limit (which already spaces the attempts). */
  retryDelayMs?: number;
  /** Reads a response that is neither a 5xx nor a 429 (those are retried here). */
  read(status: number, body: string): Attempt<T>;
}

/** Resolves once `performance.now()` has reached `time`; timers may fire a millisecond early. */
async function waitUntil(time: number): Promise<void> {
  while (performance.now() < time) {
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(time - performance.now())));
  }
}

/** Per API (keyed by base URL): settles when the latest queued request's interval has passed. */
const queues = new Map<string, Promise<void>>();

/**
 * Runs `request` when it is the turn of `key`: one request at a time per key in this process, each
 * starting at least `intervalMs` after the previous one finished. Counting from the end rather than
 * the start keeps the spacing on the wire even when a busy event loop delays sending a request; it
 * is also what arXiv asks for (one connection at a time, then a pause). Callers run in call order.
 */
export async function inTurn<T>(key: string, intervalMs: number, request: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let release = () => {};
  queues.set(key, new Promise<void>((resolve) => (release = resolve)));
  await previous;
  try {
    return await request();
  } finally {
    void waitUntil(performance.now() + intervalMs).then(release);
  }
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

async function attempt<T>(url: string, options: RequestOptions<T>, timeoutMs: number): Promise<Attempt<T>> {
  try {
    const res = await fetch(url, { headers: options.headers, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    if (res.status >= 500 || res.status === 429) {
      return { ok: false, problem: `${options.service} answered ${res.status}`, retry: true };
    }
    return options.read(res.status, body);
  } catch (err) {
    return { ok: false, problem: describeFailure(options.service, err, timeoutMs), retry: true };
  }
}

/**
 * GETs `url` and reads the answer with `options.read`; a network error, timeout, 5xx, 429 or a failure
 * that `read` marks as `retry` is tried once more. Never throws for network problems.
 */
export async function getWithRetry<T>(url: string, options: RequestOptions<T>): Promise<Attempt<T>> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const { rateLimit } = options;
  const send = () => attempt(url, options, timeoutMs);
  const once = () => (rateLimit ? inTurn(rateLimit.key, rateLimit.intervalMs, send) : send());
  const first = await once();
  if (first.ok || !first.retry) return first;
  if (!rateLimit) await waitUntil(performance.now() + (options.retryDelayMs ?? 0));
  return once();
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
interface IdImport {
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
