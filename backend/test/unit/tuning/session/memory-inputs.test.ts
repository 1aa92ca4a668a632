/** memoryInputs: the leader's pg_settings with the candidate merged in, in bytes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettingRow } from '../../../../src/postgres/settings.js';
import { memoryInputs } from '../../../../src/tuning/session/memory-inputs.js';
import { fixtureRows, fixtureSettings, GIB, MIB } from './fakes.js';

describe('memoryInputs', () => {
  it('reads the recorded PostgreSQL 15 settings in bytes (work_mem in kB, shared_buffers in 8kB pages)', () => {
    assert.deepEqual(memoryInputs(fixtureSettings(), {}, { bytes: 4 * GIB, boundBy: 'member node3' }), {
      hostMemoryBytes: 4 * GIB,
      memoryBoundBy: 'member node3',
      sharedBuffersBytes: 128 * MIB,
      workMemBytes: 4 * MIB,
      hashMemMultiplier: 2,
      maintenanceWorkMemBytes: 64 * MIB,
      autovacuumWorkMemBytes: null, // -1: maintenance_work_mem applies
      autovacuumMaxWorkers: 3,
      maxConnections: 100,
      maxParallelWorkers: 8,
    });
  });

  it("the candidate's values win over the server's", () => {
    const inputs = memoryInputs(fixtureSettings(), { work_mem: 16384, max_parallel_workers: 4, random_page_cost: 1.1 }, { bytes: 16 * GIB, boundBy: 'member node1' });
    assert.equal(inputs.workMemBytes, 16 * MIB);
    assert.equal(inputs.maxParallelWorkers, 4);
    assert.equal(inputs.sharedBuffersBytes, 128 * MIB);
  });

  it('a positive autovacuum_work_mem is used', () => {
    const settings = fixtureRows().map((row) => parseSettingRow(row.name === 'autovacuum_work_mem' ? { ...row, setting: '32768' } : row));
    assert.equal(memoryInputs(settings, {}, { bytes: GIB, boundBy: 'member node1' }).autovacuumWorkMemBytes, 32 * MIB);
  });

  it('falls back to PostgreSQL defaults for settings it cannot see', () => {
    assert.deepEqual(memoryInputs([], {}, { bytes: GIB, boundBy: 'member node1' }), {
      hostMemoryBytes: GIB,
      memoryBoundBy: 'member node1',
      sharedBuffersBytes: 128 * MIB,
      workMemBytes: 4 * MIB,
      hashMemMultiplier: 2,
      maintenanceWorkMemBytes: 64 * MIB,
      autovacuumWorkMemBytes: null,
      autovacuumMaxWorkers: 3,
      maxConnections: 100,
      maxParallelWorkers: 8,
    });
  });
});
