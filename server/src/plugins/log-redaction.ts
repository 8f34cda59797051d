import type { FastifyRequest } from 'fastify';

/** Query parameters that carry secrets: calendar feed tokens, unsubscribe signatures. */
const SECRET_PARAMS = new Set(['token', 'sig', 'signature']);
/** Paths whose last segment is a secret: invitation links. */
const SECRET_PATH = /^(\/api\/invites\/)[^/?]+/;

/** A request URL as it may be logged: secrets in the path or the query replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  const path = (at === -1 ? url : url.slice(0, at)).replace(SECRET_PATH, '$1[redacted]');
  if (at === -1) return path;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const name = decodeURIComponentSafe(pair.split('=')[0]);
      return SECRET_PARAMS.has(name.toLowerCase()) ? `${pair.split('=')[0]}=[redacted]` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Fastify's request log fields, with the URL redacted. */
export function requestSerializer(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
