import fp from 'fastify-plugin';
import { badRequest } from '#server/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks its body's text itself (imports answer a binary file with 415). */
    checksOwnBodyText?: boolean;
  }
}

/**
 * What text cannot be: a NUL (PostgreSQL refuses it in text) or half of a surrogate pair (no character
 * at all; JSON sent to PostgreSQL with one is refused).
 */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where unstorable text sits in a parsed value: a JSON-pointer-like path, or null when there is none. */
function badTextPath(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : null;
  // Parsed JSON is at most as deep as the body limit allows; a bound keeps the walk cheap anyway.
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (UNSTORABLE.test(key)) return `${path}/${JSON.stringify(key).slice(1, -1)}`;
    const found = badTextPath(item, `${path}/${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Refuses any request whose path parameters, query or JSON body hold a NUL character or an unpaired
 * surrogate, naming where: PostgreSQL cannot store them, so they would otherwise surface as a server
 * error wherever the value reaches the database. No field of the API needs them.
 */
export const textInputPlugin = fp(
  async (app) => {
    app.addHook('preValidation', async (request) => {
      const body = request.routeOptions.config.checksOwnBodyText ? null : request.body;
      for (const [part, value] of [
        ['params', request.params],
        ['querystring', request.query],
        ['body', body],
      ] as const) {
        const where = badTextPath(value, part);
        if (where) throw badRequest(`${where} must not contain NUL characters or unpaired surrogates`);
      }
    });
  },
  { name: 'text-input' },
);
