/**
 * Per-database workload counters from pg_stat_database: transactions, blocks, tuples, temp files,
 * deadlocks and IO time. All are cumulative since the last stats reset, so consumers work with deltas.
 */
import type { BlockReadCounters } from '../host/storage-inference.js';
import type { Queryable } from './connection.js';
import type { ServerFacts } from './server-facts.js';

export interface DatabaseStats {
  datname: string;
  numbackends: number;
  xactCommit: number;
  xactRollback: number;
  blksRead: number;
  blksHit: number;
  tupReturned: number;
  tupFetched: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
  tempFiles: number;
  tempBytes: number;
  deadlocks: number;
  /** Zero unless track_io_timing is on. */
  blkReadTimeSeconds: number;
  blkWriteTimeSeconds: number;
  /** Session accounting exists from PostgreSQL 14; null before. */
  sessionTimeSeconds: number | null;
  activeTimeSeconds: number | null;
  idleInTransactionTimeSeconds: number | null;
  sessions: number | null;
}

const SESSION_COLUMNS_SINCE = 140000;

function databaseStatsSql(serverVersionNum: number): string {
  const sessionColumns =
    serverVersionNum >= SESSION_COLUMNS_SINCE
      ? `session_time / 1000 AS "sessionTimeSeconds", active_time / 1000 AS "activeTimeSeconds",
       idle_in_transaction_time / 1000 AS "idleInTransactionTimeSeconds", sessions::float8 AS sessions`
      : `NULL::float8 AS "sessionTimeSeconds", NULL::float8 AS "activeTimeSeconds",
       NULL::float8 AS "idleInTransactionTimeSeconds", NULL::float8 AS sessions`;
  // Aliased to the TypeScript field names; bigint counters cast to float8 so the driver returns numbers
  // (exact below 2^53), times (ms on the server) in seconds. The row with a null datname holds the shared
  // catalogs' counters, not a database's workload.
  return `SELECT datname, numbackends,
       xact_commit::float8 AS "xactCommit", xact_rollback::float8 AS "xactRollback",
       blks_read::float8 AS "blksRead", blks_hit::float8 AS "blksHit",
       tup_returned::float8 AS "tupReturned", tup_fetched::float8 AS "tupFetched",
       tup_inserted::float8 AS "tupInserted", tup_updated::float8 AS "tupUpdated", tup_deleted::float8 AS "tupDeleted",
       temp_files::float8 AS "tempFiles", temp_bytes::float8 AS "tempBytes", deadlocks::float8 AS deadlocks,
       blk_read_time / 1000 AS "blkReadTimeSeconds", blk_write_time / 1000 AS "blkWriteTimeSeconds",
       ${sessionColumns}
  FROM pg_stat_database
 WHERE datname IS NOT NULL
 ORDER BY datname`;
}

/** Picks the columns from `facts.serverVersionNum`. */
export async function readDatabaseStats(db: Queryable, facts: ServerFacts): Promise<DatabaseStats[]> {
  return db.query<DatabaseStats>(databaseStatsSql(facts.serverVersionNum));
}

/** Block reads of all databases summed, for the storage inference; the read time only when track_io_timing is on. */
export async function readBlockReadCounters(db: Queryable): Promise<BlockReadCounters> {
  const [row] = await db.query<{ blocksRead: number; blocksHit: number; readTimeMs: number; timed: boolean }>(
    `SELECT coalesce(sum(blks_read), 0)::float8 AS "blocksRead", coalesce(sum(blks_hit), 0)::float8 AS "blocksHit",
       coalesce(sum(blk_read_time), 0)::float8 AS "readTimeMs", current_setting('track_io_timing')::boolean AS timed
  FROM pg_stat_database`,
  );
  if (row === undefined) throw new Error('pg_stat_database returned no row');
  return { blocksRead: row.blocksRead, blocksHit: row.blocksHit, readTimeMs: row.timed ? row.readTimeMs : null };
}
