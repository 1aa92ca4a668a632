import { readCgroupLimits, type CgroupLimits } from './cgroup.js';
import { readCpuStats, type CpuStats } from './cpu.js';
import { readDiskStats, type DiskStats } from './disks.js';
import { readLoadAverages, type LoadAverages } from './load.js';
import { readMemoryStats, type MemoryStats } from './memory.js';

/** One observation of the host, read from /proc and /sys. */
export interface HostSnapshot {
  cpu: CpuStats;
  memory: MemoryStats;
  /** Whole devices only (partitions, loop and ram devices excluded); empty without /proc/diskstats. */
  disks: DiskStats[];
  load: LoadAverages;
  cgroup: CgroupLimits;
}

/**
 * Reads a snapshot of the host whose filesystem is mounted at `root`. Rejects with HostReadError when
 * /proc/stat, /proc/meminfo or /proc/loadavg cannot be read and HostParseError when a file is malformed.
 */
export async function readHostSnapshot(root = '/'): Promise<HostSnapshot> {
  const [cpu, memory, disks, load, cgroup] = await Promise.all([
    readCpuStats(root),
    readMemoryStats(root),
    readDiskStats(root),
    readLoadAverages(root),
    readCgroupLimits(root),
  ]);
  return { cpu, memory, disks, load, cgroup };
}
