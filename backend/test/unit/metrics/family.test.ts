import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bool, counter, enumSamples, gauge, single, SnapshotFamily } from '../../../src/metrics/family.js';

describe('family helpers', () => {
  it('single: one sample, or none for null, undefined and NaN', () => {
    assert.deepEqual(single(0), [{ value: 0 }]);
    assert.deepEqual(single(2.5, { scope: 'demo' }), [{ value: 2.5, labels: { scope: 'demo' } }]);
    assert.deepEqual(single(null), []);
    assert.deepEqual(single(undefined, { scope: 'demo' }), []);
    assert.deepEqual(single(Number.NaN), []);
  });

  it('enumSamples: 1 for the current value, 0 for the others, with the shared labels', () => {
    assert.deepEqual(enumSamples(['up', 'stopped', 'failed'], 'stopped', 'health', { member: 'node1' }), [
      { labels: { member: 'node1', health: 'up' }, value: 0 },
      { labels: { member: 'node1', health: 'stopped' }, value: 1 },
      { labels: { member: 'node1', health: 'failed' }, value: 0 },
    ]);
    assert.deepEqual(enumSamples(['a', 'b'], 'c', 'x'), [
      { labels: { x: 'a' }, value: 0 },
      { labels: { x: 'b' }, value: 0 },
    ]);
  });

  it('bool, gauge and counter', () => {
    assert.equal(bool(true), 1);
    assert.equal(bool(false), 0);
    const samples = () => [];
    assert.deepEqual(gauge('g', 'help g', samples), { name: 'g', help: 'help g', type: 'gauge', samples });
    assert.deepEqual(counter('c_total', 'help c', samples), { name: 'c_total', help: 'help c', type: 'counter', samples });
  });
});

describe('SnapshotFamily', () => {
  it("computes samples from the current snapshot on every get(), dropping nulls and non-finite values", async () => {
    let current = { values: [1, 2] as Array<number | null> };
    const family = new SnapshotFamily(
      counter<typeof current>('pgtuner_things_total', 'Things.', (s) =>
        s.values.map((value, i) => (value === null ? null : { labels: { i }, value })),
      ),
      () => current,
    );
    assert.equal(family.name, 'pgtuner_things_total');
    assert.equal(family.type, 'counter');
    assert.deepEqual(await family.get(), {
      name: 'pgtuner_things_total',
      help: 'Things.',
      type: 'counter',
      values: [
        { labels: { i: 0 }, value: 1 },
        { labels: { i: 1 }, value: 2 },
      ],
      aggregator: 'sum',
    });

    current = { values: [null, Number.POSITIVE_INFINITY, Number.NaN, 7] };
    assert.deepEqual((await family.get()).values, [{ labels: { i: 3 }, value: 7 }]);
    family.reset();
    assert.deepEqual((await family.get()).values, [{ labels: { i: 3 }, value: 7 }]);
  });
});
