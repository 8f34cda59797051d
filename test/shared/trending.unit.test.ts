import { describe, expect, it } from 'vitest';
import { TRENDING_AGE_OFFSET_HOURS, TRENDING_GRAVITY, trendingScore } from '#shared/protocol/trending.js';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 10, 27, 12);

describe('trendingScore', () => {
  it('divides the votes by the offset age raised to the gravity', () => {
    expect(trendingScore(3, now - 10 * HOUR, now)).toBeCloseTo(
      3 / Math.pow(10 + TRENDING_AGE_OFFSET_HOURS, TRENDING_GRAVITY),
    );
  });

  it('ranks a newer paper above an older one with the same votes, and more votes above fewer', () => {
    expect(trendingScore(2, now - HOUR, now)).toBeGreaterThan(trendingScore(2, now - 48 * HOUR, now));
    expect(trendingScore(5, now - 24 * HOUR, now)).toBeGreaterThan(trendingScore(4, now - 24 * HOUR, now));
  });

  it('gives no votes a score of zero and treats a date in the future as brand new', () => {
    expect(trendingScore(0, now - HOUR, now)).toBe(0);
    expect(trendingScore(1, now + 5 * HOUR, now)).toBe(trendingScore(1, now, now));
  });
});
