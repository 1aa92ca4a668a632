/**
 * Choosing the GP's hyperparameters by maximum a-posteriori marginal likelihood, cheaply:
 *  1. σf² is profiled out in closed form (yᵀC̃⁻¹y/n);
 *  2. a grid over one shared length scale (with a weak log-normal prior) × the noise ratio;
 *  3. ARD: up to two coordinate sweeps moving each dimension's length scale over multiples of the
 *     shared one, under a log-normal prior (sd 1.5 in log space) around the shared value, so a
 *     dozen points do not produce wild per-dimension scales;
 *  4. the noise ratio again for the final scales.
 * About 70 + 10·d likelihood evaluations, each an n×n Cholesky (scaled distances are updated
 * incrementally in the sweeps): a few milliseconds for 30 points.
 */
import {
  correlationMatrix,
  type GpData,
  type GpHyperparameters,
  type PreparedGpData,
  prepareGpData,
  profiledFromCorrelation,
  scaledSquaredDistances,
} from './gp.js';

/** Shared length scales, as multiples of √(number of dimensions). */
export const SHARED_SCALES: readonly number[] = [0.04, 0.08, 0.15, 0.25, 0.4, 0.65, 1, 1.6, 2.5];
/** Noise variance / signal variance (on standardised targets: roughly the share of the variance that is noise). */
export const NOISE_RATIOS: readonly number[] = [1e-6, 1e-4, 1e-3, 1e-2, 0.04, 0.15, 0.5];
/** Per-dimension length scales tried in the ARD sweeps, as multiples of the shared one. */
export const ARD_FACTORS: readonly number[] = [0.25, 0.5, 1, 2, 4, 16];
export const ARD_PRIOR_SD = 1.5;
const ARD_SWEEPS = 2;
const ARD_MIN_POINTS = 4;

/** Hyperparameters for data that carry no information (fewer than 2 points or constant targets). */
export function defaultHyperparameters(groups: number): GpHyperparameters {
  return {
    lengthScales: new Array<number>(groups).fill(0.4 * Math.sqrt(Math.max(groups, 1))),
    signalVariance: 1,
    noiseVariance: 1e-3,
  };
}

/**
 * Log-normal prior on the shared length scale (as a multiple of √d): centre 0.4, sd 1 in log space.
 * It keeps a cliff in the targets (a failed trial next to a good one) from driving the fit to the
 * shortest scale, where the GP degenerates into white noise and EI into pure exploration.
 */
export const SHARED_PRIOR_CENTRE = 0.4;
export const SHARED_PRIOR_SD = 1;

function sharedPrior(multiple: number): number {
  return -(Math.log(multiple / SHARED_PRIOR_CENTRE) ** 2) / (2 * SHARED_PRIOR_SD * SHARED_PRIOR_SD);
}

interface Best {
  value: number;
  ratio: number;
}

/** The best noise ratio for a fixed correlation matrix. */
function bestNoiseRatio(data: PreparedGpData, squaredDistances: Float64Array): Best {
  const base = correlationMatrix(data.n, squaredDistances);
  let best: Best = { value: -Infinity, ratio: NOISE_RATIOS[0]! };
  for (const ratio of NOISE_RATIOS) {
    const { logLikelihood } = profiledFromCorrelation(data, base, ratio);
    if (logLikelihood > best.value) best = { value: logLikelihood, ratio };
  }
  return best;
}

export function selectHyperparameters(data: GpData | PreparedGpData): GpHyperparameters {
  const prepared = 'pairDistances' in data ? data : prepareGpData(data);
  const { n, groups, targets } = prepared;
  let mean = 0;
  for (const y of targets) mean += y;
  mean /= Math.max(n, 1);
  let variance = 0;
  for (const y of targets) variance += (y - mean) ** 2;
  if (n < 2 || groups === 0 || variance / n < 1e-12) return defaultHyperparameters(groups);

  // Stage 1: one shared length scale × noise ratio.
  const root = Math.sqrt(groups);
  const unitDistances = scaledSquaredDistances(prepared, new Array<number>(groups).fill(1));
  let shared = SHARED_SCALES[0]! * root;
  let best: Best = { value: -Infinity, ratio: NOISE_RATIOS[0]! };
  for (const s of SHARED_SCALES) {
    const scale = s * root;
    const candidate = bestNoiseRatio(prepared, unitDistances.map((d) => d / (scale * scale)));
    candidate.value += sharedPrior(s);
    if (candidate.value > best.value) {
      best = candidate;
      shared = scale;
    }
  }

  // Stage 2: ARD coordinate sweeps at that noise ratio, under the prior around the shared scale.
  const scales = new Array<number>(groups).fill(shared);
  let ratio = best.ratio;
  if (groups > 1 && n >= ARD_MIN_POINTS) {
    const { pairDistances } = prepared;
    const pairs = unitDistances.length;
    const current = unitDistances.map((d) => d / (shared * shared));
    const trial = new Float64Array(pairs);
    let currentValue = best.value - sharedPrior(shared / root); // the ARD prior is 0 at the shared scale
    let priorSum = 0; // Σ log(ℓ_g/shared)²
    for (let sweep = 0; sweep < ARD_SWEEPS; sweep++) {
      let improved = false;
      for (let g = 0; g < groups; g++) {
        const kept = scales[g]!;
        const keptPrior = Math.log(kept / shared) ** 2;
        let chosen = kept;
        for (const factor of ARD_FACTORS) {
          const candidate = shared * factor;
          if (candidate === kept) continue;
          const delta = 1 / (candidate * candidate) - 1 / (kept * kept);
          for (let p = 0; p < pairs; p++) trial[p] = current[p]! + pairDistances[p * groups + g]! * delta;
          const prior = priorSum - keptPrior + Math.log(factor) ** 2;
          const value =
            profiledFromCorrelation(prepared, correlationMatrix(n, trial), ratio).logLikelihood - prior / (2 * ARD_PRIOR_SD * ARD_PRIOR_SD);
          if (value > currentValue + 1e-9) {
            currentValue = value;
            chosen = candidate;
            improved = true;
          }
        }
        if (chosen !== kept) {
          const delta = 1 / (chosen * chosen) - 1 / (kept * kept);
          for (let p = 0; p < pairs; p++) current[p] = current[p]! + pairDistances[p * groups + g]! * delta;
          priorSum += Math.log(chosen / shared) ** 2 - keptPrior;
          scales[g] = chosen;
        }
      }
      if (!improved) break;
    }
    ratio = bestNoiseRatio(prepared, current).ratio;
  }
  const { signalVariance } = profiledFromCorrelation(prepared, correlationMatrix(n, scaledSquaredDistances(prepared, scales)), ratio);
  return { lengthScales: scales, signalVariance, noiseVariance: ratio * signalVariance };
}
