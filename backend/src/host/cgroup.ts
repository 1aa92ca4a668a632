import path from 'node:path';
import { HostParseError } from './errors.js';
import { hostPath, isDirectory, readOptionalFile } from './files.js';
import { fieldsOf, parseUnsignedInteger } from './numbers.js';

/** Limits the kernel enforces on this process's cgroup; null means unlimited or not knowable here. */
export interface CgroupLimits {
  cpuLimitCores: number | null;
  memoryLimitBytes: number | null;
}

/** Where this process sits, from /proc/self/cgroup. */
export interface CgroupMembership {
  /** cgroup v1: controller → its hierarchy (the comma-joined controller list, e.g. `cpu,cpuacct`) and path. */
  v1: ReadonlyMap<string, { hierarchy: string; path: string }>;
  /** cgroup v2: the path of the `0::` line, or null when there is none. */
  v2Path: string | null;
}

const CGROUP_ROOT = 'sys/fs/cgroup';

/**
 * cgroup v1 reports "no memory limit" as PAGE_COUNTER_MAX pages, i.e. LONG_MAX rounded down to the
 * page size (9223372036854771712 with 4 KiB pages); anything this large is no real limit.
 */
const V1_UNLIMITED_MEMORY_BYTES = 2 ** 62;

/** Lines are `hierarchy-id:controller-list:path`; the path may itself contain colons. */
export function parseProcSelfCgroup(text: string): CgroupMembership {
  const v1 = new Map<string, { hierarchy: string; path: string }>();
  let v2Path: string | null = null;
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, id, hierarchy = '', cgroupPath = ''] = match;
    if (id === '0' && hierarchy === '') v2Path = cgroupPath;
    else for (const controller of hierarchy.split(',')) v1.set(controller, { hierarchy, path: cgroupPath });
  }
  return { v1, v2Path };
}

/** cgroup v2 `cpu.max`: `$MAX $PERIOD` in µs, `max` meaning no limit (a burst field may follow). */
export function parseCpuMax(text: string): number | null {
  const [quota, period] = fieldsOf(text);
  if (quota === 'max') return null;
  return coresFrom(
    parseUnsignedInteger(quota, 'cpu.max', 'quota'),
    parseUnsignedInteger(period, 'cpu.max', 'period'),
    'cpu.max',
  );
}

/** cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`, a quota of -1 meaning no limit. */
export function parseCfsQuota(quotaText: string, periodText: string): number | null {
  const quota = quotaText.trim();
  if (quota === '-1') return null;
  return coresFrom(
    parseUnsignedInteger(quota, 'cpu.cfs_quota_us', 'quota'),
    parseUnsignedInteger(periodText.trim(), 'cpu.cfs_period_us', 'period'),
    'cpu.cfs_period_us',
  );
}

/** cgroup v2 `memory.max`: bytes, or `max` for no limit. */
export function parseMemoryMax(text: string): number | null {
  const value = text.trim();
  return value === 'max' ? null : parseUnsignedInteger(value, 'memory.max', 'limit');
}

/** cgroup v1 `memory.limit_in_bytes`: bytes, a near-LONG_MAX value meaning no limit. */
export function parseMemoryLimitInBytes(text: string): number | null {
  const bytes = parseUnsignedInteger(text.trim(), 'memory.limit_in_bytes', 'limit');
  return bytes >= V1_UNLIMITED_MEMORY_BYTES ? null : bytes;
}

function coresFrom(quotaMicros: number, periodMicros: number, file: string): number {
  if (periodMicros === 0) throw new HostParseError(file, 'period is 0');
  return quotaMicros / periodMicros;
}

/**
 * The cgroup and its ancestors, deepest first: `/a/b` → `/a/b`, `/a`, `/`. A path with `..` lies outside
 * this cgroup namespace, where only the namespace's own root is visible.
 */
export function cgroupLineage(cgroupPath: string): string[] {
  const segments = cgroupPath.split('/').filter((segment) => segment !== '');
  if (segments.includes('..')) return ['/'];
  const lineage: string[] = [];
  for (let depth = segments.length; depth >= 0; depth -= 1) lineage.push(`/${segments.slice(0, depth).join('/')}`);
  return lineage;
}

/**
 * The kernel enforces the limit of every ancestor too, so the effective limit is the tightest one along
 * the lineage. Walking up to the hierarchy root also covers containers, where /proc/self/cgroup names a
 * host path that does not exist inside and the container's own cgroup is mounted at the root.
 */
async function tightestLimit(
  hierarchyDir: string,
  cgroupPath: string,
  readLevel: (dir: string) => Promise<number | null>,
): Promise<number | null> {
  const limits = await Promise.all(cgroupLineage(cgroupPath).map((level) => readLevel(path.join(hierarchyDir, level))));
  const set = limits.filter((limit): limit is number => limit !== null);
  return set.length === 0 ? null : Math.min(...set);
}

/**
 * A v1 hierarchy is mounted under its controller list (`cpu,cpuacct`); some layouts only have (or
 * symlink) the single controller's name (`cpu`).
 */
async function findV1HierarchyDir(root: string, controller: string, hierarchy: string): Promise<string | null> {
  for (const name of new Set([hierarchy, controller])) {
    const dir = hostPath(root, CGROUP_ROOT, name);
    if (await isDirectory(dir)) return dir;
  }
  return null;
}

async function readCpuLimit(root: string, membership: CgroupMembership): Promise<number | null> {
  // A controller bound to a v1 hierarchy is not available in v2 (hybrid hosts list both kinds of line).
  const v1 = membership.v1.get('cpu');
  if (v1 !== undefined) {
    const dir = await findV1HierarchyDir(root, 'cpu', v1.hierarchy);
    if (dir === null) return null;
    return tightestLimit(dir, v1.path, async (level) => {
      const [quota, period] = await Promise.all([
        readOptionalFile(path.join(level, 'cpu.cfs_quota_us')),
        readOptionalFile(path.join(level, 'cpu.cfs_period_us')),
      ]);
      return quota === null || period === null ? null : parseCfsQuota(quota, period);
    });
  }
  if (membership.v2Path === null) return null;
  return tightestLimit(hostPath(root, CGROUP_ROOT), membership.v2Path, async (level) => {
    const text = await readOptionalFile(path.join(level, 'cpu.max'));
    return text === null ? null : parseCpuMax(text);
  });
}

async function readMemoryLimit(root: string, membership: CgroupMembership): Promise<number | null> {
  const v1 = membership.v1.get('memory');
  if (v1 !== undefined) {
    const dir = await findV1HierarchyDir(root, 'memory', v1.hierarchy);
    if (dir === null) return null;
    return tightestLimit(dir, v1.path, async (level) => {
      const text = await readOptionalFile(path.join(level, 'memory.limit_in_bytes'));
      return text === null ? null : parseMemoryLimitInBytes(text);
    });
  }
  if (membership.v2Path === null) return null;
  return tightestLimit(hostPath(root, CGROUP_ROOT), membership.v2Path, async (level) => {
    const text = await readOptionalFile(path.join(level, 'memory.max'));
    return text === null ? null : parseMemoryMax(text);
  });
}

/** CPU and memory limits of this process's cgroup (v1, v2 or hybrid); absent files mean no known limit. */
export async function readCgroupLimits(root: string): Promise<CgroupLimits> {
  const text = await readOptionalFile(hostPath(root, 'proc/self/cgroup'));
  if (text === null) return { cpuLimitCores: null, memoryLimitBytes: null };
  const membership = parseProcSelfCgroup(text);
  const [cpuLimitCores, memoryLimitBytes] = await Promise.all([
    readCpuLimit(root, membership),
    readMemoryLimit(root, membership),
  ]);
  return { cpuLimitCores, memoryLimitBytes };
}
