/** Latency of a set of runs, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile: the smallest sample with at least `p` percent of the samples at or below it.
 * Always a measured value, never an interpolation; `sorted` must be in ascending order.
 */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** p50/p95/p99/max/mean of the samples (any order). */
export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, v) => sum + v, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length ? total / sorted.length : Number.NaN,
  };
}

/**
 * Like `summarize`, but every group (the runs of one query) weighs the same however many runs it has:
 * the percentiles are those of the latency of a query picked at random from the set.
 */
export function summarizeGroups(groups: number[][]): LatencySummary {
  const weighted = groups
    .filter((g) => g.length > 0)
    .flatMap((g) => g.map((value) => ({ value, weight: 1 / g.length })))
    .sort((a, b) => a.value - b.value);
  const total = weighted.reduce((sum, s) => sum + s.weight, 0);
  const at = (p: number) => {
    let cumulative = 0;
    for (const s of weighted) {
      cumulative += s.weight;
      // a little slack for floating-point sums of 1/n
      if (cumulative >= (p / 100) * total - 1e-9) return s.value;
    }
    return weighted.at(-1)?.value ?? Number.NaN;
  };
  return {
    count: weighted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: weighted.at(-1)?.value ?? Number.NaN,
    mean: total ? weighted.reduce((sum, s) => sum + s.value * s.weight, 0) / total : Number.NaN,
  };
}

/** The median of a list (NaN if empty): the mean of the middle two for an even count. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Items per second for `count` items done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count / ms) * 1000 : Number.POSITIVE_INFINITY;
}

/** Runs `fn` and returns its result with the wall-clock time it took, in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - start };
}
