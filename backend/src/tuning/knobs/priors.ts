/**
 * Search priors from the workload's own signals: where the counters say a knob is holding the
 * workload back, a second first candidate (after PGTune's) moves that knob there, so the search
 * starts near the corner an expert would try instead of finding it by luck. Each prior names the
 * signal behind it; the optimizer still measures the candidate like any other.
 *
 *  - a cached data set (≥ 99 % of block accesses hit shared_buffers): random reads cost about what
 *    sequential ones do → random_page_cost ≈ seq_page_cost, effective_cache_size at its top;
 *  - sorts and hashes spilling to temporary files → work_mem at twice the mean temporary file;
 *  - most checkpoints requested rather than timed (max_wal_size reached) → max_wal_size × 4;
 *  - JIT compilation taking a noticeable share of statement time (pg_stat_statements) → jit off;
 *  - backends writing a large share of the buffers themselves (the background writer falls behind)
 *    → bgwriter_lru_maxpages × 4 and bgwriter_delay halved.
 */
import { cachedHitShare } from '../../host/storage-inference.js';
import { unitScale } from '../../postgres/units.js';
import type { Configuration, ConfigurationValue } from '../../model/configuration-space.js';
import { clampToRange, findKnob, type KnobCatalogue, type NumericKnob } from './catalogue.js';

/** Cumulative counters of the workload's databases and the server, since the statistics were reset. */
export interface WorkloadSignals {
  blocksHit: number;
  blocksRead: number;
  tempFiles: number;
  tempBytes: number;
  checkpointsTimed: number;
  checkpointsRequested: number;
  /** JIT compilation and execution time of the workload's statements (ms); null without pg_stat_statements 1.10+. */
  jit: { jitMs: number; execMs: number } | null;
  /** Buffers written out by each writer; null where the server does not say (PostgreSQL 17+). */
  bufferWrites: { byCheckpoints: number; byBgwriter: number; byBackends: number } | null;
}

export interface SearchPrior {
  knob: string;
  value: ConfigurationValue;
  /** The signal, in a sentence. */
  signal: string;
}

/** Fewer checkpoints say nothing about their cause. */
export const MIN_CHECKPOINTS = 5;
export const REQUESTED_CHECKPOINT_SHARE = 0.2;
/** An in-memory sort needs more than its spilled file: room for about twice the file. */
const WORK_MEM_PER_TEMP_BYTE = 2;
const RANDOM_OVER_SEQUENTIAL_WHEN_CACHED = 1.1;
const MAX_WAL_GROWTH = 4;
/** JIT time from this share of statement time up is worth trying without; below it JIT may well pay. */
export const JIT_SHARE = 0.05;
/** Less statement time (execution + JIT, ms) than this says too little about JIT. */
export const MIN_JIT_EXEC_MS = 10_000;
export const BACKEND_WRITE_SHARE = 0.2;
/** Fewer buffer writes than this say nothing about who writes them. */
export const MIN_BUFFER_WRITES = 10_000;
const BGWRITER_GROWTH = 4;

const numericKnob = (catalogue: KnobCatalogue, name: string): NumericKnob | null => {
  const knob = findKnob(catalogue, name);
  return knob !== undefined && (knob.vartype === 'integer' || knob.vartype === 'real') ? knob : null;
};

/** A value of `knob` in its own unit from bytes, rounded the way the knob is stored. */
const fromBytes = (knob: NumericKnob, bytes: number): number => {
  const factor = unitScale(knob.unit)?.factor ?? 1;
  const value = bytes / factor;
  return knob.vartype === 'integer' ? Math.ceil(value) : value;
};

const percent = (share: number) => `${(100 * share).toFixed(1)} %`;

/** The priors the signals support, relative to `base` (PGTune's candidate); none when nothing stands out. */
export function searchPriors(signals: WorkloadSignals, catalogue: KnobCatalogue, base: Configuration): SearchPrior[] {
  const priors: SearchPrior[] = [];
  const move = (knob: NumericKnob | null, value: number, signal: string) => {
    if (knob === null) return;
    const bounded = clampToRange(knob, value);
    if (bounded !== base[knob.name]) priors.push({ knob: knob.name, value: bounded, signal });
  };

  // The same judgement as the storage inference's: one definition of a cached data set.
  const cachedShare = cachedHitShare(signals.blocksHit, signals.blocksRead);
  if (cachedShare !== null) {
    const cached = `${percent(cachedShare)} of ${signals.blocksHit + signals.blocksRead} block accesses hit shared_buffers: the data set is cached`;
    const seqPageCost = base['seq_page_cost'];
    const randomPageCost = numericKnob(catalogue, 'random_page_cost');
    if (typeof seqPageCost === 'number') move(randomPageCost, seqPageCost * RANDOM_OVER_SEQUENTIAL_WHEN_CACHED, cached);
    const cacheSize = numericKnob(catalogue, 'effective_cache_size');
    if (cacheSize !== null) move(cacheSize, cacheSize.high, cached);
  }

  if (signals.tempFiles > 0) {
    const meanBytes = signals.tempBytes / signals.tempFiles;
    const workMem = numericKnob(catalogue, 'work_mem');
    const current = base['work_mem'];
    if (workMem !== null && typeof current === 'number') {
      const wanted = fromBytes(workMem, meanBytes * WORK_MEM_PER_TEMP_BYTE);
      const signal = `${signals.tempFiles} temporary files of ${Math.round(meanBytes / 1024)} kB on average: sorts and hashes spill to disk`;
      if (wanted > current) move(workMem, wanted, signal);
    }
  }

  const checkpoints = signals.checkpointsTimed + signals.checkpointsRequested;
  if (checkpoints >= MIN_CHECKPOINTS && signals.checkpointsRequested / checkpoints > REQUESTED_CHECKPOINT_SHARE) {
    const maxWal = numericKnob(catalogue, 'max_wal_size');
    const current = base['max_wal_size'];
    if (maxWal !== null && typeof current === 'number') {
      move(maxWal, current * MAX_WAL_GROWTH, `${signals.checkpointsRequested} of ${checkpoints} checkpoints were requested (max_wal_size reached), not timed`);
    }
  }
  // Code generation runs before pg_stat_statements starts the execution clock, so JIT time is
  // counted beside execution time, not inside it.
  const jitTotal = signals.jit === null ? 0 : signals.jit.jitMs + signals.jit.execMs;
  if (signals.jit !== null && jitTotal >= MIN_JIT_EXEC_MS && signals.jit.jitMs / jitTotal >= JIT_SHARE) {
    const jit = findKnob(catalogue, 'jit');
    if (jit?.vartype === 'bool' && base['jit'] !== false) {
      priors.push({ knob: 'jit', value: false, signal: `JIT compilation took ${percent(signals.jit.jitMs / jitTotal)} of the statements' time` });
    }
  }

  const writes = signals.bufferWrites;
  const written = writes === null ? 0 : writes.byCheckpoints + writes.byBgwriter + writes.byBackends;
  if (writes !== null && written >= MIN_BUFFER_WRITES && writes.byBackends / written >= BACKEND_WRITE_SHARE) {
    const signal = `backends wrote ${percent(writes.byBackends / written)} of ${written} buffers themselves: the background writer falls behind`;
    const maxPages = base['bgwriter_lru_maxpages'];
    if (typeof maxPages === 'number' && maxPages > 0) move(numericKnob(catalogue, 'bgwriter_lru_maxpages'), maxPages * BGWRITER_GROWTH, signal);
    const delay = base['bgwriter_delay'];
    if (typeof delay === 'number') move(numericKnob(catalogue, 'bgwriter_delay'), delay / 2, signal);
  }
  return priors;
}

/** `base` with the priors' values. */
export function withPriors(base: Configuration, priors: readonly SearchPrior[]): Configuration {
  return { ...base, ...Object.fromEntries(priors.map((p) => [p.knob, p.value])) };
}
