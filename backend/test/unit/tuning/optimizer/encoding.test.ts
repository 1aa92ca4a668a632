import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CHOICE_SCALE,
  configurationKey,
  decodePoint,
  encodeConfiguration,
  featureLayout,
  isInSpace,
  projectConfiguration,
  SPECIAL_GAP,
  unitToValue,
  valueToUnit,
} from '../../../../src/tuning/optimizer/encoding.js';
import { OptimizerInputError, SearchSpaceError } from '../../../../src/tuning/optimizer/errors.js';
import { createPrng } from '../../../../src/tuning/optimizer/prng.js';
import { sampleConfiguration } from '../../../../src/tuning/optimizer/sampling.js';
import { validateSpace } from '../../../../src/tuning/optimizer/space-validation.js';
import type { Dimension, NumericDimension } from '../../../../src/model/configuration-space.js';
import { mixedSpace, violations } from './fixtures.js';

const num = (over: Partial<NumericDimension>): NumericDimension => ({ name: 'x', type: 'float', low: 0, high: 1, log: false, specials: [], ...over });

test('invalid spaces are refused with the values in the message', () => {
  const cases: [Dimension[], RegExp][] = [
    [[], /search space: has no dimensions/],
    [[num({ low: 10, high: 5 })], /dimension "x": low = 10 > high = 5/],
    [[num({ log: true, low: 0, high: 5 })], /dimension "x": log scale needs low > 0, got low = 0/],
    [[num({ log: true, low: -3, high: 5 })], /low = -3/],
    [[num({ low: Number.NaN })], /low = NaN is not a finite number/],
    [[num({ type: 'int', low: 0.2, high: 0.8 })], /integer dimension has no integer in \[0.2, 0.8\]/],
    [[num({ type: 'int', low: 0, high: 8, specials: [0.5] })], /special value 0.5 of an integer dimension is not an integer/],
    [[num({ specials: [0, 0] })], /special value 0 appears twice/],
    [[num({}), num({})], /dimension "x": appears twice/],
    [[{ name: 'jit', type: 'categorical', choices: [] }], /dimension "jit": categorical dimension has no choices/],
    [[{ name: 'c', type: 'categorical', choices: ['a', 'a'] }], /choice "a" appears twice/],
    [[num({ name: '' })], /a dimension has no name/],
  ];
  for (const [space, message] of cases) {
    assert.throws(
      () => validateSpace(space),
      (e: unknown) => e instanceof SearchSpaceError && e.code === 'PGT_OPTIMIZER_SPACE_INVALID' && message.test(e.message),
      message.source,
    );
  }
  validateSpace(mixedSpace);
  validateSpace([num({ low: 3, high: 3 })]);
});

test('numeric values map to [0, 1], linearly or on a log scale, and back', () => {
  const lin = num({ low: 0, high: 10 });
  assert.equal(valueToUnit(lin, 2.5), 0.25);
  assert.equal(unitToValue(lin, 0.25), 2.5);
  const log = num({ low: 1, high: 10_000, log: true });
  assert.ok(Math.abs(valueToUnit(log, 100) - 0.5) < 1e-12);
  assert.equal(unitToValue(log, 0.5), 100);
  assert.equal(valueToUnit(log, 0.001), 0, 'clamped below');
  assert.equal(valueToUnit(log, 1e9), 1, 'clamped above');
  const int = num({ type: 'int', low: 64, high: 1_048_576, log: true });
  for (let u = 0; u <= 1; u += 0.01) {
    const v = unitToValue(int, u);
    assert.ok(Number.isInteger(v) && v >= 64 && v <= 1_048_576, String(v));
  }
});

test('floats are bucketized: 4 significant digits on a log scale, ≥ 1000 steps on a linear one', () => {
  assert.equal(unitToValue(num({ low: 1, high: 8, log: true }), 0.3), 1.866);
  assert.equal(unitToValue(num({ low: 1000, high: 1e7, log: true }), 0.37), 30200);
  assert.equal(unitToValue(num({ low: 0.5, high: 0.99 }), 0.123456), 0.5605);
  assert.equal(unitToValue(num({ low: 0, high: 1 }), 1 / 3), 0.333);
  const v = unitToValue(num({ low: 0.5, high: 0.99 }), 0.5);
  assert.equal(String(v), '0.745');
});

test('special values sit outside the unit interval and decode back', () => {
  const dim = num({ type: 'int', low: 1, high: 1000, log: true, specials: [0, -1, 5000] });
  const layout = featureLayout([dim]);
  assert.deepEqual(encodeConfiguration({ x: 0 }, [dim], layout), [-SPECIAL_GAP]);
  assert.deepEqual(encodeConfiguration({ x: -1 }, [dim], layout), [-2 * SPECIAL_GAP]);
  assert.deepEqual(encodeConfiguration({ x: 5000 }, [dim], layout), [1 + SPECIAL_GAP]);
  for (const v of [0, -1, 5000, 1, 1000, 37]) assert.equal(decodePoint(encodeConfiguration({ x: v }, [dim]), [dim]).x, v);
  assert.equal(decodePoint([-0.1], [dim]).x, 1, 'nearer the range than the special');
  assert.equal(decodePoint([-0.2], [dim]).x, 0);
  assert.equal(decodePoint([-9], [dim]).x, -1);
  // A special inside the range keeps its natural position.
  const inRange = num({ type: 'int', low: 0, high: 100, specials: [0] });
  assert.deepEqual(encodeConfiguration({ x: 0 }, [inRange]), [0]);
});

test('categorical values are one-hot at distance 1 from each other', () => {
  const space: Dimension[] = [{ name: 'c', type: 'categorical', choices: ['off', 'lz4', 'zstd'] }];
  const a = encodeConfiguration({ c: 'off' }, space);
  const b = encodeConfiguration({ c: 'zstd' }, space);
  assert.deepEqual(a, [CHOICE_SCALE, 0, 0]);
  assert.ok(Math.abs(Math.hypot(...a.map((v, i) => v - b[i]!)) - 1) < 1e-12);
  assert.deepEqual(encodeConfiguration({ c: 'unknown' }, space), [0, 0, 0], 'unknown choice: equally far from all');
  assert.equal(decodePoint([0.1, 0.3, 0.2], space).c, 'lz4');
  assert.deepEqual(featureLayout(mixedSpace).offset, [0, 1, 2, 3, 4, 5, 6, 8]);
  assert.equal(featureLayout(mixedSpace).size, 12);
});

test('encode then decode returns in-space configurations unchanged', () => {
  const rng = createPrng(11);
  const layout = featureLayout(mixedSpace);
  for (let i = 0; i < 500; i++) {
    const config = sampleConfiguration(mixedSpace, rng);
    assert.deepEqual(violations(config, mixedSpace), []);
    assert.deepEqual(decodePoint(encodeConfiguration(config, mixedSpace, layout), mixedSpace, layout), config);
  }
});

test('encoding needs every dimension with the right type', () => {
  const config = sampleConfiguration(mixedSpace, createPrng(1));
  const { work_mem: _, ...missing } = config;
  assert.throws(() => encodeConfiguration(missing, mixedSpace), (e: unknown) => e instanceof OptimizerInputError && /config.work_mem: missing/.test(e.message));
  assert.throws(() => encodeConfiguration({ ...config, jit: 1 }, mixedSpace), /config.jit: expected a string or boolean, got 1/);
  assert.throws(() => encodeConfiguration({ ...config, work_mem: '4MB' }, mixedSpace), /config.work_mem: expected a finite number, got "4MB"/);
  assert.doesNotThrow(() => encodeConfiguration({ ...config, extra: 'ignored' }, mixedSpace));
});

test('projectConfiguration clamps and rounds numbers, keeps specials, refuses unknown choices', () => {
  const base = sampleConfiguration(mixedSpace, createPrng(2));
  const projected = projectConfiguration({ ...base, work_mem: 10, random_page_cost: 100, max_parallel_workers_per_gather: 2.6, effective_io_concurrency: 0 }, mixedSpace);
  assert.equal(projected.work_mem, 64);
  assert.equal(projected.random_page_cost, 8);
  assert.equal(projected.max_parallel_workers_per_gather, 3);
  assert.equal(projected.effective_io_concurrency, 0);
  assert.ok(isInSpace(projected, mixedSpace));
  assert.ok(!isInSpace({ ...base, work_mem: 10 }, mixedSpace));
  assert.throws(() => projectConfiguration({ ...base, wal_compression: 'gzip' }, mixedSpace, 'first'), /first.wal_compression: "gzip" is not one of \["off","pglz","lz4","zstd"\]/);
});

test('configuration keys follow the space, ignore other keys and float noise', () => {
  const space: Dimension[] = [num({ name: 'a' }), { name: 'b', type: 'categorical', choices: ['true', true] }];
  assert.equal(configurationKey({ a: 0.1 + 0.2, b: true }, space), configurationKey({ b: true, a: 0.3, z: 1 }, space));
  assert.notEqual(configurationKey({ a: 0.3, b: true }, space), configurationKey({ a: 0.3, b: 'true' }, space));
  assert.notEqual(configurationKey({ a: 0.3, b: true }, space), configurationKey({ a: 0.3001, b: true }, space));
  assert.equal(configurationKey({ a: -0, b: true }, space), configurationKey({ a: 0, b: true }, space));
});
