import type { Configuration, Dimension } from '../../../../src/model/configuration-space.js';

/** A small space shaped like the knob catalogue's: log-scale memory, specials, ints, floats, categoricals. */
export const mixedSpace: readonly Dimension[] = [
  { name: 'work_mem', type: 'int', low: 64, high: 1_048_576, log: true, specials: [] },
  { name: 'random_page_cost', type: 'float', low: 1, high: 8, log: true, specials: [] },
  { name: 'checkpoint_completion_target', type: 'float', low: 0.5, high: 0.99, log: false, specials: [] },
  { name: 'effective_io_concurrency', type: 'int', low: 1, high: 1000, log: true, specials: [0] },
  { name: 'jit_above_cost', type: 'float', low: 1000, high: 10_000_000, log: true, specials: [-1] },
  { name: 'max_parallel_workers_per_gather', type: 'int', low: 0, high: 8, log: false, specials: [] },
  { name: 'jit', type: 'categorical', choices: [true, false] },
  { name: 'wal_compression', type: 'categorical', choices: ['off', 'pglz', 'lz4', 'zstd'] },
];

/** A cheap deterministic objective over mixedSpace (lower is better). */
export function mixedObjective(c: Configuration): number {
  const lw = Math.log2((c.work_mem as number) / 16_384);
  const lr = Math.log2((c.random_page_cost as number) / 1.5);
  const cct = (c.checkpoint_completion_target as number) - 0.9;
  const io = c.effective_io_concurrency as number;
  const workers = c.max_parallel_workers_per_gather as number;
  return (
    5 +
    0.2 * lw * lw +
    lr * lr +
    4 * cct * cct +
    (io === 0 ? 0.5 : 0.05 * Math.log2(io / 100) ** 2) +
    (c.jit_above_cost === -1 ? 0 : 0.3) +
    0.1 * (workers - 2) ** 2 +
    (c.jit === true ? 0.4 : 0) +
    (c.wal_compression === 'lz4' ? 0 : 0.2)
  );
}

/** Checks a configuration value by value, with messages naming the dimension. */
export function violations(config: Configuration, space: readonly Dimension[]): string[] {
  const out: string[] = [];
  for (const dim of space) {
    const v = config[dim.name];
    if (dim.type === 'categorical') {
      if (!dim.choices.includes(v as string | boolean)) out.push(`${dim.name}=${String(v)} not a choice`);
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      out.push(`${dim.name}=${String(v)} not a number`);
      continue;
    }
    if (dim.specials.includes(v)) continue;
    if (v < dim.low || v > dim.high) out.push(`${dim.name}=${v} outside [${dim.low}, ${dim.high}]`);
    if (dim.type === 'int' && !Number.isInteger(v)) out.push(`${dim.name}=${v} not an integer`);
  }
  return out;
}
