/** measureWindow and scoreMeasurement (tuning/objective.ts) with exact numbers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MeasurementError, measureWindow, scoreMeasurement, type WorkloadSnapshot } from '../../../../src/tuning/objective.js';

const BEFORE: WorkloadSnapshot = { takenAtMs: 1_000, statements: { calls: 100, totalExecTimeSeconds: 2 }, transactions: 50 };
const AFTER: WorkloadSnapshot = { takenAtMs: 11_000, statements: { calls: 600, totalExecTimeSeconds: 4.5 }, transactions: 550 };

describe('measureWindow', () => {
  it('mean statement time from pg_stat_statements deltas, throughput from transactions', () => {
    assert.deepEqual(measureWindow(BEFORE, AFTER), { windowSeconds: 10, meanQueryTimeMs: 5, calls: 500, transactionsPerSecond: 50 });
  });

  it('without pg_stat_statements on either side: throughput only', () => {
    const expected = { windowSeconds: 10, meanQueryTimeMs: null, calls: null, transactionsPerSecond: 50 };
    assert.deepEqual(measureWindow({ ...BEFORE, statements: null }, AFTER), expected);
    assert.deepEqual(measureWindow(BEFORE, { ...AFTER, statements: null }), expected);
  });

  it('no statements in the window: no mean, zero calls', () => {
    const idle = { ...AFTER, statements: BEFORE.statements, transactions: BEFORE.transactions };
    assert.deepEqual(measureWindow(BEFORE, idle), { windowSeconds: 10, meanQueryTimeMs: null, calls: 0, transactionsPerSecond: 0 });
  });

  it('counters going backwards make the window unusable', () => {
    const cases: Array<[WorkloadSnapshot, RegExp]> = [
      [{ ...AFTER, transactions: 49 }, /^transaction counters went backwards \(statistics reset or restart\)$/],
      [{ ...AFTER, statements: { calls: 99, totalExecTimeSeconds: 4.5 } }, /^pg_stat_statements counters went backwards \(entries evicted or reset\)$/],
      [{ ...AFTER, statements: { calls: 600, totalExecTimeSeconds: 1.9 } }, /^pg_stat_statements counters went backwards/],
    ];
    for (const [after, message] of cases) {
      assert.throws(
        () => measureWindow(BEFORE, after),
        (error: unknown) => error instanceof MeasurementError && error.code === 'PGT_TUNING_MEASUREMENT' && error.name === 'MeasurementError' && message.test(error.message),
      );
    }
  });

  it('an empty or reversed window is refused', () => {
    assert.throws(() => measureWindow(BEFORE, { ...AFTER, takenAtMs: 1_000 }), { name: 'MeasurementError', message: 'measurement window of 0 s is empty' });
    assert.throws(() => measureWindow(BEFORE, { ...AFTER, takenAtMs: 500 }), { name: 'MeasurementError', message: 'measurement window of -0.5 s is empty' });
  });
});

describe('scoreMeasurement', () => {
  const measured = { windowSeconds: 10, meanQueryTimeMs: 5, calls: 500, transactionsPerSecond: 50 };

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
    const idle = { windowSeconds: 10, meanQueryTimeMs: null, calls: 0, transactionsPerSecond: 0 };
    assert.equal(scoreMeasurement(idle, 'mean_query_time'), null);
    assert.equal(scoreMeasurement(idle, 'throughput'), null);
  });
});
