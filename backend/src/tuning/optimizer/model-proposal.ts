/**
 * One model-based proposal: fit the GP to the grouped history (standardised means, noise divided by
 * the number of repeats), then maximise expected improvement over candidates — half uniform random
 * samples (with the special-value bias), half perturbations of the five best points by posterior
 * mean — followed by a short greedy local search (shrinking steps) around the three best
 * candidates. EI is taken against the best posterior mean at a training point, not the best noisy
 * observation, so one lucky measurement does not freeze the search. Every candidate goes through
 * the caller's repair (if any) before it is scored, so EI is judged on what would be measured.
 * Configurations already in the history are never proposed here (repeats are the re-measure
 * step's business).
 */
import type { Configuration, Dimension } from '../../model/configuration-space.js';
import { logExpectedImprovement } from './acquisition.js';
import { configurationKey, encodeConfiguration, type FeatureLayout } from './encoding.js';
import { fitGaussianProcess, type GaussianProcess, prepareGpData } from './gp.js';
import type { HistorySummary } from './history.js';
import { selectHyperparameters } from './hyperparameters.js';
import type { Prng } from './prng.js';
import { perturbConfiguration, sampleConfiguration } from './sampling.js';

/** EI margin on standardised targets. */
export const EI_XI = 0.01;
const LOCAL_CENTRES = 5;
const LOCAL_SIGMAS: readonly number[] = [0.02, 0.05, 0.1, 0.2];
const REFINE_STARTS = 3;
const REFINE_ROUNDS = 4;
const REFINE_STEPS = 16;
const REFINE_SIGMA = 0.1;

export interface ModelProposal {
  config: Configuration;
  /** log EI on standardised targets. */
  logEi: number;
  model: GaussianProcess;
  /** The posterior at `config` in the scores' own units. */
  prediction: { score: number; sd: number };
  /** What the model expects `config` to gain over the best predicted score, and that score, in the scores' own units. */
  expected: { improvement: number; incumbent: number };
}

export interface ModelProposalOptions {
  candidates: number;
  specialProbability: number;
  /** Applied to every candidate before it is scored (identity when the caller has no constraints). */
  repair: (config: Configuration) => Configuration;
}

interface Scored {
  config: Configuration;
  value: number;
}

export function proposeByModel(
  summary: HistorySummary,
  space: readonly Dimension[],
  layout: FeatureLayout,
  rng: Prng,
  options: ModelProposalOptions,
): ModelProposal | null {
  const groups = summary.groups;
  if (groups.length === 0) return null;
  const raw = groups.map((g) => g.mean);
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  const sd = Math.sqrt(raw.reduce((a, b) => a + (b - mean) ** 2, 0) / raw.length);
  const scale = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
  const prepared = prepareGpData({
    inputs: groups.map((g) => g.features),
    targets: raw.map((y) => (y - mean) / scale),
    groupOf: layout.dimensionOf,
    weights: groups.map((g) => g.count),
  });
  const model = fitGaussianProcess(prepared, selectHyperparameters(prepared));

  const fitted = groups.map((g) => ({ config: g.config, mean: model.predict(g.features).mean }));
  const best = Math.min(...fitted.map((f) => f.mean));
  const centres = [...fitted].sort((a, b) => a.mean - b.mean).slice(0, LOCAL_CENTRES);

  // Keys are costly next to a prediction, so only promising candidates are checked against the history.
  const seen = new Set(summary.keys);
  const isNew = (config: Configuration): boolean => !seen.has(configurationKey(config, space));
  const acquisition = (config: Configuration): number => {
    const p = model.predict(encodeConfiguration(config, space, layout, 'repaired candidate'));
    return logExpectedImprovement(p.mean, Math.sqrt(p.variance), best, EI_XI);
  };
  const { repair } = options;

  const pool: Scored[] = [];
  const randomCount = Math.ceil(options.candidates / 2);
  for (let i = 0; i < randomCount; i++) {
    const config = repair(sampleConfiguration(space, rng, options.specialProbability));
    pool.push({ config, value: acquisition(config) });
  }
  for (let i = 0; i < options.candidates - randomCount; i++) {
    const centre = centres[i % centres.length]!;
    const sigma = LOCAL_SIGMAS[rng.int(LOCAL_SIGMAS.length)]!;
    const config = repair(perturbConfiguration(centre.config, space, rng, sigma, options.specialProbability / 2));
    pool.push({ config, value: acquisition(config) });
  }

  const starts: Scored[] = [];
  const startKeys = new Set<string>();
  for (const s of [...pool].sort((a, b) => b.value - a.value)) {
    if (starts.length >= REFINE_STARTS) break;
    const key = configurationKey(s.config, space);
    if (startKeys.has(key) || seen.has(key)) continue;
    startKeys.add(key);
    starts.push(s);
  }
  if (starts.length === 0) return null;

  let winner = starts[0]!;
  for (const start of starts) {
    let current = start;
    let sigma = REFINE_SIGMA;
    for (let round = 0; round < REFINE_ROUNDS; round++, sigma /= 2) {
      for (let step = 0; step < REFINE_STEPS; step++) {
        const config = repair(perturbConfiguration(current.config, space, rng, sigma, options.specialProbability / 2));
        const value = acquisition(config);
        if (value > current.value && isNew(config)) current = { config, value };
      }
    }
    if (current.value > winner.value) winner = current;
  }
  const posterior = model.predict(encodeConfiguration(winner.config, space, layout, 'repaired candidate'));
  const prediction = { score: mean + posterior.mean * scale, sd: Math.sqrt(posterior.variance) * scale };
  const expected = { improvement: Math.exp(winner.value) * scale, incumbent: mean + best * scale };
  return { config: winner.config, logEi: winner.value, model, prediction, expected };
}

