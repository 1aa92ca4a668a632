/**
 * Checkpoint counters. PostgreSQL 17 moved them from pg_stat_bgwriter to pg_stat_checkpointer and
 * renamed them; both are read into one shape.
 */
import type { Queryable } from './connection.js';
import { PostgresUnexpectedResultError } from './errors.js';
import type { ServerFacts } from './server-facts.js';

export type CheckpointView = 'pg_stat_bgwriter' | 'pg_stat_checkpointer';

export interface CheckpointStats {
  /** The view read, so a reader of the numbers knows which server semantics they carry. */
  view: CheckpointView;
  /** Checkpoints started because checkpoint_timeout elapsed. */
  timed: number;
  /** Checkpoints requested: max_wal_size reached, CHECKPOINT, shutdown … */
  requested: number;
  writeTimeSeconds: number;
  syncTimeSeconds: number;
  buffersWritten: number;
}

const CHECKPOINTER_VIEW_SINCE = 170000;

function checkpointView(serverVersionNum: number): CheckpointView {
  return serverVersionNum >= CHECKPOINTER_VIEW_SINCE ? 'pg_stat_checkpointer' : 'pg_stat_bgwriter';
}

// Aliased to the TypeScript field names, times (ms on the server) in seconds.
const CHECKPOINT_SQL: Readonly<Record<CheckpointView, string>> = {
  pg_stat_checkpointer: `SELECT 'pg_stat_checkpointer' AS view, num_timed::float8 AS timed, num_requested::float8 AS requested,
       write_time / 1000 AS "writeTimeSeconds", sync_time / 1000 AS "syncTimeSeconds",
       buffers_written::float8 AS "buffersWritten"
  FROM pg_stat_checkpointer`,
  pg_stat_bgwriter: `SELECT 'pg_stat_bgwriter' AS view, checkpoints_timed::float8 AS timed, checkpoints_req::float8 AS requested,
       checkpoint_write_time / 1000 AS "writeTimeSeconds", checkpoint_sync_time / 1000 AS "syncTimeSeconds",
       buffers_checkpoint::float8 AS "buffersWritten"
  FROM pg_stat_bgwriter`,
};

/** Picks the view from `facts.serverVersionNum`. */
export async function readCheckpointStats(db: Queryable, facts: ServerFacts): Promise<CheckpointStats> {
  const view = checkpointView(facts.serverVersionNum);
  const [stats] = await db.query<CheckpointStats>(CHECKPOINT_SQL[view]);
  if (stats === undefined) throw new PostgresUnexpectedResultError(`${view} returned no row`);
  return stats;
}
