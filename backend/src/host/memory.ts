import { HostParseError } from './errors.js';
import { hostPath, readRequiredFile } from './files.js';

export interface MemoryStats {
  totalBytes: number;
  /** The kernel's estimate of memory available to new work without swapping (MemAvailable, Linux ≥ 3.14). */
  availableBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

const PROC_MEMINFO = '/proc/meminfo';

/** `MemTotal:       24684084 kB`; the kernel's "kB" is KiB. Lines without a unit (HugePages_*) are not sizes. */
const KIB_LINE = /^(\S+):\s+(\d+) kB$/;

export function parseMeminfo(text: string): MemoryStats {
  const kibByKey = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = KIB_LINE.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) kibByKey.set(match[1], Number(match[2]));
  }
  const bytes = (key: string): number => {
    const kib = kibByKey.get(key);
    if (kib === undefined) throw new HostParseError(PROC_MEMINFO, `no "${key}: <n> kB" line`);
    return kib * 1024;
  };
  return {
    totalBytes: bytes('MemTotal'),
    availableBytes: bytes('MemAvailable'),
    swapTotalBytes: bytes('SwapTotal'),
    swapFreeBytes: bytes('SwapFree'),
  };
}

export async function readMemoryStats(root: string): Promise<MemoryStats> {
  return parseMeminfo(await readRequiredFile(hostPath(root, 'proc/meminfo')));
}
