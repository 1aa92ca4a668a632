import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptimizerInputError } from '../../../../src/tuning/optimizer/errors.js';
import { createPrng, deriveSeed, permutation } from '../../../../src/tuning/optimizer/prng.js';

const draw = (seed: number, n = 8): number[] => {
  const rng = createPrng(seed);
  return Array.from({ length: n }, () => rng.next());
};

test('the same seed gives the same stream, different seeds different ones', () => {
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  assert.notDeepEqual(draw(0), draw(-1));
  assert.notDeepEqual(draw(2 ** 32), draw(0), 'high bits of the seed count');
});

test('next() is uniform in [0, 1), int(n) in [0, n), normal() has mean 0 and variance 1', () => {
  const rng = createPrng(7);
  const n = 20_000;
  let sum = 0;
  let sumSq = 0;
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    buckets[Math.floor(u * 10)]!++;
    const k = rng.int(5);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 5);
    const z = rng.normal();
    sum += z;
    sumSq += z * z;
  }
  for (const b of buckets) assert.ok(Math.abs(b - n / 10) < n / 10 * 0.1, `bucket ${b}`);
  assert.ok(Math.abs(sum / n) < 0.03);
  assert.ok(Math.abs(sumSq / n - 1) < 0.05);
});

test('deriveSeed separates streams by every part and is stable', () => {
  assert.equal(deriveSeed(1, 2, 3), deriveSeed(1, 2, 3));
  const seeds = new Set([deriveSeed(1), deriveSeed(1, 0), deriveSeed(1, 1), deriveSeed(2, 0), deriveSeed(1, 0, 0), deriveSeed(1, 1, 0)]);
  assert.equal(seeds.size, 6);
  for (const s of seeds) assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32);
});

test('seeds must be safe integers', () => {
  assert.throws(() => createPrng(1.5), OptimizerInputError);
  assert.throws(() => createPrng(Number.NaN), /seed: must be a safe integer, got NaN/);
  assert.throws(() => deriveSeed(1, 2 ** 60), OptimizerInputError);
});

test('permutation() is a seeded permutation', () => {
  const p = permutation(50, createPrng(3));
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(p, permutation(50, createPrng(3)));
  assert.notDeepEqual(p, permutation(50, createPrng(4)));
});
