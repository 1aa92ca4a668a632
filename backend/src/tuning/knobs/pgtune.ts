/**
 * The hardware-aware first candidate (DESIGN §5): PGTune's rules (le0pard/pgtune, the current
 * "B" version read in tuning.md §3) restricted to the knobs this catalogue can tune, in pg_settings
 * units, clamped to the search ranges. The same values, alone, are the benchmark's
 * "PGTune's recommendation (reload-only part)".
 *
 * Workload type: **mixed**. The agent does not know the workload in advance, and mixed is PGTune's
 * general-purpose type: OLTP would assume 300 connections, twice the WAL (2GB/8GB) and twice the
 * work_mem, DW analytics. Inputs as the PGTune form takes them: total memory (the host facts, in
 * whole kB), CPUs, storage ('unknown' counts as ssd, PGTune's default), OS Linux, and the number of
 * connections — the server's real max_connections (PGTune's optional input; 100, mixed's default,
 * when unknown). PGTune's own assumptions stay: shared_buffers = RAM/4 in the work_mem formula, and
 * max_worker_processes = CPUs when it applies its parallel settings (CPUs ≥ 4), 8 otherwise.
 */
import { unitScale } from '../../postgres/units.js';
import type { Configuration, ConfigurationValue } from '../../model/configuration-space.js';
import { clampToRange, findKnob, type Knob, type KnobCatalogue } from './catalogue.js';
import { repairConfiguration } from './constraints.js';

export type PgtuneWorkload = 'mixed';
export const PGTUNE_WORKLOAD: PgtuneWorkload = 'mixed';
export const PGTUNE_LABEL = "PGTune's recommendation (reload-only part)";

/** What PGTune recommends for a host, in PGTune's own terms (memory in kB), before restriction. */
export interface PgtuneValues {
  workMemKb: number;
  effectiveCacheSizeKb: number;
  minWalSizeKb: number;
  maxWalSizeKb: number;
  checkpointCompletionTarget: number;
  defaultStatisticsTarget: number;
  randomPageCost: number;
  effectiveIoConcurrency: number;
  /** Null when PGTune leaves parallelism alone (fewer than 4 CPUs). */
  maxParallelWorkersPerGather: number | null;
  maxParallelWorkers: number | null;
  jit: false;
}

export interface PgtuneRecommendation {
  label: string;
  workload: PgtuneWorkload;
  /** Only the knobs PGTune sets and the catalogue can tune, in pg_settings units, inside the search ranges. */
  parameters: Configuration;
  /** What was clamped, left out or adapted, for people. */
  notes: string[];
}

const MB_IN_KB = 1024;

/** PGTune's formulas for the mixed type on Linux (tuning.md §3; configurationSlice.js). */
export function pgtuneValues(input: {
  memoryBytes: number;
  cpus: number;
  storage: 'ssd' | 'hdd' | 'unknown';
  maxConnections: number | null;
}): PgtuneValues {
  const totalKb = Math.floor(input.memoryBytes / 1024);
  const sharedBuffersKb = Math.floor(totalKb / 4);
  const connections = input.maxConnections ?? 100;
  const parallel = input.cpus >= 4;
  const workerProcesses = parallel ? input.cpus : 8;
  const workMemRaw = (totalKb - sharedBuffersKb) / ((connections + workerProcesses) * 3);
  const hdd = input.storage === 'hdd';
  return {
    // mixed halves work_mem; PGTune-B floors it at 4MB
    workMemKb: Math.max(4 * MB_IN_KB, Math.floor(workMemRaw / 2)),
    effectiveCacheSizeKb: Math.floor((totalKb * 3) / 4),
    minWalSizeKb: 1024 * MB_IN_KB,
    maxWalSizeKb: 4096 * MB_IN_KB,
    checkpointCompletionTarget: 0.9,
    defaultStatisticsTarget: 100,
    randomPageCost: hdd ? 4 : 1.1,
    effectiveIoConcurrency: hdd ? 2 : 200,
    maxParallelWorkersPerGather: parallel ? Math.min(4, Math.ceil(input.cpus / 2)) : null,
    maxParallelWorkers: parallel ? input.cpus : null,
    jit: false,
  };
}

/** A size in kB in a knob's unit (8kB pages → pages, MB → MB), rounded as PostgreSQL rounds "NkB". */
function kbInUnit(knob: Knob, kb: number): number | null {
  const scale = unitScale(knob.unit);
  if (scale === null || scale.baseUnit !== 'bytes') return null;
  return Math.round((kb * 1024) / scale.factor);
}

export function pgtuneRecommendation(catalogue: KnobCatalogue): PgtuneRecommendation {
  const { host, server } = catalogue;
  const values = pgtuneValues({ ...host, maxConnections: server.maxConnections });
  const parameters: Record<string, ConfigurationValue> = {};
  const notes: string[] = [
    `PGTune (${PGTUNE_WORKLOAD}, Linux, ${host.storage === 'hdd' ? 'hdd' : 'ssd'}): ${Math.floor(host.memoryBytes / 1024)} kB RAM, ${host.cpus} CPUs, ${server.maxConnections ?? 100} connections`,
  ];

  const put = (name: string, value: number | boolean | string | null, what = '') => {
    if (value === null) return;
    const knob = findKnob(catalogue, name);
    if (knob === undefined) {
      notes.push(`${name}: PGTune sets ${String(value)}${what}, but it is not tunable here`);
      return;
    }
    if (typeof value === 'number') {
      if (knob.vartype !== 'integer' && knob.vartype !== 'real') return;
      const clamped = clampToRange(knob, value);
      if (clamped !== value) notes.push(`${name}: PGTune's ${value} clamped to the search range: ${clamped}`);
      parameters[name] = clamped;
    } else if (knob.vartype === 'bool' && typeof value === 'boolean') {
      parameters[name] = value;
    } else if (knob.vartype === 'enum' && typeof value === 'string' && knob.choices.includes(value)) {
      parameters[name] = value;
    } else {
      notes.push(`${name}: PGTune's ${String(value)} is not a choice on this server`);
    }
  };
  const putKb = (name: string, kb: number) => {
    const knob = findKnob(catalogue, name);
    put(name, knob === undefined ? kb : kbInUnit(knob, kb), knob === undefined ? ' kB' : '');
  };

  putKb('work_mem', values.workMemKb);
  putKb('effective_cache_size', values.effectiveCacheSizeKb);
  putKb('min_wal_size', values.minWalSizeKb);
  putKb('max_wal_size', values.maxWalSizeKb);
  put('checkpoint_completion_target', values.checkpointCompletionTarget);
  put('default_statistics_target', values.defaultStatisticsTarget);
  put('random_page_cost', values.randomPageCost);
  put('effective_io_concurrency', values.effectiveIoConcurrency);
  put('max_parallel_workers_per_gather', values.maxParallelWorkersPerGather);
  put('max_parallel_workers', values.maxParallelWorkers);
  if (values.maxParallelWorkers === null) notes.push('fewer than 4 CPUs: PGTune leaves the parallel settings alone');
  put('jit', values.jit);

  // PGTune-B: lz4 on PG ≥ 15 (an enum there), "on" (pglz) on PG 10–14 (a bool there).
  const walCompression = findKnob(catalogue, 'wal_compression');
  if (walCompression?.vartype === 'bool') put('wal_compression', true);
  else if (walCompression?.vartype === 'enum') put('wal_compression', 'lz4');
  else notes.push('wal_compression: PGTune sets lz4 (PG ≥ 15) or on, but it is not tunable here');

  notes.push(
    'not applied (restart-only or outside the search space): shared_buffers, maintenance_work_mem, wal_buffers, huge_pages, max_worker_processes, max_parallel_maintenance_workers, autovacuum_max_workers, autovacuum_work_mem',
  );
  return { label: PGTUNE_LABEL, workload: PGTUNE_WORKLOAD, parameters, notes };
}

/**
 * The first candidate for the optimizer: PGTune's recommendation for the knobs it sets, the server's
 * current value (moved into the search range, specials kept) for the others, then repaired.
 */
export function pgtuneFirstCandidate(catalogue: KnobCatalogue): Configuration {
  const recommendation = pgtuneRecommendation(catalogue).parameters;
  const config: Record<string, ConfigurationValue> = {};
  for (const knob of catalogue.tunable) {
    const recommended = recommendation[knob.name];
    if (recommended !== undefined) config[knob.name] = recommended;
    else if (knob.vartype === 'integer' || knob.vartype === 'real') config[knob.name] = clampToRange(knob, knob.current);
    else if (knob.vartype === 'enum' && !knob.choices.includes(knob.current)) config[knob.name] = knob.choices[0] ?? knob.current;
    else config[knob.name] = knob.current;
  }
  return repairConfiguration(config, catalogue).config;
}
