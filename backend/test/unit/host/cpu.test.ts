import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseProcStat, readCpuStats } from '../../../src/host/cpu.js';
import { HostError, HostParseError, HostReadError } from '../../../src/host/errors.js';
import { fixtureRoot, readFixture } from './fixtures.js';

test('parseProcStat converts the aggregate cpu line from USER_HZ ticks to seconds and counts cpuN lines', async () => {
  // cpu  4389 0 2382 48279 299 0 65 8 0 0, two cpuN lines (copied from the build machine)
  const stats = parseProcStat(await readFixture('machine', 'proc/stat'));
  assert.deepEqual(stats, {
    secondsByMode: {
      user: 43.89,
      nice: 0,
      system: 23.82,
      idle: 482.79,
      iowait: 2.99,
      irq: 0,
      softirq: 0.65,
      steal: 0.08,
    },
    count: 2,
  });
});

test('parseProcStat counts every cpuN line and ignores the other lines', () => {
  const text = [
    'cpu  100 200 300 400 500 600 700 800 900 1000',
    'cpu0 25 50 75 100 125 150 175 200 225 250',
    'cpu1 25 50 75 100 125 150 175 200 225 250',
    'cpu2 25 50 75 100 125 150 175 200 225 250',
    'cpu3 25 50 75 100 125 150 175 200 225 250',
    'ctxt 457858',
    'cpufreq_should_not_count 1',
  ].join('\n');
  const stats = parseProcStat(text);
  assert.equal(stats.count, 4);
  assert.deepEqual(stats.secondsByMode, {
    user: 1,
    nice: 2,
    system: 3,
    idle: 4,
    iowait: 5,
    irq: 6,
    softirq: 7,
    steal: 8,
  });
});

test('parseProcStat rejects text without the aggregate line, without cpuN lines, or with a short cpu line', () => {
  assert.throws(() => parseProcStat('cpu0 1 2 3 4 5 6 7 8\n'), HostParseError);
  assert.throws(() => parseProcStat('cpu  1 2 3 4 5 6 7 8\n'), HostParseError);
  assert.throws(() => parseProcStat('cpu  1 2 3\ncpu0 1 2 3\n'), /cpu idle/);
  assert.throws(() => parseProcStat('cpu  1 2 x 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8\n'), /cpu system/);
});

test('readCpuStats reads proc/stat below the given root', async () => {
  const stats = await readCpuStats(fixtureRoot('core-only'));
  assert.equal(stats.secondsByMode.idle, 482.79);
});

test('readCpuStats raises HostReadError naming the path when proc/stat is missing', async () => {
  const root = fixtureRoot('does-not-exist');
  await assert.rejects(readCpuStats(root), (error: unknown) => {
    assert.ok(error instanceof HostReadError);
    assert.ok(error instanceof HostError);
    assert.equal(error.path, path.join(root, 'proc/stat'));
    return true;
  });
});

test('readCpuStats raises HostReadError when proc/stat exists but cannot be read', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'host-cpu-'));
  try {
    await mkdir(path.join(root, 'proc/stat'), { recursive: true });
    await assert.rejects(readCpuStats(root), HostReadError);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
