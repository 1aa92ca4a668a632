import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { HostParseError, HostReadError } from '../../../src/host/errors.js';
import { parseMeminfo, readMemoryStats } from '../../../src/host/memory.js';
import { fixtureRoot, readFixture } from './fixtures.js';

test('parseMeminfo converts kB (KiB) to bytes', async () => {
  // MemTotal: 24684084 kB, MemAvailable: 24326152 kB, no swap (copied from the build machine)
  assert.deepEqual(parseMeminfo(await readFixture('machine', 'proc/meminfo')), {
    totalBytes: 25_276_502_016,
    availableBytes: 24_909_979_648,
    swapTotalBytes: 0,
    swapFreeBytes: 0,
  });
});

test('parseMeminfo reads swap and skips lines without a unit', () => {
  const text = [
    'MemTotal:        8048576 kB',
    'MemFree:          512000 kB',
    'MemAvailable:    4096000 kB',
    'SwapTotal:       2097148 kB',
    'SwapFree:        1048576 kB',
    'HugePages_Total:       0',
    '',
  ].join('\n');
  assert.deepEqual(parseMeminfo(text), {
    totalBytes: 8_241_741_824,
    availableBytes: 4_194_304_000,
    swapTotalBytes: 2_147_479_552,
    swapFreeBytes: 1_073_741_824,
  });
});

test('parseMeminfo rejects text without MemAvailable (kernels before 3.14)', () => {
  const text = 'MemTotal: 8048576 kB\nMemFree: 512000 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n';
  assert.throws(
    () => parseMeminfo(text),
    (error: unknown) =>
      error instanceof HostParseError && error.file === '/proc/meminfo' && /MemAvailable/.test(error.message),
  );
});

test('readMemoryStats raises HostReadError naming the path when proc/meminfo is missing', async () => {
  const root = fixtureRoot('no-meminfo');
  await assert.rejects(
    readMemoryStats(root),
    (error: unknown) => error instanceof HostReadError && error.path === path.join(root, 'proc/meminfo'),
  );
});
