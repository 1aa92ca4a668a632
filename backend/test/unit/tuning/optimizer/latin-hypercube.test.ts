import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialDesign } from '../../../../src/tuning/optimizer/design.js';
import { isInSpace } from '../../../../src/tuning/optimizer/encoding.js';
import { latinHypercube } from '../../../../src/tuning/optimizer/latin-hypercube.js';
import { createPrng } from '../../../../src/tuning/optimizer/prng.js';
import type { Dimension } from '../../../../src/model/configuration-space.js';
import { mixedSpace } from './fixtures.js';

test('every column of a Latin hypercube puts one point in each 1/n slice', () => {
  const n = 10;
  const design = latinHypercube(n, 4, createPrng(1));
  assert.equal(design.length, n);
  for (let j = 0; j < 4; j++) {
    const slices = design.map((row) => Math.floor(row[j]! * n)).sort((a, b) => a - b);
    assert.deepEqual(slices, Array.from({ length: n }, (_, i) => i));
  }
});

test('Latin hypercubes are seeded', () => {
  assert.deepEqual(latinHypercube(8, 3, createPrng(5)), latinHypercube(8, 3, createPrng(5)));
  assert.notDeepEqual(latinHypercube(8, 3, createPrng(5)), latinHypercube(8, 3, createPrng(6)));
  assert.deepEqual(latinHypercube(0, 3, createPrng(5)), []);
  assert.throws(() => latinHypercube(-1, 3, createPrng(5)), /latinHypercube.n: must be a non-negative integer, got -1/);
});

test('the maximin choice spreads points at least as well as a single random design', () => {
  const minDistance = (rows: number[][]): number => {
    let m = Infinity;
    for (let a = 0; a < rows.length; a++)
      for (let b = a + 1; b < rows.length; b++) m = Math.min(m, Math.hypot(...rows[a]!.map((v, j) => v - rows[b]![j]!)));
    return m;
  };
  let better = 0;
  for (let seed = 0; seed < 10; seed++) {
    if (minDistance(latinHypercube(10, 3, createPrng(seed), 16)) >= minDistance(latinHypercube(10, 3, createPrng(seed + 100), 1))) better++;
  }
  assert.ok(better >= 8, `${better}/10`);
});

test('the initial design is a list of distinct in-space configurations with balanced choices', () => {
  const design = initialDesign(mixedSpace, 10, 1, 0.2);
  assert.equal(design.length, 10);
  for (const c of design) assert.ok(isInSpace(c, mixedSpace), JSON.stringify(c));
  const compression = design.map((c) => c.wal_compression);
  for (const choice of ['off', 'pglz', 'lz4', 'zstd']) assert.ok(compression.filter((v) => v === choice).length >= 2, choice);
  assert.deepEqual(initialDesign(mixedSpace, 10, 1, 0.2), design);
  assert.notDeepEqual(initialDesign(mixedSpace, 10, 2, 0.2), design);
});

test('an initial design over a tiny discrete space drops duplicates', () => {
  const tiny: Dimension[] = [{ name: 'jit', type: 'categorical', choices: [true, false] }];
  const design = initialDesign(tiny, 10, 1, 0.2);
  assert.deepEqual(
    design.map((c) => c.jit).sort(),
    [false, true],
  );
});
