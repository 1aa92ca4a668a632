/**
 * The tuning objective (DESIGN.md §5): how well the live workload ran between two snapshots. The
 * primary signal is the mean statement runtime from pg_stat_statements deltas (the agent's own
 * statements already excluded by the postgres module); throughput from pg_stat_database is always
 * measured and is the fallback when pg_stat_statements is missing. Scores are "time per unit of
 * work", so lower is better and baseline/best is the speed-up.
 */
import type { StatementTotals } from '../postgres/statements.js';
import type { Measurement, SessionOptions } from '../model/records.js';
import { compareStatements, statementDeltas, type StatementDeltas } from './statement-comparison.js';

export interface WorkloadSnapshot {
  /** Server clock in epoch ms, so windows are measured on the database's own time base. */
  takenAtMs: number;
  /** Totals over pg_stat_statements, and per statement; null when it cannot be read. */
  statements: { calls: number; totalExecTimeSeconds: number; byQuery: ReadonlyMap<string, StatementTotals> } | null;
  /** Committed plus rolled-back transactions over all databases. */
  transactions: number;
}

export class MeasurementError extends Error {
  override readonly name = 'MeasurementError';
  readonly code = 'PGT_TUNING_MEASUREMENT';
}

/** The window's statements, one by one: what later windows are compared with. */
export function windowStatements(before: WorkloadSnapshot, after: WorkloadSnapshot): StatementDeltas | null {
  if (before.statements === null || after.statements === null) return null;
  return statementDeltas(before.statements.byQuery, after.statements.byQuery);
}

/**
 * The measurement of the window between `before` and `after`, compared statement by statement with
 * `reference` (the baseline window's statements) when there is one. A counter that went backwards
 * (pg_stat_statements evicted entries, statistics were reset, the server restarted) makes the window
 * unusable rather than silently wrong.
 */
export function measureWindow(before: WorkloadSnapshot, after: WorkloadSnapshot, reference: StatementDeltas | null): Measurement {
  const seconds = (after.takenAtMs - before.takenAtMs) / 1000;
  if (!(seconds > 0)) throw new MeasurementError(`measurement window of ${seconds} s is empty`);
  const transactions = after.transactions - before.transactions;
  if (transactions < 0) throw new MeasurementError('transaction counters went backwards (statistics reset or restart)');
  let meanQueryTimeMs: number | null = null;
  let calls: number | null = null;
  if (before.statements !== null && after.statements !== null) {
    calls = after.statements.calls - before.statements.calls;
    const execSeconds = after.statements.totalExecTimeSeconds - before.statements.totalExecTimeSeconds;
    if (calls < 0 || execSeconds < 0) {
      throw new MeasurementError('pg_stat_statements counters went backwards (entries evicted or reset)');
    }
    meanQueryTimeMs = calls > 0 ? (execSeconds * 1000) / calls : null;
  }
  const statements = reference === null ? null : windowStatements(before, after);
  const comparison = statements === null || reference === null ? null : compareStatements(reference, statements);
  return { windowSeconds: seconds, meanQueryTimeMs, calls, transactionsPerSecond: transactions / seconds, comparison };
}

/**
 * The score of a measurement: mean query time in ms — on the baseline's statements (the baseline's mean
 * × the statement-by-statement ratio) when the window could be compared with it, else over whatever
 * ran — or ms per transaction for the throughput objective and as the fallback. Null when the window
 * saw no work at all (nothing to compare).
 */
export function scoreMeasurement(measurement: Measurement, objective: SessionOptions['objective']): number | null {
  if (objective === 'mean_query_time' && measurement.comparison !== null) {
    return measurement.comparison.referenceMeanMs * measurement.comparison.ratio;
  }
  if (objective === 'mean_query_time' && measurement.meanQueryTimeMs !== null) return measurement.meanQueryTimeMs;
  return measurement.transactionsPerSecond > 0 ? 1000 / measurement.transactionsPerSecond : null;
}
