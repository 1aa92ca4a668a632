import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostParseError, HostReadError } from '../../../src/host/errors.js';
import { parseLoadavg, readLoadAverages } from '../../../src/host/load.js';
import { fixtureRoot } from './fixtures.js';

test('readLoadAverages reads the three averages from proc/loadavg', async () => {
  // 0.50 0.22 0.09 1/85 5448 (copied from the build machine)
  assert.deepEqual(await readLoadAverages(fixtureRoot('machine')), { load1: 0.5, load5: 0.22, load15: 0.09 });
});

test('parseLoadavg handles loads above one and rejects truncated text', () => {
  assert.deepEqual(parseLoadavg('12.75 8.01 3.40 9/1024 77\n'), { load1: 12.75, load5: 8.01, load15: 3.4 });
  assert.throws(() => parseLoadavg('0.13 0.12\n'), HostParseError);
  assert.throws(() => parseLoadavg(''), HostParseError);
});

test('readLoadAverages raises HostReadError when proc/loadavg is missing', async () => {
  await assert.rejects(readLoadAverages(fixtureRoot('diskstats-mixed')), HostReadError);
});
