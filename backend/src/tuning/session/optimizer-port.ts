import { suggest } from '../optimizer/index.js';
import type { Configuration } from '../../model/configuration-space.js';
import { costRatioTransform } from './cost-ratio.js';
import type { Optimizer } from '../apply/ports.js';

/** Re-measure the incumbent every few model iterations: scores on a live workload are noisy. */
const REMEASURE_EVERY = 5;

/**
 * The GP optimizer as the session's Optimizer port. The session's knobs go in and come out; the
 * optimizer searches random_page_cost as its ratio to seq_page_cost when both are tuned (cost-ratio.ts).
 */
export const gpOptimizer: Optimizer = (history, space, { seed, budget, firstCandidates, repair }) => {
  const ratio = costRatioTransform(space);
  if (ratio === null) return suggest(history, space, { seed, budget, firstCandidates, repair, remeasureEvery: REMEASURE_EVERY });
  const toKnobs = (config: Configuration) => repair(ratio.fromSearch(config));
  const suggestion = suggest(
    history.map((trial) => ({ ...trial, config: ratio.toSearch(trial.config) })),
    ratio.space,
    {
      seed,
      budget,
      firstCandidates: firstCandidates.map(ratio.toSearch),
      // Repaired as knobs, so the optimizer models the configurations that will be measured.
      repair: (config) => ratio.toSearch(toKnobs(config)),
      remeasureEvery: REMEASURE_EVERY,
    },
  );
  return { ...suggestion, config: toKnobs(suggestion.config) };
};
