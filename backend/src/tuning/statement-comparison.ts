/**
 * Windows compared statement by statement. The mean over every statement of a window moves with the
 * mix: one slow report landing in a window, or not, shifts it more than most knobs do. Comparing each
 * statement with itself in the reference window (the session's baseline) removes the mix: a window's
 * ratio is the weighted geometric mean of each statement's mean time over its reference mean, weighted
 * by the statement's share of the reference window's execution time (what a user waits for). The spread
 * of those per-statement ratios gives the window's 95 % interval.
 */
import type { StatementComparison } from '../model/records.js';
import type { StatementTotals } from '../postgres/statements.js';

/** One statement's calls and execution time within a window. */
export type StatementDeltas = ReadonlyMap<string, StatementTotals>;

/** Fewer calls than this in either window make a statement's mean too noisy to compare. */
export const MIN_STATEMENT_CALLS = 5;
/** Below this share of the window's time compared, the comparison says too little; the plain mean is used. */
export const MIN_COVERED_SHARE = 0.5;
const Z_95 = 1.96;

/**
 * Per-statement deltas between two cumulative snapshots. A statement missing from `after` (evicted) or
 * whose counters went backwards (evicted and re-added, reset) is left out rather than miscounted.
 */
export function statementDeltas(before: ReadonlyMap<string, StatementTotals>, after: ReadonlyMap<string, StatementTotals>): Map<string, StatementTotals> {
  const deltas = new Map<string, StatementTotals>();
  for (const [key, end] of after) {
    const start = before.get(key) ?? { calls: 0, execMs: 0 };
    const calls = end.calls - start.calls;
    const execMs = end.execMs - start.execMs;
    if (calls > 0 && execMs >= 0) deltas.set(key, { calls, execMs });
  }
  return deltas;
}

/** `window` against `reference`; null when too little of the window can be compared. */
export function compareStatements(reference: StatementDeltas, window: StatementDeltas): StatementComparison | null {
  let referenceCalls = 0;
  let referenceExecMs = 0;
  for (const { calls, execMs } of reference.values()) {
    referenceCalls += calls;
    referenceExecMs += execMs;
  }
  let windowExecMs = 0;
  for (const { execMs } of window.values()) windowExecMs += execMs;
  if (referenceCalls === 0 || referenceExecMs <= 0 || windowExecMs <= 0) return null;

  const compared: Array<{ weight: number; logRatio: number; windowExecMs: number }> = [];
  for (const [key, now] of window) {
    const then = reference.get(key);
    if (then === undefined || then.calls < MIN_STATEMENT_CALLS || now.calls < MIN_STATEMENT_CALLS) continue;
    const thenMean = then.execMs / then.calls;
    const nowMean = now.execMs / now.calls;
    // A statement too fast to time (0 ms) has no ratio.
    if (!(thenMean > 0 && nowMean > 0)) continue;
    compared.push({ weight: then.execMs, logRatio: Math.log(nowMean / thenMean), windowExecMs: now.execMs });
  }
  const coveredExecMs = compared.reduce((sum, c) => sum + c.windowExecMs, 0);
  const coveredShare = coveredExecMs / windowExecMs;
  if (compared.length === 0 || coveredShare < MIN_COVERED_SHARE) return null;

  const totalWeight = compared.reduce((sum, c) => sum + c.weight, 0);
  const weights = compared.map((c) => c.weight / totalWeight);
  const meanLog = compared.reduce((sum, c, i) => sum + weights[i]! * c.logRatio, 0);
  const variance = compared.reduce((sum, c, i) => sum + weights[i]! * (c.logRatio - meanLog) ** 2, 0);
  // Kish's effective sample size: a window dominated by one statement has about one observation.
  const effectiveCount = 1 / weights.reduce((sum, w) => sum + w * w, 0);
  const halfWidth = Z_95 * Math.sqrt(variance / effectiveCount);
  return {
    ratio: Math.exp(meanLog),
    low: Math.exp(meanLog - halfWidth),
    high: Math.exp(meanLog + halfWidth),
    statements: compared.length,
    coveredShare,
    referenceMeanMs: referenceExecMs / referenceCalls,
  };
}
