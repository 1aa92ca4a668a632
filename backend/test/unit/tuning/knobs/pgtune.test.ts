import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKnobCatalogue } from '../../../../src/tuning/knobs/catalogue.js';
import { repairConfiguration } from '../../../../src/tuning/knobs/constraints.js';
import {
  PGTUNE_LABEL,
  pgtuneFirstCandidate,
  pgtuneRecommendation,
  pgtuneValues,
} from '../../../../src/tuning/knobs/pgtune.js';
import { validateParameters } from '../../../../src/tuning/knobs/validate.js';
import { GIB, HOST_16G, settings15, settingsWith } from './fixtures.js';

describe('PGTune (mixed) formulas', () => {
  it('computes the 16 GiB / 8 CPU / SSD / 100 connections case by hand', () => {
    // RAM 16777216 kB, shared_buffers 4194304 kB, 8 CPUs ≥ 4 so max_worker_processes = 8:
    // work_mem = (16777216 − 4194304) / ((100 + 8) × 3) / 2 = 19418.07 → 19418 kB
    assert.deepEqual(pgtuneValues({ memoryBytes: 16 * GIB, cpus: 8, storage: 'ssd', maxConnections: 100 }), {
      workMemKb: 19418,
      effectiveCacheSizeKb: 12582912,
      minWalSizeKb: 1048576,
      maxWalSizeKb: 4194304,
      checkpointCompletionTarget: 0.9,
      defaultStatisticsTarget: 100,
      randomPageCost: 1.1,
      effectiveIoConcurrency: 200,
      maxParallelWorkersPerGather: 4,
      maxParallelWorkers: 8,
      jit: false,
    });
  });

  it('computes a 4 GiB / 2 CPU / HDD case: no parallel settings, 8 workers assumed', () => {
    // (4194304 − 1048576) / ((100 + 8) × 3) / 2 = 4854.4 → 4854 kB
    const values = pgtuneValues({ memoryBytes: 4 * GIB, cpus: 2, storage: 'hdd', maxConnections: null });
    assert.deepEqual(
      [values.workMemKb, values.effectiveCacheSizeKb, values.randomPageCost, values.effectiveIoConcurrency, values.maxParallelWorkers, values.maxParallelWorkersPerGather],
      [4854, 3145728, 4, 2, null, null],
    );
  });

  it('floors work_mem at 4MB and caps per-gather workers at 4', () => {
    assert.equal(pgtuneValues({ memoryBytes: 1 * GIB, cpus: 1, storage: 'ssd', maxConnections: 500 }).workMemKb, 4096);
    const big = pgtuneValues({ memoryBytes: 64 * GIB, cpus: 32, storage: 'unknown', maxConnections: 100 });
    assert.deepEqual([big.maxParallelWorkersPerGather, big.maxParallelWorkers, big.randomPageCost, big.effectiveIoConcurrency], [4, 32, 1.1, 200]);
  });
});

describe('pgtuneRecommendation and the first candidate', () => {
  const catalogue = buildKnobCatalogue(settings15(), HOST_16G);

  it("restricts PGTune's recommendation to the tunable knobs, in pg_settings units", () => {
    const recommendation = pgtuneRecommendation(catalogue);
    assert.equal(recommendation.label, PGTUNE_LABEL);
    assert.equal(recommendation.label, "PGTune's recommendation (reload-only part)");
    assert.equal(recommendation.workload, 'mixed');
    assert.deepEqual(recommendation.parameters, {
      work_mem: 19418,
      effective_cache_size: 1572864, // 12582912 kB in 8kB pages
      min_wal_size: 1024,
      max_wal_size: 4096,
      checkpoint_completion_target: 0.9,
      default_statistics_target: 100,
      random_page_cost: 1.1,
      effective_io_concurrency: 200,
      max_parallel_workers_per_gather: 4,
      max_parallel_workers: 8,
      jit: false,
      wal_compression: 'lz4',
    });
    assert.deepEqual(parameters(recommendation.parameters), {
      work_mem: '19418kB',
      effective_cache_size: '12GB',
      min_wal_size: '1GB',
      max_wal_size: '4GB',
      checkpoint_completion_target: '0.9',
      default_statistics_target: '100',
      random_page_cost: '1.1',
      effective_io_concurrency: '200',
      max_parallel_workers_per_gather: '4',
      max_parallel_workers: '8',
      jit: 'off',
      wal_compression: 'lz4',
    });
  });

  function parameters(config: Record<string, unknown>) {
    const result = validateParameters(config, catalogue);
    assert.ok(result.ok, JSON.stringify(result));
    return result.parameters;
  }

  it('computes the candidate of a 24 GiB (MemTotal 24684084 kB), 2 CPU, SSD host', () => {
    const machine = buildKnobCatalogue(settings15(), { memoryBytes: 24684084 * 1024, cpus: 2, storage: 'ssd' });
    const recommendation = pgtuneRecommendation(machine);
    // (24684084 − 6171021) / ((100 + 8) × 3) / 2 = 28569.54 → 28569 kB; 3/4 RAM = 18513063 kB → 2314132.875 → 2314133 pages
    assert.deepEqual(recommendation.parameters, {
      work_mem: 28569,
      effective_cache_size: 2314133,
      min_wal_size: 1024,
      max_wal_size: 4096,
      checkpoint_completion_target: 0.9,
      default_statistics_target: 100,
      random_page_cost: 1.1,
      effective_io_concurrency: 200,
      jit: false,
      wal_compression: 'lz4',
    });
    assert.ok(recommendation.notes.includes('fewer than 4 CPUs: PGTune leaves the parallel settings alone'));
  });

  it('fills the other knobs with the current values to make a full, valid first candidate', () => {
    const first = pgtuneFirstCandidate(catalogue);
    assert.deepEqual(first, {
      work_mem: 19418,
      random_page_cost: 1.1,
      seq_page_cost: 1,
      checkpoint_completion_target: 0.9,
      effective_io_concurrency: 200,
      max_parallel_workers: 8,
      max_parallel_workers_per_gather: 4,
      max_wal_size: 4096,
      min_wal_size: 1024,
      bgwriter_lru_maxpages: 100,
      bgwriter_delay: 200,
      effective_cache_size: 1572864,
      jit: false,
      jit_above_cost: 100000,
      parallel_setup_cost: 1000,
      parallel_tuple_cost: 0.1,
      commit_delay: 0,
      commit_siblings: 5,
      default_statistics_target: 100,
      checkpoint_timeout: 300,
      wal_compression: 'lz4',
      autovacuum_vacuum_cost_delay: 2,
      autovacuum_vacuum_cost_limit: -1,
    });
    assert.ok(validateParameters(first, catalogue).ok);
    assert.deepEqual(repairConfiguration(first, catalogue).repairs, []);
  });

  it('clamps to the search ranges, moves current values into range, and notes it', () => {
    const narrow = buildKnobCatalogue(
      settingsWith({
        max_worker_processes: { setting: '2' },
        effective_io_concurrency: { max_val: '100' },
        bgwriter_delay: { setting: '5000' },
      }),
      HOST_16G,
    );
    const recommendation = pgtuneRecommendation(narrow);
    assert.equal(recommendation.parameters.max_parallel_workers, 2);
    assert.equal(recommendation.parameters.max_parallel_workers_per_gather, 2);
    assert.equal(recommendation.parameters.effective_io_concurrency, 100);
    assert.ok(recommendation.notes.includes("max_parallel_workers: PGTune's 8 clamped to the search range: 2"));
    assert.ok(recommendation.notes.includes("effective_io_concurrency: PGTune's 200 clamped to the search range: 100"));
    const first = pgtuneFirstCandidate(narrow);
    assert.equal(first.bgwriter_delay, 1000);
    assert.ok(validateParameters(first, narrow).ok);
  });

  it('adapts to older servers: wal_compression on as a bool, no jit', () => {
    const pg11ish = buildKnobCatalogue(
      settingsWith({
        wal_compression: { vartype: 'bool', setting: 'off', boot_val: 'off', reset_val: 'off', enumvals: null },
        jit: null,
      }),
      HOST_16G,
    );
    const recommendation = pgtuneRecommendation(pg11ish);
    assert.equal(recommendation.parameters.wal_compression, true);
    assert.equal('jit' in recommendation.parameters, false);
    assert.ok(recommendation.notes.includes('jit: PGTune sets false, but it is not tunable here'));
    const noLz4 = pgtuneRecommendation(buildKnobCatalogue(settingsWith({ wal_compression: { enumvals: ['pglz', 'on', 'off'] } }), HOST_16G));
    assert.equal('wal_compression' in noLz4.parameters, false);
    assert.ok(noLz4.notes.includes("wal_compression: PGTune's lz4 is not a choice on this server"));
  });
});
