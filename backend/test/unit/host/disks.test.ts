import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isWholeDevice, parseDiskstats, readDiskStats } from '../../../src/host/disks.js';
import { HostParseError, HostReadError } from '../../../src/host/errors.js';
import { fixtureRoot, readFixture } from './fixtures.js';

test('isWholeDevice follows node_exporter: drops partitions, loop, ram, zram and floppies', () => {
  for (const device of ['sda', 'vda', 'xvda', 'hda', 'nvme0n1', 'nvme10n2', 'dm-0', 'md0', 'sr0']) {
    assert.equal(isWholeDevice(device), true, device);
  }
  for (const device of ['sda1', 'vda15', 'xvda1', 'nvme0n1p1', 'nvme10n2p3', 'loop0', 'ram0', 'zram0', 'fd0']) {
    assert.equal(isWholeDevice(device), false, device);
  }
});

test('parseDiskstats keeps whole devices from 14-, 18- and 20-field lines and converts units', async () => {
  const disks = parseDiskstats(await readFixture('diskstats-mixed', 'proc/diskstats'));
  assert.deepEqual(disks, [
    {
      // 20 fields (kernel ≥ 5.5)
      device: 'nvme0n1',
      readsCompleted: 481255,
      readBytes: 19_777_264_640,
      readTimeSeconds: 93.731,
      writesCompleted: 1930447,
      writtenBytes: 48_778_539_008,
      writeTimeSeconds: 2103.985,
      ioInFlight: 3,
      ioTimeSeconds: 1123.48,
      ioTimeWeightedSeconds: 2295.29,
    },
    {
      // 18 fields (kernel 4.18–5.4)
      device: 'sda',
      readsCompleted: 9871,
      readBytes: 526_746_624,
      readTimeSeconds: 4.12,
      writesCompleted: 55021,
      writtenBytes: 1_172_574_208,
      writeTimeSeconds: 61.022,
      ioInFlight: 0,
      ioTimeSeconds: 45.21,
      ioTimeWeightedSeconds: 66.344,
    },
    {
      // 14 fields (kernels before 4.18)
      device: 'vda',
      readsCompleted: 27607,
      readBytes: 821_720_064,
      readTimeSeconds: 6.191,
      writesCompleted: 10405,
      writtenBytes: 546_775_040,
      writeTimeSeconds: 3.838,
      ioInFlight: 1,
      ioTimeSeconds: 3.064,
      ioTimeWeightedSeconds: 10.268,
    },
    {
      device: 'dm-0',
      readsCompleted: 480500,
      readBytes: 19_758_080_000,
      readTimeSeconds: 120.344,
      writesCompleted: 3453601,
      writtenBytes: 48_778_240_000,
      writeTimeSeconds: 5610.042,
      ioInFlight: 0,
      ioTimeSeconds: 1125.004,
      ioTimeWeightedSeconds: 5730.386,
    },
  ]);
});

test('parseDiskstats reads the build machine\'s line for vda and drops its loop and zram devices', async () => {
  const disks = parseDiskstats(await readFixture('machine', 'proc/diskstats'));
  assert.deepEqual(disks, [
    {
      device: 'vda',
      readsCompleted: 33413,
      readBytes: 1_203_254_272,
      readTimeSeconds: 17.049,
      writesCompleted: 26352,
      writtenBytes: 1_166_045_184,
      writeTimeSeconds: 7.898,
      ioInFlight: 0,
      ioTimeSeconds: 4.668,
      ioTimeWeightedSeconds: 25.981,
    },
  ]);
});

test('parseDiskstats skips short legacy partition lines and rejects non-numeric counters', () => {
  assert.deepEqual(parseDiskstats('   3    1 hda1 35486 38030 38030 38030\n\n'), []);
  assert.throws(
    () => parseDiskstats(' 8 0 sda 9871 2210 1028802 4120 55021 70120 2290184 61022 0 45210 x\n'),
    (error: unknown) => error instanceof HostParseError && /sda weighted ms doing io/.test(error.message),
  );
});

test('readDiskStats gives an empty list when proc/diskstats is absent', async () => {
  assert.deepEqual(await readDiskStats(fixtureRoot('core-only')), []);
});

test('readDiskStats raises HostReadError when proc/diskstats exists but cannot be read', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'host-disks-'));
  try {
    await mkdir(path.join(root, 'proc/diskstats'), { recursive: true });
    await assert.rejects(readDiskStats(root), HostReadError);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
