/** measureWindow and scoreMeasurement (tuning/objective.ts) with exact numbers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatementTotals } from '../../../../src/postgres/statements.js';
import { MeasurementError, measureWindow, scoreMeasurement, windowStatements, type WorkloadSnapshot } from '../../../../src/tuning/objective.js';

const statements = (entries: Record<string, [calls: number, execMs: number]>): NonNullable<WorkloadSnapshot['statements']> => {
  const byQuery = new Map<string, StatementTotals>(Object.entries(entries).map(([key, [calls, execMs]]) => [key, { calls, execMs }]));
  const calls = [...byQuery.values()].reduce((sum, t) => sum + t.calls, 0);
  const execMs = [...byQuery.values()].reduce((sum, t) => sum + t.execMs, 0);
  return { calls, totalExecTimeSeconds: execMs / 1000, byQuery };
};

const BEFORE: WorkloadSnapshot = { takenAtMs: 1_000, statements: statements({ q: [100, 2000] }), transactions: 50 };
const AFTER: WorkloadSnapshot = { takenAtMs: 11_000, statements: statements({ q: [600, 4500] }), transactions: 550 };

describe('measureWindow', () => {
  it('mean statement time from pg_stat_statements deltas, throughput from transactions', () => {
    assert.deepEqual(measureWindow(BEFORE, AFTER, null), { windowSeconds: 10, meanQueryTimeMs: 5, calls: 500, transactionsPerSecond: 50, comparison: null });
  });

  it('without pg_stat_statements on either side: throughput only', () => {
    const expected = { windowSeconds: 10, meanQueryTimeMs: null, calls: null, transactionsPerSecond: 50, comparison: null };
    assert.deepEqual(measureWindow({ ...BEFORE, statements: null }, AFTER, null), expected);
    assert.deepEqual(measureWindow(BEFORE, { ...AFTER, statements: null }, new Map()), expected);
  });

  it('no statements in the window: no mean, zero calls', () => {
    const idle = { ...AFTER, statements: BEFORE.statements, transactions: BEFORE.transactions };
    assert.deepEqual(measureWindow(BEFORE, idle, null), { windowSeconds: 10, meanQueryTimeMs: null, calls: 0, transactionsPerSecond: 0, comparison: null });
  });

  it('a window after the baseline is compared with it statement by statement, and scored on the baseline mix', () => {
    // Baseline: a fast statement and a slow report, 10 ms mean over 1010 calls.
    const reference = windowStatements(
      { ...BEFORE, statements: statements({}) },
      { ...AFTER, statements: statements({ oltp: [1000, 2000], report: [10, 8100] }) },
    )!;
    // Next window: no report ran, the OLTP statement is 25 % faster. Its plain mean says 1.5 ms (6.7×
    // faster): that is the mix. On the baseline's statements it is 25 % faster.
    const after: WorkloadSnapshot = { ...AFTER, statements: statements({ oltp: [2000, 3500], report: [10, 8100] }) };
    const before: WorkloadSnapshot = { ...BEFORE, statements: statements({ oltp: [1000, 2000], report: [10, 8100] }) };
    const measurement = measureWindow(before, after, reference);
    assert.equal(measurement.meanQueryTimeMs, 1.5);
    assert.ok(measurement.comparison !== null);
    assert.ok(Math.abs(measurement.comparison.ratio - 0.75) < 1e-12);
    assert.equal(measurement.comparison.referenceMeanMs, 10);
    assert.ok(Math.abs(scoreMeasurement(measurement, 'mean_query_time')! - 7.5) < 1e-9);
    assert.equal(scoreMeasurement(measurement, 'throughput'), 20, 'throughput ignores the statements');
  });

  it('counters going backwards make the window unusable; one statement evicted does not', () => {
    assert.throws(
      () => measureWindow(BEFORE, { ...AFTER, transactions: 49 }, null),
      (error: unknown) =>
        error instanceof MeasurementError &&
        error.code === 'PGT_TUNING_MEASUREMENT' &&
        /^transaction counters went backwards \(statistics reset or restart\)$/.test(error.message),
    );
    assert.throws(() => measureWindow(BEFORE, { ...AFTER, statements: statements({ q: [99, 4500] }) }, null), /^MeasurementError: pg_stat_statements counters went backwards \(entries evicted or reset\)$/);
    const reference = new Map([['q', { calls: 100, execMs: 1000 }]]);
    const evicted = measureWindow(
      { ...BEFORE, statements: statements({ q: [100, 2000], gone: [5, 5] }) },
      { ...AFTER, statements: statements({ q: [600, 4500], fresh: [1, 1] }) },
      reference,
    );
    assert.equal(evicted.comparison?.statements, 1);
  });

  it('an empty or reversed window is refused', () => {
    assert.throws(() => measureWindow(BEFORE, { ...AFTER, takenAtMs: 1_000 }, null), { name: 'MeasurementError', message: 'measurement window of 0 s is empty' });
    assert.throws(() => measureWindow(BEFORE, { ...AFTER, takenAtMs: 500 }, null), { name: 'MeasurementError', message: 'measurement window of -0.5 s is empty' });
  });
});

describe('scoreMeasurement', () => {
  const measured = { windowSeconds: 10, meanQueryTimeMs: 5, calls: 500, transactionsPerSecond: 50, comparison: null };

  it('mean_query_time: the mean statement time in ms', () => {
    assert.equal(scoreMeasurement(measured, 'mean_query_time'), 5);
  });

  it('throughput: ms per transaction', () => {
    assert.equal(scoreMeasurement(measured, 'throughput'), 20);
    assert.equal(scoreMeasurement({ ...measured, transactionsPerSecond: 400 }, 'throughput'), 2.5);
  });

  it('falls back to throughput without pg_stat_statements', () => {
    assert.equal(scoreMeasurement({ ...measured, meanQueryTimeMs: null, calls: null }, 'mean_query_time'), 20);
  });

  it('null when the window saw no work', () => {
    const idle = { windowSeconds: 10, meanQueryTimeMs: null, calls: 0, transactionsPerSecond: 0, comparison: null };
    assert.equal(scoreMeasurement(idle, 'mean_query_time'), null);
    assert.equal(scoreMeasurement(idle, 'throughput'), null);
  });
});
