import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cgroupLineage,
  parseCfsQuota,
  parseCpuMax,
  parseMemoryLimitInBytes,
  parseMemoryMax,
  parseProcSelfCgroup,
  readCgroupLimits,
} from '../../../src/host/cgroup.js';
import { HostParseError } from '../../../src/host/errors.js';
import { fixtureRoot, readFixture } from './fixtures.js';

test('parseProcSelfCgroup splits a hybrid host into v1 controllers and the v2 path', async () => {
  // copied from the build machine: v1 controllers plus `0::/`
  const membership = parseProcSelfCgroup(await readFixture('machine', 'proc/self/cgroup'));
  assert.equal(membership.v2Path, '/');
  assert.deepEqual(membership.v1.get('cpu'), { hierarchy: 'cpu', path: '/' });
  assert.deepEqual(membership.v1.get('memory'), {
    hierarchy: 'memory',
    path: '/process_api/35b9eca8f8f5e7819db0e6a88269680a',
  });
});

test('parseProcSelfCgroup maps each controller of a joined hierarchy and keeps colons in paths', () => {
  const membership = parseProcSelfCgroup('4:cpu,cpuacct:/docker/a:b\n0::/x.slice\n');
  assert.deepEqual(membership.v1.get('cpu'), { hierarchy: 'cpu,cpuacct', path: '/docker/a:b' });
  assert.deepEqual(membership.v1.get('cpuacct'), { hierarchy: 'cpu,cpuacct', path: '/docker/a:b' });
  assert.equal(membership.v1.get('memory'), undefined);
  assert.equal(membership.v2Path, '/x.slice');
  assert.equal(parseProcSelfCgroup('9:memory:/a\n').v2Path, null);
});

test('parseCpuMax reads quota/period in cores, max as unlimited, and tolerates a burst field', () => {
  assert.equal(parseCpuMax('max 100000\n'), null);
  assert.equal(parseCpuMax('200000 100000\n'), 2);
  assert.equal(parseCpuMax('150000 100000 0\n'), 1.5);
  assert.throws(() => parseCpuMax('100000 0\n'), HostParseError);
  assert.throws(() => parseCpuMax('\n'), HostParseError);
});

test('parseCfsQuota reads v1 quota/period in cores, -1 as unlimited', () => {
  assert.equal(parseCfsQuota('-1\n', '100000\n'), null);
  assert.equal(parseCfsQuota('50000\n', '100000\n'), 0.5);
  assert.throws(() => parseCfsQuota('-2\n', '100000\n'), HostParseError);
});

test('memory limit parsers treat max and the v1 near-LONG_MAX sentinel as unlimited', () => {
  assert.equal(parseMemoryMax('max\n'), null);
  assert.equal(parseMemoryMax('536870912\n'), 536_870_912);
  assert.equal(parseMemoryLimitInBytes('9223372036854771712\n'), null); // 4 KiB pages
  assert.equal(parseMemoryLimitInBytes('9223372036854710272\n'), null); // 64 KiB pages
  assert.equal(parseMemoryLimitInBytes('1073741824\n'), 1_073_741_824);
  assert.throws(() => parseMemoryMax('lots\n'), HostParseError);
});

test('cgroupLineage lists the cgroup then its ancestors, and only the root for paths outside the namespace', () => {
  assert.deepEqual(cgroupLineage('/system.slice/postgresql.service'), [
    '/system.slice/postgresql.service',
    '/system.slice',
    '/',
  ]);
  assert.deepEqual(cgroupLineage('/'), ['/']);
  assert.deepEqual(cgroupLineage('/../../user.slice'), ['/']);
});

interface LimitsCase {
  fixture: string;
  what: string;
  cpuLimitCores: number | null;
  memoryLimitBytes: number | null;
}

const cases: LimitsCase[] = [
  {
    fixture: 'cgroup-v2-limited',
    what: 'v2: cpu capped on the cgroup, memory tighter on its parent than on the cgroup',
    cpuLimitCores: 1.5,
    memoryLimitBytes: 8_589_934_592,
  },
  {
    fixture: 'cgroup-v2-unlimited',
    what: 'v2: cpu.max "max 100000", memory.max "max"',
    cpuLimitCores: null,
    memoryLimitBytes: null,
  },
  {
    fixture: 'cgroup-v2-root',
    what: 'v2: root cgroup, which has no limit files',
    cpuLimitCores: null,
    memoryLimitBytes: null,
  },
  {
    fixture: 'cgroup-v1-nested',
    what: 'v1: nested cgroup under cpu,cpuacct tighter than its parent',
    cpuLimitCores: 0.5,
    memoryLimitBytes: 536_870_912,
  },
  {
    fixture: 'cgroup-v1-container',
    what: 'v1: nested path absent, limits at the hierarchy root, bare cpu mount',
    cpuLimitCores: 2.5,
    memoryLimitBytes: 2_147_483_648,
  },
  {
    fixture: 'machine',
    what: 'v1/hybrid build machine: quota -1 and LONG_MAX memory',
    cpuLimitCores: null,
    memoryLimitBytes: null,
  },
  {
    fixture: 'core-only',
    what: 'no /proc/self/cgroup at all',
    cpuLimitCores: null,
    memoryLimitBytes: null,
  },
];

for (const { fixture, what, cpuLimitCores, memoryLimitBytes } of cases) {
  test(`readCgroupLimits, ${what}`, async () => {
    assert.deepEqual(await readCgroupLimits(fixtureRoot(fixture)), { cpuLimitCores, memoryLimitBytes });
  });
}
