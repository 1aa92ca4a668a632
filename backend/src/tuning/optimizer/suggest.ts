/**
 * suggest(): the next configuration to try, from the history alone (pure, seeded, no IO).
 *
 *  1. 'first'     — the given first candidates (moved into the space), in order;
 *  2. 'initial'   — the points of the seeded Latin-hypercube design, in order
 *                   (which of 1–2 are done is read from the history: see phases.ts);
 *  3. 'remeasure' — when remeasureEvery = k > 0: once k model iterations (new configurations after
 *                   the fixed phases) have passed since the last repeated configuration, the
 *                   incumbent (best mean) again, unless it already has maxMeasurements measurements;
 *  4. 'model'     — the GP/EI proposal (model-proposal.ts). If every candidate is already in the
 *                   history (a tiny discrete space), the incumbent is re-measured instead.
 * With options.repair every proposal is repaired before it is returned (and scored), so the
 * history holds exactly the configurations suggested. Random streams derive from the seed and the
 * history length: successive calls differ, equal inputs give equal outputs.
 */
import type { Dimension, Suggestion, Trial } from '../../model/configuration-space.js';
import { featureLayout } from './encoding.js';
import { initialDesign } from './design.js';
import { summarizeHistory } from './history.js';
import { proposeByModel } from './model-proposal.js';
import { type OptimizerOptions, resolveOptions } from './options.js';
import { modelIterationsSinceRepeat, phaseItems, phaseState } from './phases.js';
import { createPrng, deriveSeed } from './prng.js';
import { sampleConfiguration } from './sampling.js';
import { validateSpace } from './space-validation.js';

const MODEL_SALT = 0x3a7;

export function suggest(history: readonly Trial[], space: readonly Dimension[], options: OptimizerOptions): Suggestion {
  validateSpace(space);
  const opts = resolveOptions(options, space);
  const { repair } = opts;
  const layout = featureLayout(space);
  const summary = summarizeHistory(history, space, layout);

  const design = initialDesign(space, opts.initialDesign, opts.seed, opts.specialProbability).map(repair);
  const phase = phaseState(phaseItems(opts.firstCandidates.map(repair), design, space), summary.keys);
  if (phase.next) return { config: phase.next.config, reason: phase.next.reason };

  const incumbent = summary.incumbent;
  const canRemeasure = incumbent !== null && incumbent.count < opts.maxMeasurements;
  if (opts.remeasureEvery > 0 && canRemeasure && modelIterationsSinceRepeat(summary.keys, phase.lastPhaseTrial) >= opts.remeasureEvery) {
    return { config: incumbent.config, reason: 'remeasure' };
  }

  const rng = createPrng(deriveSeed(opts.seed, history.length, MODEL_SALT));
  const proposal = proposeByModel(summary, space, layout, rng, opts);
  if (proposal) return { config: proposal.config, reason: 'model', prediction: proposal.prediction, expected: proposal.expected };
  if (summary.groups.length === 0) return { config: repair(sampleConfiguration(space, rng, opts.specialProbability)), reason: 'initial' };
  if (incumbent) return { config: incumbent.config, reason: 'remeasure' };
  return { config: repair(sampleConfiguration(space, rng, opts.specialProbability)), reason: 'model' };
}
