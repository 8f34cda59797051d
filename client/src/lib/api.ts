import type { ErrorBody } from '../../../shared/schemas/common.js';
import type {
  ImportFormat,
  ImportProgress,
  ImportResult,
  PaperPage,
  PaperSearchQuery,
} from '../../../shared/schemas/papers.js';

/** A failed API call: the HTTP status (0 when the network failed), the server's code and its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * A sentence to show people for any error: the server's message (which is lower-case and may start
 * with the offending field, as in "text: ...") as a capitalised sentence, or a generic one.
 */
export function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something unexpected went wrong.';
  const text = err.message.replace(/^[a-z]+(\/[a-zA-Z]+)?: /, '');
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** True for the error `fetch` throws when its `AbortSignal` fires; such answers are simply not wanted. */
export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).error === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

/** Turns a non-2xx response into an `ApiError`, keeping the server's message when it sent one. */
async function errorFrom(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  if (isErrorBody(body)) return new ApiError(response.status, body.error, body.message);
  return new ApiError(response.status, 'http', `the server answered ${response.status} ${response.statusText}`);
}

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, 'network', 'could not reach the server; check your connection');
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await request(path, { signal });
  return (await response.json()) as T;
}

/** One page of `GET /api/papers`. Empty parameters are left out of the URL. */
export function searchPapers(query: PaperSearchQuery, signal?: AbortSignal): Promise<PaperPage> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return getJson<PaperPage>(`/api/papers${search ? `?${search}` : ''}`, signal);
}

/** One line of the NDJSON stream of `POST /api/papers/import`. */
type ImportStreamLine = { progress: ImportProgress } | { result: ImportResult } | ErrorBody;

/**
 * Imports papers from `text`, streaming progress to `onProgress`; resolves with the result once the
 * server has stored everything. A refusal (4xx, or an error line in the stream) rejects with `ApiError`.
 */
export async function importPapers(
  text: string,
  format: ImportFormat,
  onProgress: (progress: ImportProgress) => void,
  signal?: AbortSignal,
): Promise<ImportResult> {
  const response = await request('/api/papers/import', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ text, format }),
    signal,
  });
  if (!response.body) throw new ApiError(response.status, 'http', 'the server sent an empty answer');

  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  const handle = (raw: string): ImportResult | null => {
    if (!raw.trim()) return null;
    let line: ImportStreamLine;
    try {
      line = JSON.parse(raw) as ImportStreamLine;
    } catch {
      throw new ApiError(response.status, 'protocol', 'the server sent an answer this page cannot read');
    }
    if ('progress' in line) {
      onProgress(line.progress);
      return null;
    }
    if ('result' in line) return line.result;
    throw new ApiError(response.status, line.error, line.message);
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const raw of lines) {
        const result = handle(raw);
        if (result) return result;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const result = handle(buffered);
  if (result) return result;
  throw new ApiError(response.status, 'incomplete', 'the import stopped before the server sent a result');
}
