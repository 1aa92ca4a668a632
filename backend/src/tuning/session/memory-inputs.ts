import type { PgSetting } from '../../postgres/settings.js';
import { toBaseUnits } from '../../postgres/units.js';
import type { MemoryInputs } from '../guardrails.js';
import type { Configuration } from '../../model/configuration-space.js';

/**
 * The memory guardrail's inputs: the leader's settings with the candidate's values merged in,
 * against `memory`, the smallest host of the cluster and which one it is.
 */
export function memoryInputs(settings: readonly PgSetting[], candidate: Configuration, memory: { bytes: number; boundBy: string }): MemoryInputs {
  const byName = new Map(settings.map((s) => [s.name, s]));
  const numeric = (name: string, fallback: number): number => {
    const setting = byName.get(name);
    const value = candidate[name] ?? setting?.setting;
    if (typeof value !== 'number') return fallback;
    return value;
  };
  const bytes = (name: string, fallbackBytes: number): number => {
    const setting = byName.get(name);
    if (!setting) return fallbackBytes;
    const value = numeric(name, Number.NaN);
    if (Number.isNaN(value)) return fallbackBytes;
    if (value < 0) return value;
    return toBaseUnits(value, setting.unit)?.value ?? value;
  };
  const autovacuumWorkMem = bytes('autovacuum_work_mem', -1);
  return {
    hostMemoryBytes: memory.bytes,
    memoryBoundBy: memory.boundBy,
    sharedBuffersBytes: bytes('shared_buffers', 128 * 2 ** 20),
    workMemBytes: bytes('work_mem', 4 * 2 ** 20),
    hashMemMultiplier: numeric('hash_mem_multiplier', 2),
    maintenanceWorkMemBytes: bytes('maintenance_work_mem', 64 * 2 ** 20),
    autovacuumWorkMemBytes: autovacuumWorkMem > 0 ? autovacuumWorkMem : null,
    autovacuumMaxWorkers: numeric('autovacuum_max_workers', 3),
    maxConnections: numeric('max_connections', 100),
    maxParallelWorkers: numeric('max_parallel_workers', 8),
  };
}
