/**
 * Seeded Latin hypercube designs in [0, 1)^d: each of the n rows of every column falls in a
 * different 1/n slice. Of `tries` random designs the one with the largest smallest pairwise
 * distance is kept (maximin), which avoids the clumped designs plain LHS sometimes gives.
 */
import { OptimizerInputError } from './errors.js';
import { permutation, type Prng } from './prng.js';

export function latinHypercube(n: number, d: number, rng: Prng, tries = 16): number[][] {
  if (!Number.isInteger(n) || n < 0) throw new OptimizerInputError('latinHypercube.n', `must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(d) || d < 0) throw new OptimizerInputError('latinHypercube.d', `must be a non-negative integer, got ${d}`);
  if (!Number.isInteger(tries) || tries < 1) throw new OptimizerInputError('latinHypercube.tries', `must be a positive integer, got ${tries}`);
  let best: number[][] = [];
  let bestSpread = -1;
  for (let t = 0; t < tries; t++) {
    const design = oneDesign(n, d, rng);
    const spread = minPairwiseDistance2(design);
    if (spread > bestSpread) {
      bestSpread = spread;
      best = design;
    }
  }
  return best;
}

function oneDesign(n: number, d: number, rng: Prng): number[][] {
  const rows = Array.from({ length: n }, () => new Array<number>(d).fill(0));
  for (let j = 0; j < d; j++) {
    const perm = permutation(n, rng);
    for (let i = 0; i < n; i++) rows[i]![j] = (perm[i]! + rng.next()) / n;
  }
  return rows;
}

function minPairwiseDistance2(rows: readonly (readonly number[])[]): number {
  let min = Infinity;
  for (let a = 0; a < rows.length; a++) {
    for (let b = a + 1; b < rows.length; b++) {
      let s = 0;
      const ra = rows[a]!;
      const rb = rows[b]!;
      for (let j = 0; j < ra.length; j++) s += (ra[j]! - rb[j]!) ** 2;
      if (s < min) min = s;
    }
  }
  return min;
}
