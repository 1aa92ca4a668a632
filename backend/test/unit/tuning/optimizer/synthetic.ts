/**
 * Synthetic objectives shaped like tuning problems, and a benchmark comparing the optimizer with
 * random search at a fixed budget over fixed seeds. Used by benchmark.test.ts; run directly
 * (`npx tsx backend/test/unit/tuning/optimizer/synthetic.ts`) to print the table.
 */
import type { Configuration, Dimension, Trial } from '../../../../src/model/configuration-space.js';
import { createPrng, deriveSeed } from '../../../../src/tuning/optimizer/prng.js';
import { sampleConfiguration } from '../../../../src/tuning/optimizer/sampling.js';
import { suggest } from '../../../../src/tuning/optimizer/suggest.js';
import type { OptimizerOptions } from '../../../../src/tuning/optimizer/options.js';

export interface SyntheticFunction {
  name: string;
  space: readonly Dimension[];
  /** Noise-free objective (lower is better). */
  evaluate(config: Configuration): number;
  /** Standard deviation of the additive measurement noise, relative to `noiseScale`. */
  noise: number;
}

const num = (config: Configuration, name: string): number => config[name] as number;

/**
 * Average query latency (ms) of a made-up OLTP/OLAP mix: a bowl in log space over the memory and
 * cost knobs with its optimum inside the range, an interaction (work_mem × parallel workers
 * spills when too large), effective_io_concurrency with a special "0 = off", and jit hurting.
 */
export const memoryBowl: SyntheticFunction = {
  name: 'memory-bowl-6d',
  noise: 0.15,
  space: [
    { name: 'work_mem', type: 'int', low: 64, high: 2_097_152, log: true, specials: [] },
    { name: 'effective_cache_size', type: 'int', low: 16_384, high: 4_194_304, log: true, specials: [] },
    { name: 'random_page_cost', type: 'float', low: 1, high: 8, log: true, specials: [] },
    { name: 'effective_io_concurrency', type: 'int', low: 1, high: 1000, log: true, specials: [0] },
    { name: 'max_parallel_workers_per_gather', type: 'int', low: 0, high: 8, log: false, specials: [] },
    { name: 'jit', type: 'categorical', choices: [true, false] },
  ],
  evaluate(c) {
    const lw = Math.log2(num(c, 'work_mem') / 32_768); // optimum 32 MB
    const lc = Math.log2(num(c, 'effective_cache_size') / 2_097_152); // optimum 2 GB
    const lr = Math.log2(num(c, 'random_page_cost') / 1.3);
    const io = num(c, 'effective_io_concurrency');
    const lio = io === 0 ? 4 : Math.log2(io / 128);
    const workers = num(c, 'max_parallel_workers_per_gather');
    const spill = Math.max(0, lw + Math.log2(workers + 1) - 3); // too much memory per query across workers
    return (
      10 +
      0.35 * lw * lw +
      0.25 * lc * lc +
      1.5 * lr * lr +
      0.08 * lio * lio +
      0.4 * (workers - 3) ** 2 / 3 +
      2 * spill * spill +
      (c.jit === true ? 1.5 : 0)
    );
  },
};

/** Branin–Hoo on the first two (float) dimensions, plus an integer and a categorical that barely matter. */
export const braninLike: SyntheticFunction = {
  name: 'branin-4d',
  noise: 0.3,
  space: [
    { name: 'x1', type: 'float', low: -5, high: 10, log: false, specials: [] },
    { name: 'x2', type: 'float', low: 0, high: 15, log: false, specials: [] },
    { name: 'n', type: 'int', low: 0, high: 100, log: false, specials: [] },
    { name: 'mode', type: 'categorical', choices: ['a', 'b', 'c'] },
  ],
  evaluate(c) {
    const x1 = num(c, 'x1');
    const x2 = num(c, 'x2');
    const b = 5.1 / (4 * Math.PI * Math.PI);
    const branin = (x2 - b * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
    return branin + 0.01 * Math.abs(num(c, 'n') - 50) + (c.mode === 'c' ? 1 : 0);
  },
};

const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
  [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
  [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
  [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];
const H6_ALPHA = [1, 1.2, 3, 3.2];

/** Hartmann-6 (minimum −3.32237), negative like a negated throughput. */
export const hartmann6: SyntheticFunction = {
  name: 'hartmann-6d',
  noise: 0.02,
  space: Array.from({ length: 6 }, (_, i) => ({ name: `x${i + 1}`, type: 'float' as const, low: 0, high: 1, log: false, specials: [] })),
  evaluate(c) {
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H6_A[i]![j]! * (num(c, `x${j + 1}`) - H6_P[i]![j]!) ** 2;
      sum += H6_ALPHA[i]! * Math.exp(-inner);
    }
    return -sum;
  },
};

export const SYNTHETIC_FUNCTIONS: readonly SyntheticFunction[] = [memoryBowl, braninLike, hartmann6];

/** The measured score of evaluation `index`: the objective plus seeded normal noise. */
export function measure(fn: SyntheticFunction, config: Configuration, seed: number, index: number): number {
  const noise = createPrng(deriveSeed(seed, index, 0x5eed)).normal();
  return fn.evaluate(config) + fn.noise * noise;
}

export interface RunResult {
  trials: Trial[];
  best: number;
}

export function runOptimizer(fn: SyntheticFunction, seed: number, budget: number, extra: Partial<OptimizerOptions> = {}): RunResult {
  const trials: Trial[] = [];
  for (let i = 0; i < budget; i++) {
    const { config } = suggest(trials, fn.space, { seed, budget, ...extra });
    trials.push({ config, score: measure(fn, config, seed, i) });
  }
  return { trials, best: Math.min(...trials.map((t) => t.score as number)) };
}

export function runRandomSearch(fn: SyntheticFunction, seed: number, budget: number): RunResult {
  const rng = createPrng(deriveSeed(seed, 0xa11));
  const trials: Trial[] = [];
  for (let i = 0; i < budget; i++) {
    const config = sampleConfiguration(fn.space, rng);
    trials.push({ config, score: measure(fn, config, seed, i) });
  }
  return { trials, best: Math.min(...trials.map((t) => t.score as number)) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface BenchmarkRow {
  name: string;
  optimizer: number[];
  random: number[];
  wins: number;
  medianOptimizer: number;
  medianRandom: number;
}

export function runBenchmark(fn: SyntheticFunction, seeds: readonly number[], budget: number): BenchmarkRow {
  const optimizer = seeds.map((s) => runOptimizer(fn, s, budget).best);
  const random = seeds.map((s) => runRandomSearch(fn, s, budget).best);
  const wins = optimizer.filter((v, i) => v < random[i]!).length;
  return { name: fn.name, optimizer, random, wins, medianOptimizer: median(optimizer), medianRandom: median(random) };
}

export const BENCHMARK_SEEDS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const fn of SYNTHETIC_FUNCTIONS) {
    const started = performance.now();
    const row = runBenchmark(fn, BENCHMARK_SEEDS, 30);
    const ms = performance.now() - started;
    console.log(
      `${row.name.padEnd(16)} median best after 30: optimizer ${row.medianOptimizer.toFixed(4)}  random ${row.medianRandom.toFixed(4)}  optimizer wins ${row.wins}/${BENCHMARK_SEEDS.length}  (${(ms / 1000).toFixed(1)} s)`,
    );
  }
}
