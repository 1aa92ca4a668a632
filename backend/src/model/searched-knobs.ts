/**
 * The reload-only parameters the tuner may search (DESIGN.md §5): DBtune's set plus the planner,
 * checkpoint, WAL, JIT, parallelism, commit and autovacuum cost knobs. The knob catalogue
 * (tuning/knobs/) checks each against pg_settings (context, range) and the exclusion rules before it
 * is offered; its ranges live in tuning/knobs/ranges.ts. Metrics export the values of all observed settings.
 */
export const SEARCH_SPACE_KNOBS = [
  // DBtune's reload-only set
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
  // DESIGN §5 additions
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
] as const;

export type SearchSpaceKnob = (typeof SEARCH_SPACE_KNOBS)[number];

const SEARCH_SPACE_SET: ReadonlySet<string> = new Set<string>(SEARCH_SPACE_KNOBS);

export function isSearchSpaceKnob(name: string): name is SearchSpaceKnob {
  return SEARCH_SPACE_SET.has(name);
}

/**
 * Settings whose values metrics export: the search space, plus settings that are not tunable
 * (restart-only or outside the space) but are needed to read the memory guardrail next to the knobs.
 */
export const OBSERVED_SETTINGS = [
  ...SEARCH_SPACE_KNOBS,
  'shared_buffers',
  'maintenance_work_mem',
  'hash_mem_multiplier',
] as const;
