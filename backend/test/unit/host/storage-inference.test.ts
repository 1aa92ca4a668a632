import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inferStorage, MIN_BLOCK_ACCESSES, MIN_TIMED_READS } from '../../../src/host/storage-inference.js';

const noReads = { blocksRead: 0, blocksHit: 0, readTimeMs: null };

test('the operator setting wins over the device and every measurement', () => {
  const reads = { blocksRead: 50_000, blocksHit: 0, readTimeMs: 500_000 }; // 10 ms a read: a seeking disk
  assert.deepEqual(inferStorage({ setting: 'ssd', device: 'hdd', reads }), { kind: 'ssd', source: 'setting', reason: 'TUNER_STORAGE=ssd' });
  assert.equal(inferStorage({ setting: 'hdd', device: 'ssd', reads: null }).kind, 'hdd');
});

test('timed reads: fast reads are ssd although the device says it rotates, slow reads are hdd', () => {
  const fast = inferStorage({ setting: 'auto', device: 'hdd', reads: { blocksRead: 20_000, blocksHit: 0, readTimeMs: 2_000 } });
  assert.equal(fast.kind, 'ssd');
  assert.equal(fast.source, 'read_latency');
  assert.match(fast.reason, /0\.100 ms over 20000 reads/);
  const slow = inferStorage({ setting: 'auto', device: 'ssd', reads: { blocksRead: 20_000, blocksHit: 0, readTimeMs: 160_000 } });
  assert.equal(slow.kind, 'hdd');
  assert.equal(slow.source, 'read_latency');
});

test('timed reads in between fall through to the cache and then the device', () => {
  const between = { blocksRead: 20_000, blocksHit: 0, readTimeMs: 40_000 }; // 2 ms
  const inference = inferStorage({ setting: 'auto', device: 'hdd', reads: between });
  assert.deepEqual([inference.kind, inference.source], ['hdd', 'device']);
});

test('too few timed reads do not count as a measurement', () => {
  const few = inferStorage({ setting: 'auto', device: 'hdd', reads: { blocksRead: MIN_TIMED_READS - 1, blocksHit: 0, readTimeMs: 1 } });
  assert.equal(few.source, 'device');
  assert.match(few.reason, /too few reads/);
});

test('a cached data set counts as ssd when reads are not timed; a colder one keeps the device', () => {
  const cached = inferStorage({ setting: 'auto', device: 'hdd', reads: { blocksRead: 500, blocksHit: MIN_BLOCK_ACCESSES, readTimeMs: null } });
  assert.equal(cached.kind, 'ssd');
  assert.equal(cached.source, 'cache_hit_ratio');
  assert.match(cached.reason, /99\.50 % of 100500 block accesses/);
  const cold = inferStorage({ setting: 'auto', device: 'hdd', reads: { blocksRead: 5_000, blocksHit: MIN_BLOCK_ACCESSES, readTimeMs: null } });
  assert.equal(cold.kind, 'hdd');
  assert.equal(cold.source, 'device');
  assert.match(cold.reason, /track_io_timing is off/);
  const small = inferStorage({ setting: 'auto', device: 'hdd', reads: { blocksRead: 0, blocksHit: MIN_BLOCK_ACCESSES - 1, readTimeMs: null } });
  assert.equal(small.source, 'device');
});

test('without counters the device decides, and says so', () => {
  assert.deepEqual(inferStorage({ setting: 'auto', device: 'unknown', reads: null }), {
    kind: 'unknown',
    source: 'device',
    reason: 'no whole disk says whether it rotates; no read counters',
  });
  assert.match(inferStorage({ setting: 'auto', device: 'ssd', reads: noReads }).reason, /do not rotate/);
});
