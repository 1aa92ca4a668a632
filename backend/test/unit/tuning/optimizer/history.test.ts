import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featureLayout } from '../../../../src/tuning/optimizer/encoding.js';
import { failureScore, summarizeHistory } from '../../../../src/tuning/optimizer/history.js';
import type { Dimension, Trial } from '../../../../src/model/configuration-space.js';

const space: Dimension[] = [
  { name: 'x', type: 'float', low: 0, high: 1, log: false, specials: [] },
  { name: 'jit', type: 'categorical', choices: [true, false] },
];
const summarize = (history: Trial[]) => summarizeHistory(history, space, featureLayout(space));

test('failed trials score as far beyond the worst as the worst is from the best', () => {
  assert.equal(failureScore([2, 5, 3]), 8);
  assert.equal(failureScore([-10, -4]), 2, 'also for negated throughput');
  assert.equal(failureScore([4]), 8, 'one score s: s + |s|');
  assert.equal(failureScore([-4, -4]), 0);
  assert.equal(failureScore([0]), 1);
  assert.equal(failureScore([]), null);
});

test('repeats are grouped and averaged; failures count at the failure score', () => {
  const s = summarize([
    { config: { x: 0.5, jit: true }, score: 1 },
    { config: { x: 0.2, jit: false }, score: 2 },
    { config: { jit: true, x: 0.5 }, score: 5 },
    { config: { x: 0.9, jit: true }, score: null },
    { config: { x: 0.9, jit: true }, score: 3 },
    { config: { x: 0.7, jit: true }, score: Number.NaN },
  ]);
  assert.equal(s.failureScore, 9);
  assert.deepEqual(
    s.groups.map((g) => [g.config.x, g.count, g.failures, g.mean]),
    [
      [0.5, 2, 0, 3],
      [0.2, 1, 0, 2],
      [0.9, 2, 1, 6],
      [0.7, 1, 1, 9],
    ],
  );
  assert.equal(s.incumbent?.config.x, 0.2, 'the lowest mean, not the lowest single score');
  assert.equal(s.keys.length, 6);
  assert.equal(s.keys[0], s.keys[2]);
});

test('the incumbent is inside the space and has a success', () => {
  const s = summarize([
    { config: { x: 1.5, jit: true }, score: 0 }, // e.g. a baseline outside the searched range
    { config: { x: 0.3, jit: true }, score: null },
    { config: { x: 0.4, jit: false }, score: 4 },
  ]);
  assert.equal(s.incumbent?.config.x, 0.4);
  assert.equal(s.groups[0]!.inSpace, false);
  assert.deepEqual(s.groups[0]!.features.slice(0, 1), [1], 'encoded clamped to the range');
});

test('with only failures there is no incumbent and every group scores the same', () => {
  const s = summarize([
    { config: { x: 0.1, jit: true }, score: null },
    { config: { x: 0.2, jit: true }, score: null },
  ]);
  assert.equal(s.incumbent, null);
  assert.equal(s.failureScore, null);
  assert.deepEqual(
    s.groups.map((g) => g.mean),
    [0, 0],
  );
});

test('malformed trials are refused with their index', () => {
  assert.throws(() => summarize([{ config: { x: 0.1 }, score: 1 }]), /history\[0\].config.jit: missing/);
  assert.throws(() => summarize([{ config: { x: 0.1, jit: true }, score: '1' as unknown as number }]), /history\[0\].score: must be a number or null, got "1"/);
  assert.throws(() => summarize([null as unknown as Trial]), /history\[0\]: must be \{ config, score \}/);
});
