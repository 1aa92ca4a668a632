/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) and a seed
 * derivation, so every random choice of the optimizer is reproducible from `options.seed` and the
 * history length. No Math.random anywhere in the optimizer.
 */
import { OptimizerInputError } from './errors.js';

export interface Prng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

const TWO_POW_32 = 4294967296;

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function checkSeed(value: number, where: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new OptimizerInputError(where, `must be a safe integer, got ${String(value)}`);
  }
}

/** Splits a safe integer into its low and high 32-bit words (sign folded into the high word). */
function words(value: number): [number, number] {
  const low = value >>> 0; // value mod 2^32 for non-negative and two's complement for negative
  const high = Math.floor(value / TWO_POW_32) | 0;
  return [low, high >>> 0];
}

/**
 * Derives a 32-bit seed from a base seed and any number of integer parts (e.g. the history length
 * and a per-purpose salt). Different parts give unrelated streams.
 */
export function deriveSeed(seed: number, ...parts: readonly number[]): number {
  checkSeed(seed, 'seed');
  let h = 0x9e3779b9;
  for (const value of [seed, ...parts]) {
    checkSeed(value, 'seed part');
    for (const w of words(value)) {
      h = fmix32((h ^ w) + 0x7f4a7c15 + Math.imul(h, 31));
    }
  }
  return h;
}

/** xoshiro128** seeded with four splitmix32 outputs of `seed` (any safe integer). */
export function createPrng(seed: number): Prng {
  checkSeed(seed, 'seed');
  let sm = deriveSeed(seed);
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    return fmix32(sm);
  };
  let s0 = splitmix();
  let s1 = splitmix();
  let s2 = splitmix();
  let s3 = splitmix();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  let spare: number | null = null;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };

  const next = (): number => nextUint32() / TWO_POW_32;
  return {
    next,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`prng.int: n must be a positive integer, got ${n}`);
      return Math.floor(next() * n);
    },
    normal(): number {
      if (spare !== null) {
        const value = spare;
        spare = null;
        return value;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const radius = Math.sqrt(-2 * Math.log(u));
      spare = radius * Math.sin(2 * Math.PI * v);
      return radius * Math.cos(2 * Math.PI * v);
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Prng): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}
