/** What the benchmark ran on, for the report header. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  ramBytes: number;
  kernel: string;
  node: string;
  /** A cgroup v2 CPU limit, e.g. "2 cores", or null when there is none. */
  cpuLimit: string | null;
}

export function machineFacts(): MachineFacts {
  return {
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    ramBytes: totalmem(),
    kernel: release(),
    node: process.version,
    cpuLimit: cgroupCpuLimit(),
  };
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const match = /^(?:model name|Model|Hardware|cpu model)\s*:\s*(.+)$/m.exec(info);
    if (match?.[1]) return match[1].trim();
  } catch {
    // fall through to what Node knows
  }
  return cpus()[0]?.model.trim() || 'unknown';
}

function cgroupCpuLimit(): string | null {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(' ');
    if (quota === undefined || quota === 'max' || period === undefined) return null;
    return `${(Number(quota) / Number(period)).toFixed(2)} cores (cgroup cpu.max)`;
  } catch {
    return null;
  }
}
