/** memoryBound, checkMemory and checkRegression (tuning/guardrails.ts) with exact numbers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMemory, checkRegression, DEFAULT_GUARDRAILS, memoryBound, type MemoryInputs } from '../../../../src/tuning/guardrails.js';
import { GIB, MIB } from './fakes.js';

/** The recorded PostgreSQL 15 defaults on a 16 GiB host. */
const INPUTS: MemoryInputs = {
  hostMemoryBytes: 16 * GIB,
  memoryBoundBy: null,
  sharedBuffersBytes: 128 * MIB,
  workMemBytes: 4 * MIB,
  hashMemMultiplier: 2,
  maintenanceWorkMemBytes: 64 * MIB,
  autovacuumWorkMemBytes: null,
  autovacuumMaxWorkers: 3,
  maxConnections: 100,
  maxParallelWorkers: 8,
};

describe('memoryBound', () => {
  it('work_mem × hash_mem_multiplier × nodes × (connections + parallel workers) + autovacuum + shared_buffers', () => {
    // 4 MiB × 2 × 2 × 108 = 1728 MiB; 3 × 64 MiB = 192 MiB; + 128 MiB = 2048 MiB.
    assert.equal(memoryBound(INPUTS, DEFAULT_GUARDRAILS), 2 * GIB);
    assert.equal(memoryBound(INPUTS, { ...DEFAULT_GUARDRAILS, nodesPerConnection: 1 }), (864 + 192 + 128) * MIB);
  });

  it('autovacuum_work_mem replaces maintenance_work_mem per worker when set', () => {
    assert.equal(memoryBound({ ...INPUTS, autovacuumWorkMemBytes: 32 * MIB }, DEFAULT_GUARDRAILS), (1728 + 96 + 128) * MIB);
    assert.equal(memoryBound({ ...INPUTS, autovacuumWorkMemBytes: 0 }, DEFAULT_GUARDRAILS), 2 * GIB);
  });

  it('a hash_mem_multiplier below 1 counts as 1', () => {
    assert.equal(memoryBound({ ...INPUTS, hashMemMultiplier: 0.5 }, DEFAULT_GUARDRAILS), (864 + 192 + 128) * MIB);
  });
});

describe('checkMemory', () => {
  it('passes up to the threshold, inclusive', () => {
    const settings = { ...DEFAULT_GUARDRAILS, memoryThreshold: 0.5 };
    assert.deepEqual(checkMemory({ ...INPUTS, hostMemoryBytes: 4 * GIB }, settings), {
      guardrail: 'memory',
      ok: true,
      detail: 'worst-case memory 2.00 GiB vs 50 % of 4.00 GiB = 2.00 GiB',
    });
    assert.equal(checkMemory({ ...INPUTS, hostMemoryBytes: 4 * GIB - 2 }, settings).ok, false);
  });

  it('names whose memory bound the check', () => {
    assert.deepEqual(checkMemory({ ...INPUTS, hostMemoryBytes: 2 * GIB, memoryBoundBy: 'member node3' }, DEFAULT_GUARDRAILS), {
      guardrail: 'memory',
      ok: false,
      detail: 'worst-case memory 2.00 GiB vs 90 % of 2.00 GiB (member node3, the smallest) = 1.80 GiB',
    });
  });

  it('rejects a candidate whose bound exceeds 90 % of the host', () => {
    assert.deepEqual(checkMemory({ ...INPUTS, hostMemoryBytes: 2 * GIB }, DEFAULT_GUARDRAILS), {
      guardrail: 'memory',
      ok: false,
      detail: 'worst-case memory 2.00 GiB vs 90 % of 2.00 GiB = 1.80 GiB',
    });
    assert.deepEqual(checkMemory({ ...INPUTS, workMemBytes: 64 * MIB }, DEFAULT_GUARDRAILS), {
      guardrail: 'memory',
      ok: false,
      // 64 MiB × 2 × 2 × 108 = 27 GiB, + 320 MiB
      detail: 'worst-case memory 27.31 GiB vs 90 % of 16.00 GiB = 14.40 GiB',
    });
  });
});

describe('checkRegression', () => {
  it('a score at the threshold times the baseline is a regression; just under is not', () => {
    assert.deepEqual(checkRegression(25, 12.5, DEFAULT_GUARDRAILS), {
      guardrail: 'regression',
      ok: false,
      detail: "score 25.00 is 2.00× the baseline's 12.50 (limit 2×)",
    });
    assert.deepEqual(checkRegression(24.99, 12.5, DEFAULT_GUARDRAILS), {
      guardrail: 'regression',
      ok: true,
      detail: "score 24.99 is 2.00× the baseline's 12.50 (limit 2×)",
    });
  });

  it('improvements pass, and the threshold is configurable', () => {
    assert.deepEqual(checkRegression(6, 12.5, DEFAULT_GUARDRAILS), {
      guardrail: 'regression',
      ok: true,
      detail: "score 6.000 is 0.48× the baseline's 12.50 (limit 2×)",
    });
    assert.equal(checkRegression(16, 12.5, { ...DEFAULT_GUARDRAILS, regressionThreshold: 1.25 }).ok, false);
    assert.equal(checkRegression(15, 12.5, { ...DEFAULT_GUARDRAILS, regressionThreshold: 1.25 }).ok, true);
  });
});
