import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isWholeDevice, readDiskStats } from './disks.js';

export type StorageKind = 'ssd' | 'hdd' | 'unknown';

/**
 * Whether the host's whole disks spin, from /sys/block/<dev>/queue/rotational: any rotating disk
 * makes it `hdd` (the cautious answer for random_page_cost), all solid-state `ssd`, none readable
 * `unknown`. Virtual disks usually report 0, as their backing store is rarely a spinning disk.
 */
export async function detectStorage(root = '/'): Promise<StorageKind> {
  const devices = (await readDiskStats(root)).map((d) => d.device).filter(isWholeDevice);
  const flags = await Promise.all(
    devices.map(async (device) => {
      try {
        return (await readFile(join(root, 'sys', 'block', device, 'queue', 'rotational'), 'utf8')).trim();
      } catch {
        return null;
      }
    }),
  );
  const known = flags.filter((f): f is string => f === '0' || f === '1');
  if (known.length === 0) return 'unknown';
  return known.includes('1') ? 'hdd' : 'ssd';
}
