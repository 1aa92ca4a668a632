/** Order statistics for the benchmark, computed from the raw measurements of one run. */

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const max = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : Math.max(...values));
