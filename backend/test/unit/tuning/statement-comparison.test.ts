import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatementTotals } from '../../../src/postgres/statements.js';
import { compareStatements, MIN_STATEMENT_CALLS, statementDeltas } from '../../../src/tuning/statement-comparison.js';

const window = (entries: Record<string, [calls: number, execMs: number]>) =>
  new Map<string, StatementTotals>(Object.entries(entries).map(([key, [calls, execMs]]) => [key, { calls, execMs }]));

test('deltas leave out statements evicted, re-added with lower counters, or not run in the window', () => {
  const before = window({ a: [10, 100], b: [50, 500], c: [5, 50], gone: [7, 7] });
  const after = window({ a: [30, 300], b: [20, 100], c: [5, 50], fresh: [4, 8] });
  assert.deepEqual(statementDeltas(before, after), window({ a: [20, 200], fresh: [4, 8] }));
});

test('the same statements at the same speed compare as 1 with a zero-width interval, whatever the mix', () => {
  const reference = window({ oltp: [1000, 2000], report: [10, 8000] });
  // The report ran three times as often, the OLTP statements half as often: the plain mean moves, the ratio does not.
  const comparison = compareStatements(reference, window({ oltp: [500, 1000], report: [30, 24000] }));
  assert.ok(comparison !== null);
  assert.ok(Math.abs(comparison.ratio - 1) < 1e-12);
  assert.ok(Math.abs(comparison.low - 1) < 1e-12 && Math.abs(comparison.high - 1) < 1e-12);
  assert.equal(comparison.statements, 2);
  assert.equal(comparison.coveredShare, 1);
  assert.equal(comparison.referenceMeanMs, 10000 / 1010);
});

test('a report missing from a window does not look like a configuration effect', () => {
  const reference = window({ oltp: [1000, 2000], lookup: [800, 800], report: [10, 8000] });
  // Without the report, the statements that did run were each 20 % faster.
  const comparison = compareStatements(reference, window({ oltp: [1000, 1600], lookup: [800, 640] }));
  assert.ok(comparison !== null);
  assert.ok(Math.abs(comparison.ratio - 0.8) < 1e-12, String(comparison.ratio));
  // The plain mean fell from 10.8 / 1810 calls ≈ 5.97 ms to 1.24 ms: that is the mix, not the knobs.
  assert.equal(comparison.statements, 2);
});

test('ratios are weighted by the reference share of time, and their spread widens the interval', () => {
  const reference = window({ heavy: [100, 9000], light: [100, 1000] });
  const comparison = compareStatements(reference, window({ heavy: [100, 4500], light: [100, 2000] }));
  assert.ok(comparison !== null);
  // exp(0.9·ln 0.5 + 0.1·ln 2)
  assert.ok(Math.abs(comparison.ratio - Math.exp(0.9 * Math.log(0.5) + 0.1 * Math.log(2))) < 1e-12);
  assert.ok(comparison.low < comparison.ratio && comparison.ratio < comparison.high);
  const agreeing = compareStatements(reference, window({ heavy: [100, 4500], light: [100, 500] }))!;
  assert.ok(agreeing.high - agreeing.low < 1e-9, 'statements that agree leave no spread');
});

test('statements seen too rarely in either window are not compared; too little compared means no comparison', () => {
  const reference = window({ often: [100, 100], rare: [MIN_STATEMENT_CALLS - 1, 4000] });
  const comparison = compareStatements(reference, window({ often: [100, 50], rare: [50, 50] }));
  assert.ok(comparison !== null);
  assert.equal(comparison.statements, 1);
  assert.equal(comparison.coveredShare, 0.5);
  assert.equal(compareStatements(reference, window({ often: [100, 50], rare: [50, 51] })), null, 'less than half the window compared');
  assert.equal(compareStatements(window({}), window({ often: [100, 50] })), null);
  assert.equal(compareStatements(reference, window({})), null);
  assert.equal(compareStatements(window({ zero: [100, 0] }), window({ zero: [100, 0] })), null);
});
