/**
 * CPU time and resident memory of one process, read from /proc (Linux only). CPU time is in clock
 * ticks (USER_HZ, normally 100 per second); the share of one core is Δ(utime+stime) ÷ USER_HZ ÷ Δwall.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

/** USER_HZ as `getconf CLK_TCK` says, else the Linux default of 100. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of `pid` in clock ticks (all threads of the process; children not included). */
export function readCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (field 15) fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot parse /proc/${pid}/stat`);
  return utime + stime;
}

/** VmRSS of `pid` in bytes. */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Direct children of `pid` (from every thread's children list). */
export function childPids(pid: number): number[] {
  const children = new Set<number>();
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of list ? list.split(' ') : []) children.add(Number(child));
    }
  } catch {
    // The process or a thread went away while listing; what was read is enough.
  }
  return [...children];
}

export interface CpuWindow {
  cpuSeconds: number;
  wallSeconds: number;
  /** CPU seconds per wall second: 1 = one core fully busy. */
  shareOfOneCore: number;
}

/** Starts a CPU-time window for `pid`; call the returned function to close it. */
export function cpuWindow(pid: number): () => CpuWindow {
  const ticks0 = readCpuTicks(pid);
  const wall0 = process.hrtime.bigint();
  return () => {
    const ticks1 = readCpuTicks(pid);
    const wallSeconds = Number(process.hrtime.bigint() - wall0) / 1e9;
    const cpuSeconds = (ticks1 - ticks0) / clockTicksPerSecond();
    return { cpuSeconds, wallSeconds, shareOfOneCore: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0 };
  };
}

/** The kernel's short name of `pid` (/proc/<pid>/comm), or "?" when it is gone. */
export function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
