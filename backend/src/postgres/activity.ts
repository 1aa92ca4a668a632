/**
 * Client connections by state (active, idle, idle in transaction …) from pg_stat_activity. Background
 * workers, WAL senders and autovacuum are left out: they are not the workload's connections. The
 * agent's own connection is a client backend too and is counted.
 */
import type { Queryable } from './connection.js';

export interface ConnectionStateCount {
  /** pg_stat_activity.state; `unknown` when the server does not report one. */
  state: string;
  count: number;
}

const CONNECTIONS_BY_STATE_SQL = `SELECT coalesce(state, 'unknown') AS state, count(*)::int AS count
  FROM pg_stat_activity
 WHERE backend_type = 'client backend'
 GROUP BY 1
 ORDER BY 1`;

export async function readConnectionsByState(db: Queryable): Promise<ConnectionStateCount[]> {
  return db.query<ConnectionStateCount>(CONNECTIONS_BY_STATE_SQL);
}
