import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CPU_MODES } from '../../../src/host/cpu.js';
import { HostReadError } from '../../../src/host/errors.js';
import { readHostSnapshot } from '../../../src/host/snapshot.js';
import { fixtureRoot } from './fixtures.js';

test('readHostSnapshot assembles every part from one root', async () => {
  const snapshot = await readHostSnapshot(fixtureRoot('machine'));
  assert.equal(snapshot.cpu.count, 2);
  assert.equal(snapshot.cpu.secondsByMode.user, 43.89);
  assert.equal(snapshot.memory.availableBytes, 24_909_979_648);
  assert.deepEqual(
    snapshot.disks.map((disk) => disk.device),
    ['vda'],
  );
  assert.deepEqual(snapshot.load, { load1: 0.5, load5: 0.22, load15: 0.09 });
  assert.deepEqual(snapshot.cgroup, { cpuLimitCores: null, memoryLimitBytes: null });
});

test('readHostSnapshot tolerates missing diskstats and cgroup files', async () => {
  const snapshot = await readHostSnapshot(fixtureRoot('core-only'));
  assert.deepEqual(snapshot.disks, []);
  assert.deepEqual(snapshot.cgroup, { cpuLimitCores: null, memoryLimitBytes: null });
});

test('readHostSnapshot rejects with HostReadError when a core file is missing', async () => {
  const root = fixtureRoot('no-meminfo');
  await assert.rejects(
    readHostSnapshot(root),
    (error: unknown) => error instanceof HostReadError && error.path === path.join(root, 'proc/meminfo'),
  );
});

test('readHostSnapshot reads this machine with sane values', async () => {
  const snapshot = await readHostSnapshot();
  assert.ok(snapshot.cpu.count >= 1);
  // libuv's os.cpus() and os.totalmem() read the same kernel files, so they must agree.
  assert.equal(snapshot.cpu.count, os.cpus().length);
  assert.equal(snapshot.memory.totalBytes, os.totalmem());
  const cpuSeconds = CPU_MODES.reduce((sum, mode) => sum + snapshot.cpu.secondsByMode[mode], 0);
  assert.ok(cpuSeconds > 0, `cpu seconds ${cpuSeconds}`);
  assert.ok(snapshot.memory.availableBytes > 0);
  assert.ok(snapshot.memory.availableBytes <= snapshot.memory.totalBytes);
  assert.ok(snapshot.memory.swapFreeBytes <= snapshot.memory.swapTotalBytes);
  for (const value of Object.values(snapshot.load)) assert.ok(value >= 0);
  for (const disk of snapshot.disks) {
    assert.match(disk.device, /\S/);
    assert.ok(disk.readBytes >= 0 && disk.writtenBytes >= 0);
  }
  const { cpuLimitCores, memoryLimitBytes } = snapshot.cgroup;
  assert.ok(cpuLimitCores === null || cpuLimitCores > 0);
  assert.ok(memoryLimitBytes === null || memoryLimitBytes > 0);
});
