/**
 * The few facts about the host that shape the search ranges and PGTune's first candidate. What the
 * server may use is the tighter of the machine and its cgroup, so a container limit wins over /proc.
 */
import type { HostSnapshot } from '../../host/snapshot.js';
import type { StorageKind } from '../../host/storage.js';

/** Storage class of the data directory's device; PGTune's `hdType` ('unknown' is treated as ssd, PGTune's default). */
export type { StorageKind };

export interface HostFacts {
  /** The lower of MemTotal and the cgroup memory limit, in bytes. */
  memoryBytes: number;
  /** Whole CPUs: the lower of the online CPU count and the cgroup CPU limit (rounded down), at least 1. */
  cpus: number;
  storage: StorageKind;
}

export function hostFactsFrom(snapshot: HostSnapshot, storage: StorageKind): HostFacts {
  const memoryLimit = snapshot.cgroup.memoryLimitBytes;
  const cpuLimit = snapshot.cgroup.cpuLimitCores;
  const memoryBytes = memoryLimit === null ? snapshot.memory.totalBytes : Math.min(snapshot.memory.totalBytes, memoryLimit);
  const cores = cpuLimit === null ? snapshot.cpu.count : Math.min(snapshot.cpu.count, cpuLimit);
  // A fractional quota (1.5 cores) cannot run two workers flat out: round down, but never below one.
  return { memoryBytes, cpus: Math.max(1, Math.floor(cores)), storage };
}
