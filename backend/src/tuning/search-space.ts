/**
 * The reload-only parameters the tuner may search (DESIGN.md §5): DBtune's set plus the planner,
 * checkpoint, WAL, JIT, parallelism, commit and autovacuum cost knobs. The knob catalogue checks
 * each against pg_settings (context, range) before it is offered; metrics export their values.
 */
export const OBSERVED_SETTINGS = [
  'work_mem',
  'random_page_cost',
  'seq_page_cost',
  'checkpoint_completion_target',
  'effective_io_concurrency',
  'max_parallel_workers',
  'max_parallel_workers_per_gather',
  'max_wal_size',
  'min_wal_size',
  'bgwriter_lru_maxpages',
  'bgwriter_delay',
  'effective_cache_size',
  'jit',
  'jit_above_cost',
  'parallel_setup_cost',
  'parallel_tuple_cost',
  'commit_delay',
  'commit_siblings',
  'default_statistics_target',
  'checkpoint_timeout',
  'wal_compression',
  'autovacuum_vacuum_cost_delay',
  'autovacuum_vacuum_cost_limit',
  // Not tunable (restart-only) but needed to read the memory guardrail next to the knobs.
  'shared_buffers',
  'maintenance_work_mem',
  'hash_mem_multiplier',
] as const;
