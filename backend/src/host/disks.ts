import { hostPath, readOptionalFile } from './files.js';
import { fieldsOf, parseUnsignedInteger } from './numbers.js';

/** IO counters of one whole block device since boot (all monotonic except ioInFlight). */
export interface DiskStats {
  device: string;
  readsCompleted: number;
  writesCompleted: number;
  readBytes: number;
  writtenBytes: number;
  readTimeSeconds: number;
  writeTimeSeconds: number;
  /** Wall time the device had IO in flight (its utilisation when taken as a rate). */
  ioTimeSeconds: number;
  /** IO time weighted by the number in flight (average queue size when taken as a rate). */
  ioTimeWeightedSeconds: number;
  /** Requests in flight now: a gauge. */
  ioInFlight: number;
}

const PROC_DISKSTATS = '/proc/diskstats';

/** diskstats counts in 512-byte units whatever the device's own sector size (iostats.rst). */
const SECTOR_BYTES = 512;

/**
 * node_exporter's default device exclude: partitions (sda1, vda1, nvme0n1p1) and loop, ram, zram and
 * floppy devices, so IO is counted once per whole device; dm-N, md and nvme0n1 stay.
 */
const EXCLUDED_DEVICE = /^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$/;

/**
 * Every kernel since 2.6.25 prints 11 counters after `major minor name` (14 fields); 4.18 adds 4
 * discard counters (18) and 5.5 adds 2 flush counters (20). Only the first 11 are used.
 */
const MIN_FIELDS = 14;

export function isWholeDevice(device: string): boolean {
  return !EXCLUDED_DEVICE.test(device);
}

export function parseDiskstats(text: string): DiskStats[] {
  const disks: DiskStats[] = [];
  for (const line of text.split('\n')) {
    const fields = fieldsOf(line);
    const device = fields[2];
    // Blank lines and the pre-2.6.25 short partition lines (7 fields) carry nothing usable.
    if (device === undefined || fields.length < MIN_FIELDS || !isWholeDevice(device)) continue;
    const counter = (position: number, name: string): number =>
      parseUnsignedInteger(fields[position + 2], PROC_DISKSTATS, `${device} ${name}`);
    disks.push({
      device,
      readsCompleted: counter(1, 'reads completed'),
      readBytes: counter(3, 'sectors read') * SECTOR_BYTES,
      readTimeSeconds: counter(4, 'ms reading') / 1000,
      writesCompleted: counter(5, 'writes completed'),
      writtenBytes: counter(7, 'sectors written') * SECTOR_BYTES,
      writeTimeSeconds: counter(8, 'ms writing') / 1000,
      ioInFlight: counter(9, 'ios in progress'),
      ioTimeSeconds: counter(10, 'ms doing io') / 1000,
      ioTimeWeightedSeconds: counter(11, 'weighted ms doing io') / 1000,
    });
  }
  return disks;
}

/** Whole-device IO; empty when /proc/diskstats is absent (some sandboxes hide it). */
export async function readDiskStats(root: string): Promise<DiskStats[]> {
  const text = await readOptionalFile(hostPath(root, 'proc/diskstats'));
  return text === null ? [] : parseDiskstats(text);
}
