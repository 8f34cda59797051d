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

/**
 * Weight of the outside signal in the library's `sort=trending` (issue #19):
 *
 *   score = (votes + TRENDING_UPVOTE_WEIGHT · ln(1 + upvotes)) / (age_hours + 2) ^ 1.5
 *
 * where `upvotes` is the latest count a feed reported (Hugging Face). The logarithm keeps a paper with
 * 500 outside upvotes (≈ 6.2 × 1.5 ≈ 9.3) from burying one that your groups voted for ten times: votes
 * of the people you read with count for more than strangers' upvotes, which only break ties and lift
 * fresh, much-discussed papers.
 */
export const TRENDING_UPVOTE_WEIGHT = 1.5;

/** The library's trending score: board votes blended with the outside upvotes (see above). */
export function blendedTrendingScore(votes: number, upvotes: number, sortAtMs: number, nowMs: number): number {
  return trendingScore(votes + TRENDING_UPVOTE_WEIGHT * Math.log1p(Math.max(upvotes, 0)), sortAtMs, nowMs);
}

/** The trending score of `votes` for a paper dated `sortAtMs`, as of `nowMs` (ages below zero count as zero). */
export function trendingScore(votes: number, sortAtMs: number, nowMs: number): number {
  const ageHours = Math.max((nowMs - sortAtMs) / 3_600_000, 0);
  return votes / Math.pow(ageHours + TRENDING_AGE_OFFSET_HOURS, TRENDING_GRAVITY);
}
