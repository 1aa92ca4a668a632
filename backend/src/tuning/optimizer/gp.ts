/**
 * Gaussian-process regression with a Matérn 5/2 kernel, one length scale per group of features
 * (ARD over dimensions: a categorical dimension's one-hot features share one), a zero prior mean
 * (targets are standardised by the caller), and per-point noise divided by a weight (the number of
 * repeated measurements averaged into that point). Cholesky with escalating jitter.
 *
 * Internally the kernel is written σf²·(C + λ·W⁻¹) with C the Matérn correlation and λ = σn²/σf²
 * the noise ratio, which lets the hyperparameter search profile σf² out of the likelihood.
 */
import { OptimizerInputError } from './errors.js';
import { cholesky, choleskySolve, logDeterminant, solveLower } from './linalg.js';

export interface GpData {
  /** One row of features per training point. */
  inputs: readonly (readonly number[])[];
  targets: readonly number[];
  /** Feature → length-scale group. Default: one group per feature. */
  groupOf?: readonly number[];
  /** Point i's noise variance is noiseVariance / weights[i] (e.g. the number of repeats averaged). Default 1. */
  weights?: readonly number[];
}

export interface GpHyperparameters {
  /** One per group, in feature units (the unit cube). */
  lengthScales: readonly number[];
  signalVariance: number;
  noiseVariance: number;
}

export interface GpPrediction {
  mean: number;
  /** Variance of the latent function (without observation noise). */
  variance: number;
}

export interface GaussianProcess {
  readonly hyperparameters: GpHyperparameters;
  readonly logMarginalLikelihood: number;
  predict(x: readonly number[]): GpPrediction;
}

/** Diagonal jitter always added to the correlation matrix; raised ×100 up to 1e-2 if Cholesky fails. */
export const JITTER = 1e-9;

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

/** Matérn 5/2 correlation at scaled distance r: (1 + √5 r + 5r²/3)·exp(−√5 r). */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** Training data with the per-group squared distances of every pair precomputed. */
export interface PreparedGpData {
  n: number;
  features: number;
  groups: number;
  groupOf: readonly number[];
  inputs: readonly (readonly number[])[];
  targets: Float64Array;
  weights: Float64Array;
  /** Pair p (i < j, row by row) and group g at p·groups + g. */
  pairDistances: Float64Array;
}

export function prepareGpData(data: GpData): PreparedGpData {
  const n = data.inputs.length;
  if (data.targets.length !== n) throw new OptimizerInputError('gp.targets', `expected ${n} targets, got ${data.targets.length}`);
  const features = n > 0 ? data.inputs[0]!.length : (data.groupOf?.length ?? 0);
  for (const [i, row] of data.inputs.entries()) {
    if (row.length !== features) throw new OptimizerInputError(`gp.inputs[${i}]`, `expected ${features} features, got ${row.length}`);
  }
  const groupOf = data.groupOf ?? Array.from({ length: features }, (_, f) => f);
  if (groupOf.length !== features) throw new OptimizerInputError('gp.groupOf', `expected ${features} entries, got ${groupOf.length}`);
  const groups = groupOf.length === 0 ? 0 : Math.max(...groupOf) + 1;
  const weights = new Float64Array(n).fill(1);
  if (data.weights) {
    if (data.weights.length !== n) throw new OptimizerInputError('gp.weights', `expected ${n} weights, got ${data.weights.length}`);
    data.weights.forEach((w, i) => {
      if (!(w > 0)) throw new OptimizerInputError(`gp.weights[${i}]`, `must be > 0, got ${w}`);
      weights[i] = w;
    });
  }
  const pairDistances = new Float64Array(((n * (n - 1)) / 2) * groups);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const a = data.inputs[i]!;
    for (let j = i + 1; j < n; j++, p++) {
      const b = data.inputs[j]!;
      for (let f = 0; f < features; f++) {
        const diff = a[f]! - b[f]!;
        pairDistances[p * groups + groupOf[f]!]! += diff * diff;
      }
    }
  }
  return { n, features, groups, groupOf, inputs: data.inputs, targets: Float64Array.from(data.targets), weights, pairDistances };
}

interface Factor {
  l: Float64Array;
  /** C̃⁻¹·y */
  alpha: Float64Array;
  /** yᵀ·C̃⁻¹·y */
  quadratic: number;
  logDet: number;
}

/** Σ_g d²(pair, g) / ℓ_g² for every training pair: the squared scaled distances the kernel reads. */
export function scaledSquaredDistances(data: PreparedGpData, lengthScales: readonly number[]): Float64Array {
  const { groups, pairDistances } = data;
  const pairs = (data.n * (data.n - 1)) / 2;
  const inv = lengthScales.map((s) => 1 / (s * s));
  const out = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    let r2 = 0;
    const base = p * groups;
    for (let g = 0; g < groups; g++) r2 += pairDistances[base + g]! * inv[g]!;
    out[p] = r2;
  }
  return out;
}

/** The Matérn correlation matrix (diagonal left 0) from squared scaled pair distances. */
export function correlationMatrix(n: number, squaredDistances: Float64Array): Float64Array {
  const c = new Float64Array(n * n);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      const k = matern52(Math.sqrt(squaredDistances[p]!));
      c[i * n + j] = k;
      c[j * n + i] = k;
    }
  }
  return c;
}

/** Cholesky of C + λ·W⁻¹ + jitter (C is overwritten on the diagonal), and C̃⁻¹y; null when even the largest jitter fails. */
function factor(data: PreparedGpData, correlation: Float64Array, noiseRatio: number): Factor | null {
  const n = data.n;
  for (let jitter = JITTER; jitter <= 1e-2; jitter *= 100) {
    for (let i = 0; i < n; i++) correlation[i * n + i] = 1 + noiseRatio / data.weights[i]! + jitter;
    const l = cholesky(correlation, n);
    if (l) {
      const alpha = choleskySolve(l, n, data.targets);
      let quadratic = 0;
      for (let i = 0; i < n; i++) quadratic += data.targets[i]! * alpha[i]!;
      return { l, alpha, quadratic, logDet: logDeterminant(l, n) };
    }
  }
  return null;
}

function checkLengthScales(data: PreparedGpData, lengthScales: readonly number[]): void {
  if (lengthScales.length !== data.groups) {
    throw new OptimizerInputError('gp.lengthScales', `expected ${data.groups} length scales, got ${lengthScales.length}`);
  }
  for (const s of lengthScales) if (!(s > 0) || !Number.isFinite(s)) throw new OptimizerInputError('gp.lengthScales', `must be finite and > 0, got ${s}`);
}

/**
 * The log marginal likelihood with σf² at its maximiser yᵀC̃⁻¹y/n (profiled out), for length
 * scales and a noise ratio λ = σn²/σf². -Infinity if the matrix cannot be factored.
 */
export function profiledLogLikelihood(
  data: PreparedGpData,
  lengthScales: readonly number[],
  noiseRatio: number,
): { logLikelihood: number; signalVariance: number } {
  checkLengthScales(data, lengthScales);
  return profiledFromCorrelation(data, correlationMatrix(data.n, scaledSquaredDistances(data, lengthScales)), noiseRatio);
}

/** profiledLogLikelihood from a correlation matrix (its diagonal is overwritten). */
export function profiledFromCorrelation(
  data: PreparedGpData,
  correlation: Float64Array,
  noiseRatio: number,
): { logLikelihood: number; signalVariance: number } {
  const f = factor(data, correlation, noiseRatio);
  if (!f || data.n === 0) return { logLikelihood: -Infinity, signalVariance: 1 };
  const n = data.n;
  const signalVariance = Math.max(f.quadratic / n, 1e-12);
  return { logLikelihood: -0.5 * n * (Math.log(signalVariance) + 1 + LOG_2PI) - 0.5 * f.logDet, signalVariance };
}

/** The posterior of a GP with the given hyperparameters. */
export function fitGaussianProcess(data: GpData | PreparedGpData, hyperparameters: GpHyperparameters): GaussianProcess {
  const prepared = 'pairDistances' in data ? data : prepareGpData(data);
  const { lengthScales, signalVariance, noiseVariance } = hyperparameters;
  checkLengthScales(prepared, lengthScales);
  if (!(signalVariance > 0) || !Number.isFinite(signalVariance)) throw new OptimizerInputError('gp.signalVariance', `must be finite and > 0, got ${signalVariance}`);
  if (!(noiseVariance >= 0) || !Number.isFinite(noiseVariance)) throw new OptimizerInputError('gp.noiseVariance', `must be finite and ≥ 0, got ${noiseVariance}`);
  const n = prepared.n;
  const f = factor(prepared, correlationMatrix(n, scaledSquaredDistances(prepared, lengthScales)), noiseVariance / signalVariance);
  if (!f) throw new OptimizerInputError('gp', 'covariance matrix is not positive definite even with jitter');
  const logMarginalLikelihood = -0.5 * f.quadratic / signalVariance - 0.5 * (n * Math.log(signalVariance) + f.logDet) - 0.5 * n * LOG_2PI;
  const inverseSquares = prepared.groupOf.map((g) => 1 / (lengthScales[g]! * lengthScales[g]!));
  const { inputs, features } = prepared;
  const k = new Float64Array(n);
  return {
    hyperparameters: { lengthScales: [...lengthScales], signalVariance, noiseVariance },
    logMarginalLikelihood,
    predict(x: readonly number[]): GpPrediction {
      if (x.length !== features) throw new OptimizerInputError('gp.predict', `expected ${features} features, got ${x.length}`);
      let mean = 0;
      for (let i = 0; i < n; i++) {
        const row = inputs[i]!;
        let r2 = 0;
        for (let j = 0; j < features; j++) {
          const diff = x[j]! - row[j]!;
          r2 += diff * diff * inverseSquares[j]!;
        }
        const c = matern52(Math.sqrt(r2));
        k[i] = c;
        mean += c * f.alpha[i]!;
      }
      const v = solveLower(f.l, n, k);
      let explained = 0;
      for (let i = 0; i < n; i++) explained += v[i]! * v[i]!;
      return { mean, variance: signalVariance * Math.max(1 - explained, 1e-10) };
    },
  };
}
