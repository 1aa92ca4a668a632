import { HostParseError } from './errors.js';
import { hostPath, readRequiredFile } from './files.js';
import { fieldsOf, parseUnsignedInteger } from './numbers.js';

/**
 * /proc/stat counts CPU time in USER_HZ ticks. The kernel fixes USER_HZ at 100 on every architecture
 * Node runs on (`getconf CLK_TCK`), and Node has no sysconf binding to ask, so it is a constant here,
 * as it is in prometheus/procfs.
 */
export const USER_HZ = 100;

/** The modes of the aggregate `cpu` line, in file order (guest time is already included in user/nice). */
export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

export type CpuMode = (typeof CPU_MODES)[number];

export interface CpuStats {
  /** Seconds spent in each mode since boot, summed over all CPUs (monotonic counters). */
  secondsByMode: Record<CpuMode, number>;
  /** Online CPUs: the `cpuN` lines (offline CPUs are not listed in /proc/stat). */
  count: number;
}

const PROC_STAT = '/proc/stat';
const PER_CPU_LABEL = /^cpu\d+$/;

export function parseProcStat(text: string): CpuStats {
  let aggregate: string[] | undefined;
  let count = 0;
  for (const line of text.split('\n')) {
    const fields = fieldsOf(line);
    const label = fields[0];
    if (label === 'cpu') aggregate = fields;
    else if (label !== undefined && PER_CPU_LABEL.test(label)) count += 1;
  }
  if (aggregate === undefined) throw new HostParseError(PROC_STAT, 'no aggregate "cpu" line');
  if (count === 0) throw new HostParseError(PROC_STAT, 'no per-CPU "cpuN" lines');

  const secondsByMode = Object.fromEntries(
    CPU_MODES.map((mode, index) => [mode, parseUnsignedInteger(aggregate[index + 1], PROC_STAT, `cpu ${mode}`) / USER_HZ]),
  ) as Record<CpuMode, number>;
  return { secondsByMode, count };
}

export async function readCpuStats(root: string): Promise<CpuStats> {
  return parseProcStat(await readRequiredFile(hostPath(root, 'proc/stat')));
}
