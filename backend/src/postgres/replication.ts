/**
 * Replication as this PostgreSQL sees it: a primary reports how far behind each connected standby is; a
 * server in recovery reports what it has received and replayed and how old its last replayed
 * transaction is. (A Patroni standby leader is in recovery, so it reports as a replica here.)
 */
import type { Queryable } from './connection.js';
import { PostgresUnexpectedResultError } from './errors.js';
import type { ServerFacts } from './server-facts.js';

export interface StandbyReplication {
  applicationName: string;
  clientAddr: string | null;
  /** startup, catchup, streaming …; null when the agent's role may not see it. */
  state: string | null;
  /** async, sync, quorum, potential. */
  syncState: string | null;
  /** Bytes of WAL written on the primary that the standby has not replayed yet. */
  replayLagBytes: number | null;
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  replayLagSeconds: number | null;
}

export interface PrimaryReplication {
  role: 'primary';
  standbys: StandbyReplication[];
}

export interface ReplicaReplication {
  role: 'replica';
  /** Null when WAL comes from the archive, not from streaming. */
  receivedLsn: string | null;
  replayedLsn: string | null;
  /** Received but not yet replayed. */
  receiveReplayLagBytes: number | null;
  /** 0 when everything received is replayed, otherwise the age of the last replayed transaction. */
  replayLagSeconds: number | null;
}

export type ReplicationInfo = PrimaryReplication | ReplicaReplication;

// Columns are aliased to the TypeScript field names and cast to float8 so rows need no mapping.
const STANDBYS_SQL = `SELECT application_name AS "applicationName", client_addr::text AS "clientAddr",
       state, sync_state AS "syncState",
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS "replayLagBytes",
       extract(epoch FROM write_lag)::float8 AS "writeLagSeconds",
       extract(epoch FROM flush_lag)::float8 AS "flushLagSeconds",
       extract(epoch FROM replay_lag)::float8 AS "replayLagSeconds"
  FROM pg_stat_replication
 ORDER BY application_name`;

const REPLICA_SQL = `SELECT 'replica' AS role,
       pg_last_wal_receive_lsn()::text AS "receivedLsn",
       pg_last_wal_replay_lsn()::text AS "replayedLsn",
       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS "receiveReplayLagBytes",
       (CASE
          WHEN pg_last_xact_replay_timestamp() IS NULL THEN NULL
          WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
          ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())
        END)::float8 AS "replayLagSeconds"`;

/** Picks the primary or the replica view from `facts.inRecovery`. */
export async function readReplication(db: Queryable, facts: ServerFacts): Promise<ReplicationInfo> {
  if (!facts.inRecovery) {
    return { role: 'primary', standbys: await db.query<StandbyReplication>(STANDBYS_SQL) };
  }
  const [replica] = await db.query<ReplicaReplication>(REPLICA_SQL);
  if (replica === undefined) throw new PostgresUnexpectedResultError('replica replication query returned no row');
  return replica;
}
