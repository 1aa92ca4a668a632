/**
 * When a session may stop before its planned iterations: the model's own proposals say nothing better
 * is left. Each model proposal comes with the improvement the model expects from it (expected
 * improvement over its best predicted score); once several in a row expect less than a small share of
 * that score — less than the measurements' own noise — more iterations would spend the workload's
 * time on configurations the model is confident are no better.
 */

export interface ConvergenceSettings {
  /** Expected improvement below this share of the incumbent's score counts as nothing left. */
  share: number;
  /** How many model proposals in a row must expect less. */
  consecutive: number;
}

export const DEFAULT_CONVERGENCE: Readonly<ConvergenceSettings> = Object.freeze({ share: 0.01, consecutive: 3 });

/** One model proposal's expectation: improvement and incumbent in score units. */
export interface Expectation {
  improvement: number;
  incumbent: number;
}

/** Whether the latest `consecutive` model proposals (oldest first in `expectations`) all expected too little. */
export function searchConverged(expectations: readonly Expectation[], settings: ConvergenceSettings = DEFAULT_CONVERGENCE): boolean {
  if (expectations.length < settings.consecutive) return false;
  return expectations.slice(-settings.consecutive).every((e) => e.incumbent > 0 && e.improvement < settings.share * e.incumbent);
}
