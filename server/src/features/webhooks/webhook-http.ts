/**
 * How a delivery is sent: one JSON POST with a timeout, no redirects followed (a webhook answers where it
 * is), the answer read up to a small limit. URLs a board owner gave are connected through the feeds'
 * address guard, so a name that resolves into a private network is refused at connect time. Errors
 * never contain the URL (it is a secret): they name the platform and what went wrong.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isPrivateAddress, publicLookup } from '#server/features/feeds/feed-http.js';

const MAX_ANSWER_BYTES = 64 * 1024;

/** The outcome of one attempt; `retry` false for answers that another attempt would not change (4xx). */
export type PostOutcome = { ok: true } | { ok: false; error: string; retry: boolean };

function errorCode(err: unknown): string | null {
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : null;
  return typeof code === 'string' ? code : null;
}

/** POSTs `body` as JSON to `url`; never throws. */
export function postJson(
  url: string,
  body: object,
  options: { service: string; timeoutMs: number; publicOnly: boolean },
): Promise<PostOutcome> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (options.publicOnly && net.isIP(host) && isPrivateAddress(host)) {
    return Promise.resolve({ ok: false, error: `${options.service}: a private address, not sent`, retry: false });
  }
  const data = Buffer.from(JSON.stringify(body));
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': data.length,
          'user-agent': 'Paperboard webhooks',
        },
        timeout: options.timeoutMs,
        ...(options.publicOnly ? { lookup: publicLookup } : {}),
      },
      (res) => {
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) res.destroy();
        });
        const done = () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve({ ok: true });
          const retry = status >= 500 || status === 429 || status === 408;
          resolve({ ok: false, error: `${options.service} answered ${status}`, retry });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => {});
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => {
      const code = errorCode(err);
      if (code === 'EPRIVATE') {
        return resolve({ ok: false, error: `${options.service}: a private address, not sent`, retry: false });
      }
      const error =
        code === 'ETIMEDOUT'
          ? `${options.service} did not answer within ${options.timeoutMs / 1000} s`
          : `${options.service} could not be reached${code ? ` (${code})` : ''}`;
      resolve({ ok: false, error, retry: true });
    });
    req.end(data);
  });
}
