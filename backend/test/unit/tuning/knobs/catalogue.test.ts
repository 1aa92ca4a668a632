import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostSnapshot } from '../../../../src/host/snapshot.js';
import {
  buildKnobCatalogue,
  clampToRange,
  currentConfiguration,
  findKnob,
  type Knob,
  type KnobCatalogue,
  type NumericKnob,
  toSearchSpace,
} from '../../../../src/tuning/knobs/catalogue.js';
import { type HostFacts, hostFactsFrom, type StorageKind } from '../../../../src/tuning/knobs/host-facts.js';
import { SEARCH_SPACE_KNOBS } from '../../../../src/model/searched-knobs.js';
import { GIB, HOST_16G, HOST_2G, HOST_64G, MIB, settings15, settingsWith } from './fixtures.js';

function numeric(catalogue: KnobCatalogue, name: string): NumericKnob {
  const knob = findKnob(catalogue, name);
  assert.ok(knob && (knob.vartype === 'integer' || knob.vartype === 'real'), `${name} is not a numeric tunable knob`);
  return knob;
}

/** [low, high, log, specials] of a numeric knob. */
function range(catalogue: KnobCatalogue, name: string): [number, number, boolean, readonly number[]] {
  const knob = numeric(catalogue, name);
  return [knob.low, knob.high, knob.log, knob.specials];
}

function snapshot(memoryBytes: number, cpus: number, cgroup: HostSnapshot['cgroup']): HostSnapshot {
  return {
    cpu: {
      count: cpus,
      secondsByMode: { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 },
    },
    memory: { totalBytes: memoryBytes, availableBytes: memoryBytes, swapTotalBytes: 0, swapFreeBytes: 0 },
    disks: [],
    load: { load1: 0, load5: 0, load15: 0 },
    cgroup,
  };
}

describe('hostFactsFrom', () => {
  it('takes the machine when there is no cgroup limit', () => {
    assert.deepEqual(hostFactsFrom(snapshot(24 * GIB, 2, { cpuLimitCores: null, memoryLimitBytes: null }), 'ssd'), {
      memoryBytes: 24 * GIB,
      cpus: 2,
      storage: 'ssd',
    });
  });

  it('takes the tighter of machine and cgroup, whole CPUs rounded down, at least 1', () => {
    assert.deepEqual(hostFactsFrom(snapshot(64 * GIB, 16, { cpuLimitCores: 2.5, memoryLimitBytes: 4 * GIB }), 'hdd'), {
      memoryBytes: 4 * GIB,
      cpus: 2,
      storage: 'hdd',
    });
    assert.deepEqual(hostFactsFrom(snapshot(8 * GIB, 4, { cpuLimitCores: 0.5, memoryLimitBytes: 16 * GIB }), 'unknown'), {
      memoryBytes: 8 * GIB,
      cpus: 1,
      storage: 'unknown',
    });
    assert.equal(hostFactsFrom(snapshot(8 * GIB, 4, { cpuLimitCores: 32, memoryLimitBytes: null }), 'ssd').cpus, 4);
  });
});

describe('knob catalogue on PostgreSQL 15', () => {
  const settings = settings15();
  const catalogue = buildKnobCatalogue(settings, HOST_16G);

  it('offers exactly the search space of DESIGN §5, in its order', () => {
    assert.deepEqual(
      catalogue.tunable.map((knob) => knob.name),
      [...SEARCH_SPACE_KNOBS],
    );
  });

  it('never offers a knob whose context needs a restart or a new session', () => {
    for (const knob of catalogue.tunable) assert.ok(['user', 'superuser', 'sighup'].includes(knob.context), `${knob.name}: ${knob.context}`);
    for (const name of ['shared_buffers', 'max_connections', 'wal_buffers', 'max_worker_processes', 'huge_pages']) {
      assert.equal(findKnob(catalogue, name), undefined, name);
    }
  });

  it('carries pg_settings facts of each knob', () => {
    const workMem = numeric(catalogue, 'work_mem');
    assert.deepEqual(
      {
        vartype: workMem.vartype,
        unit: workMem.unit,
        context: workMem.context,
        current: workMem.current,
        boot: workMem.boot,
        source: workMem.source,
        pgMin: workMem.pgMin,
        pgMax: workMem.pgMax,
      },
      { vartype: 'integer', unit: 'kB', context: 'user', current: 4096, boot: 4096, source: 'default', pgMin: 64, pgMax: 2147483647 },
    );
    const commitDelay = numeric(catalogue, 'commit_delay');
    assert.equal(commitDelay.context, 'superuser');
    const maxWal = numeric(catalogue, 'max_wal_size');
    assert.deepEqual([maxWal.unit, maxWal.context, maxWal.current, maxWal.source], ['MB', 'sighup', 1024, 'configuration file']);
    assert.ok(catalogue.tunable.every((knob) => knob.description.length > 10));
  });

  it('records the server facts the ranges depend on', () => {
    assert.deepEqual(catalogue.server, {
      serverVersionNum: 150018,
      maxConnections: 100,
      maxWorkerProcesses: 8,
      sharedBuffersBytes: 128 * MIB,
      hashMemMultiplier: 2,
      walSegmentBytes: 16 * MIB,
    });
  });

  it('chooses the ranges of a 16 GiB, 8 CPU, SSD host (pg_settings units)', () => {
    // work_mem ceiling: min(RAM/64 = 256MB, (0.9·16GiB − 128MiB) / ((100 + 8) × 2 nodes × hash_mem 2)) = 35480705.9 B → 34649 kB
    assert.deepEqual(range(catalogue, 'work_mem'), [1024, 34649, true, []]);
    // 25 % and 90 % of 16 GiB in 8kB pages
    assert.deepEqual(range(catalogue, 'effective_cache_size'), [524288, 1887436, true, []]);
    assert.deepEqual(range(catalogue, 'random_page_cost'), [1, 4, true, []]);
    assert.deepEqual(range(catalogue, 'seq_page_cost'), [0.5, 2, true, []]);
    assert.deepEqual(range(catalogue, 'checkpoint_completion_target'), [0.5, 0.95, false, []]);
    assert.deepEqual(range(catalogue, 'effective_io_concurrency'), [1, 1000, true, [0]]);
    assert.deepEqual(range(catalogue, 'max_parallel_workers'), [1, 8, false, [0]]);
    assert.deepEqual(range(catalogue, 'max_parallel_workers_per_gather'), [1, 8, false, [0]]);
    assert.deepEqual(range(catalogue, 'max_wal_size'), [256, 16384, true, []]);
    assert.deepEqual(range(catalogue, 'min_wal_size'), [32, 2048, true, []]);
    assert.deepEqual(range(catalogue, 'bgwriter_lru_maxpages'), [10, 1000, true, [0]]);
    assert.deepEqual(range(catalogue, 'bgwriter_delay'), [10, 1000, true, []]);
    assert.deepEqual(range(catalogue, 'jit_above_cost'), [1e4, 1e7, true, [-1]]);
    assert.deepEqual(range(catalogue, 'parallel_setup_cost'), [10, 10000, true, []]);
    assert.deepEqual(range(catalogue, 'parallel_tuple_cost'), [0.001, 1, true, []]);
    assert.deepEqual(range(catalogue, 'commit_delay'), [1, 10000, true, [0]]);
    assert.deepEqual(range(catalogue, 'commit_siblings'), [1, 50, true, []]);
    assert.deepEqual(range(catalogue, 'default_statistics_target'), [10, 1000, true, []]);
    assert.deepEqual(range(catalogue, 'checkpoint_timeout'), [30, 3600, true, []]);
    assert.deepEqual(range(catalogue, 'autovacuum_vacuum_cost_delay'), [0, 20, false, [-1]]);
    assert.deepEqual(range(catalogue, 'autovacuum_vacuum_cost_limit'), [100, 10000, true, [-1]]);
    const jit = findKnob(catalogue, 'jit');
    assert.ok(jit?.vartype === 'bool');
    assert.deepEqual([jit.choices, jit.current], [[false, true], true]);
    const walCompression = findKnob(catalogue, 'wal_compression');
    assert.ok(walCompression?.vartype === 'enum');
    assert.deepEqual(walCompression.enumvals, ['pglz', 'lz4', 'zstd', 'on', 'off']);
    assert.deepEqual(walCompression.choices, ['pglz', 'lz4', 'zstd', 'off']); // 'on' is pglz under another name
  });

  it('scales memory and CPU ranges with the host: 2 GiB / 1 CPU against 64 GiB / 16 CPUs', () => {
    const small = buildKnobCatalogue(settings, HOST_2G);
    const large = buildKnobCatalogue(settings, HOST_64G);
    // 2 GiB: the guardrail budget (3.97 MB) and RAM/64 (32MB) fall to the 16MB floor
    assert.deepEqual(range(small, 'work_mem'), [1024, 16384, true, []]);
    // 64 GiB: (0.9·64GiB − 128MiB) / 432 = 142854887.3 B → 139506 kB; RAM/64 = 1GB is looser
    assert.deepEqual(range(large, 'work_mem'), [1024, 139506, true, []]);
    assert.deepEqual(range(small, 'effective_cache_size'), [65536, 235929, true, []]);
    assert.deepEqual(range(large, 'effective_cache_size'), [2097152, 7549747, true, []]);
    assert.deepEqual(range(small, 'max_parallel_workers_per_gather'), [1, 1, false, [0]]);
    assert.deepEqual(range(large, 'max_parallel_workers_per_gather'), [1, 8, false, [0]]); // max_worker_processes 8
    assert.deepEqual(range(large, 'max_parallel_workers'), [1, 8, false, [0]]);
  });

  it('uses RAM/64 within 16MB..2GB for work_mem when max_connections is unknown', () => {
    const noConnections = settingsWith({ max_connections: null });
    assert.deepEqual(range(buildKnobCatalogue(noConnections, HOST_64G), 'work_mem'), [1024, 1048576, true, []]);
    assert.deepEqual(range(buildKnobCatalogue(noConnections, { ...HOST_64G, memoryBytes: 256 * GIB }), 'work_mem'), [1024, 2097152, true, []]);
    assert.deepEqual(range(buildKnobCatalogue(noConnections, { ...HOST_64G, memoryBytes: 512 * MIB }), 'work_mem'), [1024, 16384, true, []]);
  });

  it('narrows the I/O knobs on HDDs', () => {
    const hdd = buildKnobCatalogue(settings, { ...HOST_16G, storage: 'hdd' });
    const unknown = buildKnobCatalogue(settings, { ...HOST_16G, storage: 'unknown' });
    assert.deepEqual(range(hdd, 'random_page_cost'), [1, 8, true, []]);
    assert.deepEqual(range(unknown, 'random_page_cost'), [1, 8, true, []]);
    assert.deepEqual(range(hdd, 'effective_io_concurrency'), [1, 64, true, [0]]);
    assert.deepEqual(range(unknown, 'effective_io_concurrency'), [1, 1000, true, [0]]);
  });

  it('keeps every range inside pg_settings min/max, on every kind of host', () => {
    const storages: StorageKind[] = ['ssd', 'hdd', 'unknown'];
    for (const memoryBytes of [128 * MIB, 1 * GIB, 7.5 * GIB, 24 * GIB, 512 * GIB, 32 * 1024 * GIB]) {
      for (const cpus of [1, 3, 64]) {
        for (const storage of storages) {
          const host: HostFacts = { memoryBytes, cpus, storage };
          const built = buildKnobCatalogue(settings, host);
          assert.equal(built.tunable.length, SEARCH_SPACE_KNOBS.length, JSON.stringify(host));
          for (const knob of built.tunable) {
            if (knob.vartype !== 'integer' && knob.vartype !== 'real') continue;
            const where = `${knob.name} on ${JSON.stringify(host)}`;
            assert.ok(knob.pgMin <= knob.low && knob.low <= knob.high && knob.high <= knob.pgMax, where);
            if (knob.log) assert.ok(knob.low > 0, where);
            if (knob.vartype === 'integer') assert.ok(Number.isInteger(knob.low) && Number.isInteger(knob.high), where);
            for (const special of knob.specials) assert.ok(knob.pgMin <= special && special <= knob.pgMax, where);
          }
        }
      }
    }
    // 90 % of 32 TiB is more 8kB pages than PostgreSQL allows: clamped to max_val
    const huge = buildKnobCatalogue(settings, { memoryBytes: 32 * 1024 * GIB, cpus: 1, storage: 'ssd' });
    assert.deepEqual(range(huge, 'effective_cache_size'), [1073741824, 2147483647, true, []]);
  });

  it('clamps to a narrower pg_settings range and drops specials PostgreSQL does not accept', () => {
    const narrowed = settingsWith({
      work_mem: { max_val: '8192' },
      effective_io_concurrency: { min_val: '1' },
      random_page_cost: { min_val: '1.5' },
    });
    const built = buildKnobCatalogue(narrowed, HOST_16G);
    assert.deepEqual(range(built, 'work_mem'), [1024, 8192, true, []]);
    assert.deepEqual(range(built, 'effective_io_concurrency'), [1, 1000, true, []]);
    assert.deepEqual(range(built, 'random_page_cost'), [1.5, 4, true, []]);
  });

  it('marks a knob with an empty range or an unexpected type or unit not_available', () => {
    const odd = settingsWith({
      // no posix_fadvise: PostgreSQL's max is 0
      effective_io_concurrency: { max_val: '0', setting: '0', boot_val: '0', reset_val: '0' },
      commit_siblings: { vartype: 'real' }, // a real is fine for a numeric knob
      bgwriter_delay: { unit: null },
      jit: { vartype: 'integer', setting: '1', min_val: '0', max_val: '1', boot_val: '1', reset_val: '1' },
    });
    const built = buildKnobCatalogue(odd, HOST_16G);
    const entry = (name: string) => built.excluded.find((e) => e.name === name);
    assert.deepEqual(entry('effective_io_concurrency'), {
      name: 'effective_io_concurrency',
      reason: 'not_available',
      detail: 'search range empty inside pg_settings 0..0',
    });
    assert.deepEqual(entry('bgwriter_delay'), {
      name: 'bgwriter_delay',
      reason: 'not_available',
      detail: 'expected a unit of seconds, pg_settings has unit none',
    });
    assert.deepEqual(entry('jit'), { name: 'jit', reason: 'not_available', detail: 'expected a bool, pg_settings has vartype integer' });
    assert.equal(numeric(built, 'commit_siblings').vartype, 'real');
  });

  it('follows the server: 16kB blocks, 64MB WAL segments, a knob set on the command line, one in postmaster context', () => {
    const variant = settingsWith({
      effective_cache_size: { unit: '16kB', setting: '262144' },
      wal_segment_size: { setting: String(64 * MIB) },
      checkpoint_timeout: { source: 'command line' },
      commit_siblings: { context: 'postmaster' },
    });
    const built = buildKnobCatalogue(variant, HOST_16G);
    // half as many 16kB pages as 8kB pages: 25 % = 262144, 90 % = 943718.4 → 943718
    assert.deepEqual(range(built, 'effective_cache_size'), [262144, 943718, true, []]);
    assert.deepEqual(range(built, 'min_wal_size'), [128, 2048, true, []]); // 2 × 64MB segments
    const reason = (name: string) => built.excluded.find((e) => e.name === name)?.reason;
    assert.equal(reason('checkpoint_timeout'), 'overridden');
    assert.equal(reason('commit_siblings'), 'restart_required');
  });

  it('offers wal_compression as on/off where it is a bool (PostgreSQL ≤ 14)', () => {
    const pg14 = settingsWith({
      wal_compression: { vartype: 'bool', setting: 'off', boot_val: 'off', reset_val: 'off', enumvals: null },
    });
    const knob = findKnob(buildKnobCatalogue(pg14, HOST_16G), 'wal_compression');
    assert.ok(knob?.vartype === 'bool');
    assert.deepEqual([knob.choices, knob.current, knob.boot], [[false, true], false, false]);
  });

  it('takes the enum choices from the build: a server without lz4/zstd', () => {
    const noLz4 = settingsWith({ wal_compression: { enumvals: ['pglz', 'on', 'off'] } });
    const knob = findKnob(buildKnobCatalogue(noLz4, HOST_16G), 'wal_compression');
    assert.ok(knob?.vartype === 'enum');
    assert.deepEqual(knob.choices, ['pglz', 'off']);
  });
});

describe('toSearchSpace and currentConfiguration', () => {
  const catalogue = buildKnobCatalogue(settings15(), HOST_16G);
  const space = toSearchSpace(catalogue);

  it('gives one dimension per tunable knob, in pg_settings units', () => {
    assert.deepEqual(
      space.map((dimension) => dimension.name),
      catalogue.tunable.map((knob: Knob) => knob.name),
    );
    const byName = new Map(space.map((dimension) => [dimension.name, dimension]));
    assert.deepEqual(byName.get('work_mem'), { name: 'work_mem', type: 'int', low: 1024, high: 34649, log: true, specials: [] });
    assert.deepEqual(byName.get('random_page_cost'), { name: 'random_page_cost', type: 'float', low: 1, high: 4, log: true, specials: [] });
    assert.deepEqual(byName.get('autovacuum_vacuum_cost_delay'), {
      name: 'autovacuum_vacuum_cost_delay',
      type: 'float',
      low: 0,
      high: 20,
      log: false,
      specials: [-1],
    });
    assert.deepEqual(byName.get('jit'), { name: 'jit', type: 'categorical', choices: [false, true] });
    assert.deepEqual(byName.get('wal_compression'), { name: 'wal_compression', type: 'categorical', choices: ['pglz', 'lz4', 'zstd', 'off'] });
  });

  it('reads the baseline from pg_settings', () => {
    const current = currentConfiguration(catalogue);
    assert.equal(Object.keys(current).length, SEARCH_SPACE_KNOBS.length);
    assert.deepEqual(
      {
        work_mem: current.work_mem,
        effective_cache_size: current.effective_cache_size,
        min_wal_size: current.min_wal_size,
        jit: current.jit,
        wal_compression: current.wal_compression,
        autovacuum_vacuum_cost_limit: current.autovacuum_vacuum_cost_limit,
        checkpoint_completion_target: current.checkpoint_completion_target,
      },
      {
        work_mem: 4096,
        effective_cache_size: 524288,
        min_wal_size: 80,
        jit: true,
        wal_compression: 'off',
        autovacuum_vacuum_cost_limit: -1,
        checkpoint_completion_target: 0.9,
      },
    );
  });

  it('clamps a value into a knob range, keeping specials and rounding integers', () => {
    const workMem = numeric(catalogue, 'work_mem');
    assert.equal(clampToRange(workMem, 100), 1024);
    assert.equal(clampToRange(workMem, 1e9), 34649);
    assert.equal(clampToRange(workMem, 2048.4), 2048);
    const io = numeric(catalogue, 'effective_io_concurrency');
    assert.equal(clampToRange(io, 0), 0);
    const limit = numeric(catalogue, 'autovacuum_vacuum_cost_limit');
    assert.equal(clampToRange(limit, -1), -1);
    assert.equal(clampToRange(limit, -5), 100);
  });
});
