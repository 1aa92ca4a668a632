/**
 * The optimizer's options, their defaults and their validation.
 */
import type { Configuration, Dimension } from '../../model/configuration-space.js';
import { projectConfiguration } from './encoding.js';
import { OptimizerInputError } from './errors.js';

export interface OptimizerOptions {
  /** Any safe integer. The same seed, history and space give the same suggestion. */
  seed: number;
  /**
   * Points of the Latin-hypercube design proposed after the first candidates. Default
   * min(10, max(4, 2 × dimensions)), and at most a third of `budget` when that is given.
   */
  initialDesign?: number;
  /** The number of evaluations the session plans; only caps the default initial design. */
  budget?: number;
  /** Given starting points (e.g. a PGTune-style candidate), proposed first, in order, moved into the space. */
  firstCandidates?: readonly Configuration[];
  /** Re-measure the incumbent after every k model iterations; 0 or absent = never. */
  remeasureEvery?: number;
  /** Stop re-measuring a configuration once it has this many measurements. Default 3. */
  maxMeasurements?: number;
  /** Random and perturbation candidates over which expected improvement is maximised. Default 1000. */
  candidates?: number;
  /** Probability that a sampled numeric value is one of its dimension's specials. Default 0.2 (LlamaTune). */
  specialProbability?: number;
  /**
   * The caller's deterministic, idempotent fix-up for cross-knob constraints (e.g. the catalogue's
   * random_page_cost ≥ seq_page_cost). When given, every proposal is repaired before it is scored
   * and returned, so the model reasons about the configurations actually measured and the history
   * matches the suggestions exactly. A repaired value may then lie outside its range if the repair
   * puts it there.
   */
  repair?: (config: Configuration) => Configuration;
}

export interface ResolvedOptions {
  seed: number;
  initialDesign: number;
  firstCandidates: readonly Configuration[];
  remeasureEvery: number;
  maxMeasurements: number;
  candidates: number;
  specialProbability: number;
  repair: (config: Configuration) => Configuration;
}

export const DEFAULT_CANDIDATES = 1000;
export const DEFAULT_MAX_MEASUREMENTS = 3;
export const DEFAULT_SPECIAL_PROBABILITY = 0.2;

export function defaultInitialDesign(dimensions: number, budget?: number): number {
  const size = Math.min(10, Math.max(4, 2 * dimensions));
  return budget === undefined ? size : Math.max(1, Math.min(size, Math.floor(budget / 3)));
}

function nonNegativeInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new OptimizerInputError(`options.${where}`, `must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function resolveOptions(options: OptimizerOptions, space: readonly Dimension[]): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new OptimizerInputError('options', 'must be an object');
  if (typeof options.seed !== 'number' || !Number.isSafeInteger(options.seed)) {
    throw new OptimizerInputError('options.seed', `must be a safe integer, got ${JSON.stringify(options.seed)}`);
  }
  if (options.budget !== undefined) nonNegativeInteger(options.budget, 'budget');
  const initialDesign =
    options.initialDesign === undefined ? defaultInitialDesign(space.length, options.budget) : nonNegativeInteger(options.initialDesign, 'initialDesign');
  const remeasureEvery = options.remeasureEvery === undefined ? 0 : nonNegativeInteger(options.remeasureEvery, 'remeasureEvery');
  const maxMeasurements = options.maxMeasurements === undefined ? DEFAULT_MAX_MEASUREMENTS : nonNegativeInteger(options.maxMeasurements, 'maxMeasurements');
  const candidates = options.candidates === undefined ? DEFAULT_CANDIDATES : nonNegativeInteger(options.candidates, 'candidates');
  if (candidates < 1) throw new OptimizerInputError('options.candidates', 'must be at least 1');
  const specialProbability = options.specialProbability ?? DEFAULT_SPECIAL_PROBABILITY;
  if (typeof specialProbability !== 'number' || !(specialProbability >= 0 && specialProbability <= 1)) {
    throw new OptimizerInputError('options.specialProbability', `must be in [0, 1], got ${JSON.stringify(specialProbability)}`);
  }
  if (options.repair !== undefined && typeof options.repair !== 'function') throw new OptimizerInputError('options.repair', 'must be a function');
  const repair = options.repair ?? ((config: Configuration) => config);
  const given = options.firstCandidates ?? [];
  if (!Array.isArray(given)) throw new OptimizerInputError('options.firstCandidates', 'must be an array');
  const firstCandidates = given.map((c, i) => projectConfiguration(c, space, `options.firstCandidates[${i}]`));
  return { seed: options.seed, initialDesign, firstCandidates, remeasureEvery, maxMeasurements, candidates, specialProbability, repair };
}
