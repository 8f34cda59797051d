import type { Sql } from '../../db/connect.js';
import { HttpError } from '../../errors.js';
import { hitRateLimit } from '../auth/auth.repository.js';

/**
 * Counts one use of a per-user quota in a fixed window shared by every node (the rate-limit table) and
 * refuses past `limit`: 429 with Retry-After, naming what ran out.
 */
export async function takeQuota(
  sql: Sql,
  key: string,
  limit: number,
  windowSeconds: number,
  what: string,
): Promise<void> {
  const { hits, retryAfter } = await hitRateLimit(sql, `quota:${key}`, windowSeconds);
  if (hits > limit) {
    throw new HttpError(429, 'rate_limited', `${what}: at most ${limit} an hour; try again in ${retryAfter} s`, {
      retryAfter,
    });
  }
}
