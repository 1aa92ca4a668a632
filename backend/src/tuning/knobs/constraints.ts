/**
 * Cross-knob rules a candidate must satisfy, and a deterministic repair. The optimizer searches each
 * dimension independently; these rules are applied to its proposals before validation. Each rule
 * looks at the value in the configuration, or, for a knob the configuration leaves out, at the
 * server's current value (which stays in force), and only ever changes knobs the configuration has.
 *
 * Rules, in this order (each changes the fewest knobs, in the direction the docs recommend):
 *
 * 1. random_page_cost ≥ seq_page_cost — the docs: "never set random_page_cost less than
 *    seq_page_cost"; equal values suit a database that fits in memory. Repair: raise
 *    random_page_cost to seq_page_cost (seq_page_cost is the unit of the cost model). If
 *    seq_page_cost is above random_page_cost's search range it is first lowered to that range's top.
 *    When only seq_page_cost is in the configuration, it is lowered to random_page_cost.
 * 2. min_wal_size ≥ 2 WAL segments and max_wal_size ≥ 2 WAL segments (PostgreSQL refuses less at
 *    startup), then min_wal_size ≤ max_wal_size. Repair: raise to 2 segments; then lower
 *    min_wal_size to max_wal_size (max_wal_size drives checkpoint frequency, the larger effect); when
 *    only max_wal_size is in the configuration, raise it to min_wal_size.
 * 3. max_parallel_workers_per_gather ≤ max_parallel_workers (PostgreSQL would silently cap it, so a
 *    larger value only misleads the optimizer). Repair: lower per-gather to max_parallel_workers;
 *    when only max_parallel_workers is in the configuration, raise it to per-gather.
 *
 * Repair is idempotent: repairing a repaired configuration changes nothing.
 */
import { unitScale } from '../../postgres/units.js';
import type { Configuration, ConfigurationValue } from '../../model/configuration-space.js';
import { findKnob, type KnobCatalogue, type NumericKnob } from './catalogue.js';

export type ConstraintRule =
  | 'random_page_cost_at_least_seq_page_cost'
  | 'wal_size_at_least_two_segments'
  | 'min_wal_size_at_most_max_wal_size'
  | 'per_gather_at_most_max_parallel_workers';

export interface Repair {
  rule: ConstraintRule;
  name: string;
  from: ConfigurationValue;
  to: ConfigurationValue;
}

export interface RepairResult {
  config: Configuration;
  /** What was changed, in order; empty when the configuration already satisfied every rule. */
  repairs: Repair[];
}

const DEFAULT_WAL_SEGMENT_BYTES = 16 * 1024 ** 2;

export function repairConfiguration(config: Configuration, catalogue: KnobCatalogue): RepairResult {
  const values: Record<string, ConfigurationValue> = { ...config };
  const repairs: Repair[] = [];
  const has = (name: string) => Object.prototype.hasOwnProperty.call(values, name);
  const numericKnob = (name: string): NumericKnob | null => {
    const knob = findKnob(catalogue, name);
    return knob !== undefined && (knob.vartype === 'integer' || knob.vartype === 'real') ? knob : null;
  };
  /** The value in force: the configuration's, else the server's current; null if unknown or not a number. */
  const valueOf = (name: string): number | null => {
    const value = has(name) ? values[name] : numericKnob(name)?.current;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  };
  const set = (rule: ConstraintRule, name: string, to: number) => {
    const from = values[name];
    if (from === undefined || from === to) return;
    values[name] = to;
    repairs.push({ rule, name, from, to });
  };

  // 1. random_page_cost ≥ seq_page_cost
  {
    const rule: ConstraintRule = 'random_page_cost_at_least_seq_page_cost';
    const random = valueOf('random_page_cost');
    let seq = valueOf('seq_page_cost');
    if (random !== null && seq !== null && random < seq) {
      if (has('random_page_cost')) {
        const randomHigh = numericKnob('random_page_cost')?.high;
        if (has('seq_page_cost') && randomHigh !== undefined && seq > randomHigh) {
          set(rule, 'seq_page_cost', randomHigh);
          seq = randomHigh;
        }
        set(rule, 'random_page_cost', seq);
      } else if (has('seq_page_cost')) {
        set(rule, 'seq_page_cost', random);
      }
    }
  }

  // 2. WAL sizes: at least two segments each, min_wal_size ≤ max_wal_size (compared in bytes)
  {
    const minKnob = numericKnob('min_wal_size');
    const maxKnob = numericKnob('max_wal_size');
    const factorOf = (knob: NumericKnob | null) => {
      const scale = knob === null ? null : unitScale(knob.unit);
      return scale?.baseUnit === 'bytes' ? scale.factor : null;
    };
    const minFactor = factorOf(minKnob);
    const maxFactor = factorOf(maxKnob);
    const twoSegments = 2 * (catalogue.server.walSegmentBytes ?? DEFAULT_WAL_SEGMENT_BYTES);
    for (const [name, factor] of [
      ['min_wal_size', minFactor],
      ['max_wal_size', maxFactor],
    ] as const) {
      const value = valueOf(name);
      if (has(name) && factor !== null && value !== null && value * factor < twoSegments) {
        set('wal_size_at_least_two_segments', name, Math.ceil(twoSegments / factor));
      }
    }
    const min = valueOf('min_wal_size');
    const max = valueOf('max_wal_size');
    if (min !== null && max !== null && minFactor !== null && maxFactor !== null && min * minFactor > max * maxFactor) {
      const rule: ConstraintRule = 'min_wal_size_at_most_max_wal_size';
      if (has('min_wal_size')) set(rule, 'min_wal_size', Math.floor((max * maxFactor) / minFactor));
      else if (has('max_wal_size')) set(rule, 'max_wal_size', Math.ceil((min * minFactor) / maxFactor));
    }
  }

  // 3. max_parallel_workers_per_gather ≤ max_parallel_workers
  {
    const rule: ConstraintRule = 'per_gather_at_most_max_parallel_workers';
    const perGather = valueOf('max_parallel_workers_per_gather');
    const workers = valueOf('max_parallel_workers');
    if (perGather !== null && workers !== null && perGather > workers) {
      if (has('max_parallel_workers_per_gather')) set(rule, 'max_parallel_workers_per_gather', workers);
      else if (has('max_parallel_workers')) set(rule, 'max_parallel_workers', perGather);
    }
  }

  return { config: values, repairs };
}

/** The rules a configuration breaks (empty when it satisfies all), without changing it. */
export function constraintViolations(config: Configuration, catalogue: KnobCatalogue): ConstraintRule[] {
  return [...new Set(repairConfiguration(config, catalogue).repairs.map((repair) => repair.rule))];
}
