/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32), so every query
 * parameter of the workload is reproducible from the run's seed and the client's index. No
 * Math.random anywhere in the workload.
 */

export interface Prng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  intBetween(min: number, max: number): number;
  /** One of `items`, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** One of the names, with probability proportional to its (non-negative) weight. */
  weighted<K extends string>(weights: readonly (readonly [K, number])[]): K;
}

const TWO_POW_32 = 4294967296;

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Mixes a seed and any number of integer parts into one 32-bit seed; different parts give unrelated streams. */
export function deriveSeed(seed: number, ...parts: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const value of [seed, ...parts]) {
    if (!Number.isSafeInteger(value)) throw new RangeError(`seed parts must be safe integers, got ${String(value)}`);
    const low = value >>> 0;
    const high = Math.floor(value / TWO_POW_32) >>> 0;
    for (const word of [low, high]) {
      h = Math.imul(h ^ word, 0x01000193) >>> 0;
      h = splitmix32(h)();
    }
  }
  return h;
}

export function createPrng(seed: number): Prng {
  const init = splitmix32(deriveSeed(seed));
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  if ((a | b | c | d) === 0) a = 1; // xoshiro's one forbidden state
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const next = () => nextUint32() / TWO_POW_32;
  return {
    next,
    intBetween(min, max) {
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
        throw new RangeError(`intBetween needs integers min <= max, got ${min}..${max}`);
      }
      return min + Math.floor(next() * (max - min + 1));
    },
    pick(items) {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted(weights) {
      const total = weights.reduce((sum, [, w]) => sum + w, 0);
      if (!(total > 0)) throw new RangeError('weighted choice needs a positive total weight');
      let r = next() * total;
      for (const [name, weight] of weights) {
        if (r < weight) return name;
        r -= weight;
      }
      // Rounding can leave r a hair above the last weight; the last positive weight takes it.
      return [...weights].reverse().find(([, w]) => w > 0)![0];
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
