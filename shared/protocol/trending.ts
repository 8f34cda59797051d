/**
 * The trending ranking (HN-style gravity), shared by the server's `sort=trending` (in SQL) and the
 * board's "sort by votes":
 *
 *   score = votes / (age_hours + TRENDING_AGE_OFFSET_HOURS) ^ TRENDING_GRAVITY
 *
 * where age is the time since the paper's publication date (else since it joined the library).
 */

/** Hours of age added before the power, so that brand-new papers do not divide by zero (as on HN). */
export const TRENDING_AGE_OFFSET_HOURS = 2;
/** Gravity: how fast age pulls a paper down. */
export const TRENDING_GRAVITY = 1.5;

/** The trending score of `votes` for a paper dated `sortAtMs`, as of `nowMs` (ages below zero count as zero). */
export function trendingScore(votes: number, sortAtMs: number, nowMs: number): number {
  const ageHours = Math.max((nowMs - sortAtMs) / 3_600_000, 0);
  return votes / Math.pow(ageHours + TRENDING_AGE_OFFSET_HOURS, TRENDING_GRAVITY);
}
