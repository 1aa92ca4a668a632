/** Latency summaries over every recorded transaction latency. */

export interface LatencySummary {
  count: number;
  /** NaN when there are no samples (and likewise below). */
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile (p in 0..100) of ascending `sorted`; NaN when empty. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  const sum = values.reduce((total, v) => total + v, 0);
  return {
    count: values.length,
    meanMs: values.length === 0 ? Number.NaN : sum / values.length,
    p50Ms: percentileOfSorted(values, 50),
    p95Ms: percentileOfSorted(values, 95),
    p99Ms: percentileOfSorted(values, 99),
    maxMs: values.length === 0 ? Number.NaN : values[values.length - 1]!,
  };
}
