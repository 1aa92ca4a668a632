import { suggest } from '../optimizer/index.js';
import type { Optimizer } from './ports.js';

/** Re-measure the incumbent every few model iterations: scores on a live workload are noisy. */
const REMEASURE_EVERY = 5;

/** The GP optimizer as the session's Optimizer port. */
export const gpOptimizer: Optimizer = (history, space, { seed, budget, firstCandidates, repair }) =>
  suggest(history, space, { seed, budget, firstCandidates, repair, remeasureEvery: REMEASURE_EVERY });
