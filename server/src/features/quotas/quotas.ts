import fastifyRateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Sql } from '#server/db/sql.js';
import { HttpError } from '#server/errors.js';
import { addHits, currentHits } from './quotas.repository.js';

/** One limit: at most `max` hits per `windowSeconds` for each key `key(request)` gives. */
interface LimitSpec {
  /** Prefix of the limit's keys, so that two limits never share a count. */
  name: string;
  max: number;
  windowSeconds: number;
  key: (request: FastifyRequest) => string;
  /** The 429's message, given the seconds until the window ends. */
  refusal: (retryAfter: number) => string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** A check that counts one hit for the request and refuses past the limit: 429 with Retry-After. */
    limiter(spec: LimitSpec): (request: FastifyRequest) => Promise<void>;
  }
}

/** A fixed-window store for @fastify/rate-limit in the `rate_limit_hits` table, shared by every node. */
function sharedStore(sql: Sql) {
  return class SharedWindowStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow = 60_000,
    ): void {
      addHits(sql, key, Math.max(1, Math.ceil(timeWindow / 1000))).then(
        ({ hits, retryAfter }) => callback(null, { current: hits, ttl: retryAfter * 1000 }),
        (error: Error) => callback(error),
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

/**
 * Request limits through @fastify/rate-limit, counted in PostgreSQL so that they hold across nodes
 * and restarts (the library's own stores are per process, or Redis). Routes take their checks from
 * `app.limiter` rather than a route option, because a login counts against three keys at once.
 */
export const quotasPlugin = fp(
  async (app) => {
    await app.register(fastifyRateLimit, { global: false, store: sharedStore(app.sql) });
    app.decorate('limiter', (spec: LimitSpec) => {
      const check = app.createRateLimit({
        max: spec.max,
        timeWindow: spec.windowSeconds * 1000,
        keyGenerator: (request) => `${spec.name}:${spec.key(request)}`,
      });
      return async (request: FastifyRequest) => {
        const outcome = await check(request);
        if (outcome.isAllowed || !outcome.isExceeded) return;
        const retryAfter = outcome.ttlInSeconds;
        throw new HttpError(429, 'rate_limited', spec.refusal(retryAfter), { retryAfter });
      };
    });
  },
  { name: 'quotas', dependencies: ['db'] },
);

/** Papers one user may import per hour: `papersPerHour` entries read, whatever became of them. */
const PAPERS_WINDOW_SECONDS = 3600;

/** The 429 of a user with no papers left this hour. */
export function papersRefusal(papersPerHour: number, retryAfter: number): HttpError {
  return new HttpError(
    429,
    'rate_limited',
    `papers imported: at most ${papersPerHour} an hour; try again in ${retryAfter} s`,
    { retryAfter },
  );
}

/** Refuses an import before any work when the user has no papers left this hour (429 with Retry-After). */
export async function assertPapersLeft(sql: Sql, userId: string, papersPerHour: number): Promise<void> {
  const used = await currentHits(sql, `papers:${userId}`, PAPERS_WINDOW_SECONDS);
  if (used < papersPerHour) return;
  // Adding nothing reads the window's end without using any of it.
  const { retryAfter } = await addHits(sql, `papers:${userId}`, PAPERS_WINDOW_SECONDS, 0);
  throw papersRefusal(papersPerHour, retryAfter);
}

/**
 * Takes up to `wanted` papers from the user's hourly allowance and returns how many it got (the rest
 * is given back at once). Concurrent imports of one user each see the count after their own addition,
 * so together they never take more than the allowance.
 */
export async function takePapers(
  sql: Sql,
  userId: string,
  wanted: number,
  papersPerHour: number,
): Promise<{ granted: number; retryAfter: number }> {
  if (wanted === 0) return { granted: 0, retryAfter: 0 };
  const key = `papers:${userId}`;
  const { hits, retryAfter } = await addHits(sql, key, PAPERS_WINDOW_SECONDS, wanted);
  const over = Math.min(wanted, Math.max(0, hits - papersPerHour));
  if (over > 0) await addHits(sql, key, PAPERS_WINDOW_SECONDS, -over);
  return { granted: wanted - over, retryAfter };
}
