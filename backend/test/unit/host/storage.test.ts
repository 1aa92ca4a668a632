import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { detectStorage } from '../../../src/host/storage.js';

const DISKSTATS_LINE = (device: string) => `   8       0 ${device} 1 0 8 1 1 0 8 1 0 1 2 0 0 0 0 0 0\n`;

const roots: string[] = [];
after(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

/** A fake root with /proc/diskstats listing `devices` and a rotational flag for those given one. */
function root(devices: Record<string, '0' | '1' | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tuner-storage-'));
  roots.push(dir);
  mkdirSync(join(dir, 'proc'));
  writeFileSync(join(dir, 'proc', 'diskstats'), Object.keys(devices).map(DISKSTATS_LINE).join(''));
  for (const [device, flag] of Object.entries(devices)) {
    if (flag === null) continue;
    mkdirSync(join(dir, 'sys', 'block', device, 'queue'), { recursive: true });
    writeFileSync(join(dir, 'sys', 'block', device, 'queue', 'rotational'), `${flag}\n`);
  }
  return dir;
}

test('all whole disks solid-state: ssd', async () => {
  assert.equal(await detectStorage(root({ nvme0n1: '0', sda: '0' })), 'ssd');
});

test('any rotating whole disk: hdd', async () => {
  assert.equal(await detectStorage(root({ nvme0n1: '0', sdb: '1' })), 'hdd');
});

test('partitions and loop devices do not count; no readable flag: unknown', async () => {
  assert.equal(await detectStorage(root({ sda1: '1', loop0: '1', vda: null })), 'unknown');
  assert.equal(await detectStorage(root({})), 'unknown');
});
