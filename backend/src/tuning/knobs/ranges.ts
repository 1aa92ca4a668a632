/**
 * The search range of every knob of DESIGN §5, as a rule of the host and the server. Ranges are given
 * in a measure (bytes, seconds, or the setting's own plain numbers) and the catalogue converts them
 * to the setting's pg_settings unit and clamps them inside pg_settings min/max, so a unit that differs
 * between versions (or a block size other than 8kB) cannot shift a range.
 *
 * Sources: tuning.md §2 (contexts, units, hard ranges, docs guidance), §3 (PGTune) and §6 (log scales
 * for memory and cost knobs, special values such as 0 = off and -1 = use another setting, biased).
 * Where a range departs from the brief's first proposal the description says why.
 */
import type { SearchSpaceKnob } from '../../model/searched-knobs.js';
import type { HostFacts } from './host-facts.js';

/** Facts of the server that ranges and PGTune depend on, read from pg_settings (null when absent). */
export interface ServerFacts {
  serverVersionNum: number | null;
  /** Patroni-managed / restart-only, so fixed during a session. */
  maxConnections: number | null;
  maxWorkerProcesses: number | null;
  sharedBuffersBytes: number | null;
  hashMemMultiplier: number | null;
  walSegmentBytes: number | null;
}

export interface RangeContext {
  host: HostFacts;
  server: ServerFacts;
}

/** A range in the rule's measure; specials are always in the setting's own units (they are sentinels). */
export interface RangeSpec {
  low: number;
  high: number;
  log: boolean;
  specials: readonly number[];
  description: string;
}

export type KnobRule =
  | {
      kind: 'numeric';
      /** What low/high are in: bytes or seconds (converted with the pg unit), or plain setting units. */
      measure: 'bytes' | 'seconds' | 'plain';
      range(context: RangeContext): RangeSpec;
    }
  | { kind: 'bool'; description: string }
  | {
      /** An enum (or, on older servers, a bool: wal_compression before PG 15). */
      kind: 'choice';
      /** Enum values never offered, with why (synonyms the server reports under another name). */
      omit: readonly string[];
      description: string;
    };

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** Sort/hash nodes one connection is assumed to run at once (the memory guardrail's default). */
export const WORK_MEM_NODES_PER_CONNECTION = 2;

/**
 * work_mem's ceiling: RAM/64, and no more than what every connection and worker could use at
 * `WORK_MEM_NODES_PER_CONNECTION` hash nodes × hash_mem_multiplier within 90 % of RAM minus shared_buffers
 * (the memory guardrail's default bound), so the optimizer does not spend iterations on candidates the
 * guardrail would reject; then clamped to 16MB..2GB so there is always room to search.
 */
export function workMemCeilingBytes({ host, server }: RangeContext): number {
  let ceiling = host.memoryBytes / 64;
  if (server.maxConnections !== null) {
    const backends = server.maxConnections + (server.maxWorkerProcesses ?? 8);
    const perBackend = WORK_MEM_NODES_PER_CONNECTION * Math.max(1, server.hashMemMultiplier ?? 1);
    const budget = 0.9 * host.memoryBytes - (server.sharedBuffersBytes ?? 0);
    ceiling = Math.min(ceiling, budget / (backends * perBackend));
  }
  return clamp(ceiling, 16 * MIB, 2 * GIB);
}

export const KNOB_RULES: Readonly<Record<SearchSpaceKnob, KnobRule>> = {
  work_mem: {
    kind: 'numeric',
    measure: 'bytes',
    range: (context) => ({
      low: 1 * MIB,
      high: workMemCeilingBytes(context),
      log: true,
      specials: [],
      description:
        'per sort/hash node and connection: 1MB up to RAM/64, capped by the memory guardrail budget over max_connections, within 16MB..2GB (log)',
    }),
  },
  effective_cache_size: {
    kind: 'numeric',
    measure: 'bytes',
    range: ({ host }) => ({
      low: 0.25 * host.memoryBytes,
      high: 0.9 * host.memoryBytes,
      log: true,
      specials: [],
      description: "planner's assumption of cached data: 25%..90% of RAM (PGTune uses 75%) (log)",
    }),
  },
  random_page_cost: {
    kind: 'numeric',
    measure: 'plain',
    range: ({ host }) =>
      host.storage === 'ssd'
        ? {
            low: 1,
            high: 4,
            log: true,
            specials: [],
            description: 'SSD: 1.0..4.0 (PGTune 1.1; the default 4 stays reachable); kept ≥ seq_page_cost by repair (log)',
          }
        : {
            low: 1,
            high: 8,
            log: true,
            specials: [],
            description: `${host.storage === 'hdd' ? 'HDD' : 'unknown storage'}: 1.0..8.0 (PGTune HDD 4); kept ≥ seq_page_cost by repair (log)`,
          },
  },
  seq_page_cost: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 0.5,
      high: 2,
      log: true,
      specials: [],
      description: 'the unit of the cost model: 0.5..2 around the default 1 (log)',
    }),
  },
  checkpoint_completion_target: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 0.5,
      high: 0.95,
      log: false,
      specials: [],
      description: 'spread checkpoint writes over 50%..95% of the interval (PGTune 0.9)',
    }),
  },
  effective_io_concurrency: {
    kind: 'numeric',
    measure: 'plain',
    range: ({ host }) =>
      host.storage === 'hdd'
        ? {
            low: 1,
            high: 64,
            log: true,
            specials: [0],
            description: 'HDD: 1..64, about the number of spindles (PGTune 2); 0 = no prefetch (log)',
          }
        : {
            low: 1,
            high: 1000,
            log: true,
            specials: [0],
            description: 'SSD: 1..1000 (PGTune SSD 200, NVMe 1000); 0 = no prefetch (log)',
          },
  },
  max_parallel_workers: {
    kind: 'numeric',
    measure: 'plain',
    range: ({ server }) => ({
      low: 1,
      high: server.maxWorkerProcesses ?? 8,
      log: false,
      specials: [0],
      description: `1..max_worker_processes (${server.maxWorkerProcesses ?? 'unknown, 8 assumed'}; restart-only, the real cap); 0 = no parallel workers`,
    }),
  },
  max_parallel_workers_per_gather: {
    kind: 'numeric',
    measure: 'plain',
    range: ({ host, server }) => ({
      low: 1,
      high: Math.min(host.cpus, server.maxWorkerProcesses ?? 8),
      log: false,
      specials: [0],
      description: `1..min(CPUs ${host.cpus}, max_worker_processes); kept ≤ max_parallel_workers by repair; 0 = no parallel query`,
    }),
  },
  max_wal_size: {
    kind: 'numeric',
    measure: 'bytes',
    range: () => ({
      low: 256 * MIB,
      high: 16 * GIB,
      log: true,
      specials: [],
      description: 'checkpoint distance: 256MB..16GB (PGTune 4GB mixed, 16GB dw); needs that much WAL disk (log)',
    }),
  },
  min_wal_size: {
    kind: 'numeric',
    measure: 'bytes',
    range: ({ server }) => ({
      low: Math.max(32 * MIB, 2 * (server.walSegmentBytes ?? 16 * MIB)),
      high: 2 * GIB,
      log: true,
      specials: [],
      description: 'WAL kept for reuse: max(32MB, 2 WAL segments)..2GB; kept ≤ max_wal_size by repair (log)',
    }),
  },
  bgwriter_lru_maxpages: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 10,
      high: 1000,
      log: true,
      specials: [0],
      description: 'pages the background writer may write per round: 10..1000; 0 = background writing off (log)',
    }),
  },
  bgwriter_delay: {
    kind: 'numeric',
    measure: 'seconds',
    range: () => ({
      low: 0.01,
      high: 1,
      log: true,
      specials: [],
      description: 'background writer rounds every 10ms..1s (default 200ms) (log)',
    }),
  },
  jit: { kind: 'bool', description: 'JIT compilation on/off (PGTune: off for web/oltp/mixed)' },
  jit_above_cost: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 1e4,
      high: 1e7,
      log: true,
      specials: [-1],
      description: 'query cost above which JIT is used: 1e4..1e7 (default 1e5); -1 = JIT never (log)',
    }),
  },
  parallel_setup_cost: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 10,
      high: 10000,
      log: true,
      specials: [],
      description: 'planner cost of starting workers: 10..10000 (default 1000) (log)',
    }),
  },
  parallel_tuple_cost: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 0.001,
      high: 1,
      log: true,
      specials: [],
      description: 'planner cost per tuple passed from a worker: 0.001..1 (default 0.1) (log)',
    }),
  },
  commit_delay: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 1,
      high: 10000,
      log: true,
      specials: [0],
      description: 'group commit wait in µs: 1..10000 (pg max 100000); 0 = no delay (default) (log)',
    }),
  },
  commit_siblings: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 1,
      high: 50,
      log: true,
      specials: [],
      description: 'other open transactions needed before commit_delay applies: 1..50 (default 5) (log)',
    }),
  },
  default_statistics_target: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 10,
      high: 1000,
      log: true,
      specials: [],
      description: 'ANALYZE sample size: 10..1000 (default 100, PGTune dw 500); takes effect at the next ANALYZE (log)',
    }),
  },
  checkpoint_timeout: {
    kind: 'numeric',
    measure: 'seconds',
    range: () => ({
      low: 30,
      high: 3600,
      log: true,
      specials: [],
      description: 'time between checkpoints: 30s..1h (default 5min); longer means longer crash recovery (log)',
    }),
  },
  wal_compression: {
    kind: 'choice',
    omit: ['on'],
    description:
      "compress full-page images: the server's methods (PG ≥ 15 enum; 'on' omitted, it is pglz and reported as such), or on/off (PG ≤ 14 bool)",
  },
  autovacuum_vacuum_cost_delay: {
    kind: 'numeric',
    measure: 'seconds',
    range: () => ({
      low: 0,
      high: 0.02,
      log: false,
      specials: [-1],
      description: 'autovacuum throttle sleep: 0..20ms (default 2ms, 0 = unthrottled); -1 = use vacuum_cost_delay',
    }),
  },
  autovacuum_vacuum_cost_limit: {
    kind: 'numeric',
    measure: 'plain',
    range: () => ({
      low: 100,
      high: 10000,
      log: true,
      specials: [-1],
      description: 'autovacuum work per throttle round: 100..10000; -1 = use vacuum_cost_limit (default) (log)',
    }),
  },
};
