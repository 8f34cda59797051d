/**
 * How feeds fetch: a GET with the feed's HTTP validators (If-None-Match / If-Modified-Since), retried with
 * exponential backoff on network errors, 5xx and 429, a timeout and a size limit, redirects followed by
 * hand. URLs that a board owner typed (watches) go through a DNS lookup that refuses loopback, private and
 * link-local addresses, checked at connect time so that a redirect or a second DNS answer cannot reach
 * them either.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { inTurn } from '#server/features/papers/importers/http.js';

const TIMEOUT_MS = 30_000;
const MAX_BYTES = 20 * 1024 * 1024;
const MAX_REDIRECTS = 5;
/** Attempts of one request in all (the first and the retries). */
export const MAX_TRIES = 4;
const MAX_RETRY_AFTER_MS = 60_000;

/** The validators a response carried, to be sent back next time. */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

/** A fetched page: its body, or `unchanged` when the server answered 304 to our validators. */
export type FeedResponse =
  { status: 'ok'; body: string; contentType: string; validators: Validators; url: string } | { status: 'unchanged' };

/** A request that failed for good (after the retries, or at once for a 4xx); its message names the service. */
export class FeedFetchError extends Error {}

/** How to make one request. */
export interface FeedRequest {
  /** Names the service in errors ("Hugging Face answered 404"). */
  service: string;
  validators?: Validators | null;
  accept?: string;
  /** Refuse loopback, private and link-local addresses (a URL a board owner gave). */
  publicOnly?: boolean;
  /** One request at a time per key, `intervalMs` apart (arXiv asks for 3 s). */
  rateLimit?: { key: string; intervalMs: number };
  /** First wait before a retry; doubled each time (default 1 s). */
  retryBaseMs?: number;
}

const blocked = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  blocked.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(address, prefix, 'ipv6');
}

/** Whether an address may not be reached by a watch (loopback, private, link-local, multicast, unspecified). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : null;
  return family ? blocked.check(address, family) : false;
}

/** A `lookup` for http.request that answers only public addresses (webhooks use it too). */
export const publicLookup: net.LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const list = addresses as dns.LookupAddress[];
    const allowed = list.filter((a) => !isPrivateAddress(a.address));
    if (allowed.length === 0) {
      const refused = Object.assign(new Error(`${hostname} is a private address`), { code: 'EPRIVATE' });
      return callback(refused, '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, allowed);
    callback(null, allowed[0].address, allowed[0].family);
  });
};

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function requestOnce(url: URL, headers: Record<string, string>, publicOnly: boolean): Promise<RawResponse> {
  // An IP literal never goes through `lookup`: check it here.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (publicOnly && net.isIP(host) && isPrivateAddress(host)) {
    return Promise.reject(Object.assign(new Error(`${host} is a private address`), { code: 'EPRIVATE' }));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      { method: 'GET', headers, timeout: TIMEOUT_MS, ...(publicOnly ? { lookup: publicLookup } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BYTES) {
            req.destroy(Object.assign(new Error('the answer is larger than 20 MB'), { code: 'ETOOBIG' }));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** Follows redirects (http(s) only), each hop checked as the first. */
async function getFollowing(start: string, headers: Record<string, string>, publicOnly: boolean) {
  let url = new URL(start);
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(url, headers, publicOnly);
    const location = res.headers.location;
    if (res.status < 300 || res.status >= 400 || res.status === 304 || !location) return { res, url };
    if (hop === MAX_REDIRECTS) throw new FeedFetchError(`too many redirects from ${start}`);
    url = new URL(location, url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FeedFetchError(`a redirect to a ${url.protocol} URL was not followed`);
    }
  }
}

function errorCode(err: unknown): string | null {
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : null;
  return typeof code === 'string' ? code : null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or null. */
function retryAfterMs(value: string | undefined): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/**
 * GETs `url` with the given validators. Network errors, 5xx and 429 are tried again up to
 * {@link MAX_TRIES} times in all, waiting `retryBaseMs` × 2^n (or the server's Retry-After, up to a
 * minute); a private address or another 4xx fails at once. Throws {@link FeedFetchError}.
 */
export async function fetchFeed(url: string, request: FeedRequest): Promise<FeedResponse> {
  const headers: Record<string, string> = {
    accept: request.accept ?? '*/*',
    'user-agent': 'Paperboard feeds (+https://github.com/paperboard)',
  };
  if (request.validators?.etag) headers['if-none-match'] = request.validators.etag;
  if (request.validators?.lastModified) headers['if-modified-since'] = request.validators.lastModified;
  const base = request.retryBaseMs ?? 1000;
  let problem = '';
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    let wait = base * 2 ** attempt;
    try {
      const send = () => getFollowing(url, headers, request.publicOnly ?? false);
      const { res, url: finalUrl } = await (request.rateLimit
        ? inTurn(request.rateLimit.key, request.rateLimit.intervalMs, send)
        : send());
      if (res.status === 304) return { status: 'unchanged' };
      if (res.status >= 200 && res.status < 300) {
        const etag = res.headers.etag ?? null;
        const lastModified = res.headers['last-modified'] ?? null;
        return {
          status: 'ok',
          body: res.body,
          contentType: res.headers['content-type'] ?? '',
          validators: { etag, lastModified },
          url: finalUrl.toString(),
        };
      }
      problem = `${request.service} answered ${res.status}`;
      if (res.status < 500 && res.status !== 429) throw new FeedFetchError(problem);
      wait = Math.max(wait, Math.min(retryAfterMs(res.headers['retry-after']) ?? 0, MAX_RETRY_AFTER_MS));
    } catch (err) {
      if (err instanceof FeedFetchError) throw err;
      const code = errorCode(err);
      if (code === 'EPRIVATE') throw new FeedFetchError(`${request.service}: ${(err as Error).message}, not fetched`);
      if (code === 'ETOOBIG') throw new FeedFetchError(`${request.service}: ${(err as Error).message}`);
      problem =
        code === 'ETIMEDOUT'
          ? `${request.service} did not answer within ${TIMEOUT_MS / 1000} s`
          : `${request.service} could not be reached${code ? ` (${code})` : ''}`;
    }
    if (attempt < MAX_TRIES - 1) await sleep(wait);
  }
  throw new FeedFetchError(`${problem} (tried ${MAX_TRIES} times)`);
}
