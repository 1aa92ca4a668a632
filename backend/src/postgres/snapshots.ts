/**
 * One observation of this node's PostgreSQL, taken in one round of queries so a metrics scrape (or a
 * tuning measurement) costs a handful of statements, not one per gauge.
 */
import { type ConnectionStateCount, readConnectionsByState } from './activity.js';
import { type CheckpointStats, readCheckpointStats } from './checkpoints.js';
import type { Queryable } from './connection.js';
import { type DatabaseStats, readDatabaseStats } from './database-stats.js';
import { type ReplicationInfo, readReplication } from './replication.js';
import { readServerFacts } from './server-facts.js';
import { type PgSetting, readSettings } from './settings.js';
import { readStatementsAggregate, type StatementsAggregate } from './statements.js';

export interface PostgresSnapshot {
  /** server_version_num, e.g. 150004. */
  serverVersionNum: number;
  inRecovery: boolean;
  /** The server's clock at the start of the snapshot: the time base for rates between snapshots. */
  serverTime: Date;
  /** Cumulative counters restarted when this changed. */
  postmasterStartTime: Date;
  databases: DatabaseStats[];
  connections: ConnectionStateCount[];
  checkpoints: CheckpointStats;
  replication: ReplicationInfo;
  statements: StatementsAggregate;
  settings: PgSetting[];
}

/**
 * Seven statements (six without pg_stat_statements): the server facts first, because the other queries
 * depend on the version, the role and the extension, then one per view. They run one after another on
 * purpose: the agent holds a single connection at a time on a server it is meant to leave alone.
 * Rejects with a PostgresError when any part fails, except an unusable pg_stat_statements, which the
 * snapshot reports as unavailable.
 */
export async function readPostgresSnapshot(db: Queryable): Promise<PostgresSnapshot> {
  const facts = await readServerFacts(db);
  return {
    serverVersionNum: facts.serverVersionNum,
    inRecovery: facts.inRecovery,
    serverTime: facts.serverTime,
    postmasterStartTime: facts.postmasterStartTime,
    databases: await readDatabaseStats(db, facts),
    connections: await readConnectionsByState(db),
    checkpoints: await readCheckpointStats(db, facts),
    replication: await readReplication(db, facts),
    statements: await readStatementsAggregate(db, facts),
    settings: await readSettings(db),
  };
}
