/**
 * Which objective a session measures, and why, said once at its start. pg_stat_statements measures
 * only statements (the agent's own left out); without it the fallback is milliseconds per transaction
 * from pg_stat_database, which cannot tell a slow statement from a quiet client. A user asking for the
 * mean statement time and getting the fallback is told why and what to run.
 */
import type { StatementsStatus } from '../postgres/statements-status.js';
import type { SessionOptions } from '../model/records.js';

export interface ObjectiveSelection {
  requested: SessionOptions['objective'];
  objective: SessionOptions['objective'];
  source: 'pg_stat_statements' | 'pg_stat_database';
  reason: string;
  /** What a person can do to get the mean statement time; null when nothing is missing. */
  action: string | null;
}

/** `transactionsCounted` says whose transactions the fallback counts (WorkloadDatabases.description). */
export function selectObjective(requested: SessionOptions['objective'], statements: StatementsStatus, transactionsCounted: string): ObjectiveSelection {
  if (requested === 'throughput') {
    return {
      requested,
      objective: 'throughput',
      source: 'pg_stat_database',
      reason: `the session asked for throughput: ms per transaction in ${transactionsCounted}, the agent's own left out`,
      action: null,
    };
  }
  if (statements.available) {
    const created = statements.created ? ', created by the agent (TUNER_CREATE_EXTENSION=true)' : '';
    return {
      requested,
      objective: 'mean_query_time',
      source: 'pg_stat_statements',
      reason: `pg_stat_statements in database "${statements.database}"${created}`,
      action: null,
    };
  }
  const createStatement = `CREATE EXTENSION pg_stat_statements; -- as a superuser, in database "${statements.database}" on the leader`;
  const action =
    statements.cause === 'not_preloaded'
      ? `add pg_stat_statements to shared_preload_libraries in Patroni's postgresql.parameters and restart the members (patronictl restart), then ${createStatement}`
      : statements.cause === 'extension_missing'
        ? `${createStatement}, or set TUNER_CREATE_EXTENSION=true`
        : null;
  return {
    requested,
    objective: 'throughput',
    source: 'pg_stat_database',
    reason: `${statements.message}: measuring ms per transaction in ${transactionsCounted} instead, the agent's own left out`,
    action,
  };
}
