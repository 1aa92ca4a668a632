import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { beyondNoise, spreadOf, workloadTargets, type ClientMeasurement, type WorkloadOutcome } from './tuning-report.js';

const runs = (...tps: number[]): ClientMeasurement[] => tps.map((t) => ({ tps: t, meanLatencyMs: 4000 / t, p95LatencyMs: 8000 / t }));

const outcome = (overrides: Partial<WorkloadOutcome>): WorkloadOutcome => ({
  default: runs(100, 102, 98),
  pgtune: runs(120, 121, 119),
  session: runs(150, 152, 148),
  random: runs(155, 157, 153),
  firstWithin10: 7,
  iterationLimit: 20,
  ...overrides,
});

const statusOf = (verdicts: ReturnType<typeof workloadTargets>, prefix: string) => {
  const verdict = verdicts.find((v) => v.target.startsWith(prefix));
  assert.ok(verdict, `a verdict for ${prefix}`);
  return verdict;
};

describe('tuning benchmark report', () => {
  it('spreads ignore failed measurements and give the median, min and max', () => {
    assert.deepEqual(spreadOf([3, Number.NaN, 1, 2]), { median: 2, min: 1, max: 3 });
    assert.ok(Number.isNaN(spreadOf([Number.NaN]).median));
  });

  it('calls a difference beyond the noise only when the ranges do not overlap', () => {
    assert.equal(beyondNoise({ median: 10, min: 9, max: 11 }, { median: 12, min: 11.5, max: 13 }), true);
    assert.equal(beyondNoise({ median: 10, min: 9, max: 12 }, { median: 12, min: 11.5, max: 13 }), false);
  });

  it('meets every target when the session beats PGTune and the default and comes within 10 % of the random search', () => {
    const verdicts = workloadTargets(outcome({}));
    assert.deepEqual(
      verdicts.map((v) => v.status),
      ['met', 'met', 'met', 'met'],
    );
    assert.match(statusOf(verdicts, '(c) within').detail, /0\.97×/);
  });

  it('reports a shortfall beyond the noise as missed, by how much', () => {
    const verdicts = workloadTargets(outcome({ session: runs(110, 111, 109) }));
    const vsPgtune = statusOf(verdicts, '(c) never worse');
    assert.equal(vsPgtune.status, 'missed');
    assert.match(vsPgtune.detail, /short by 8\.3 %/);
    const vsRandom = statusOf(verdicts, '(c) within');
    assert.equal(vsRandom.status, 'missed');
    assert.equal(statusOf(verdicts, '(c) transactions/s').status, 'met');
  });

  it('reports a shortfall whose ranges overlap as inside the noise', () => {
    const verdicts = workloadTargets(outcome({ session: runs(118, 130, 110) }));
    assert.equal(statusOf(verdicts, '(c) never worse').status, 'inside the noise');
    const belowDefault = workloadTargets(outcome({ session: runs(90, 91, 89) }));
    assert.equal(statusOf(belowDefault, '(c) transactions/s').status, 'missed');
  });

  it('judges convergence by the first iteration within 10 % of the best, and leaves (d) out when it was not run', () => {
    assert.equal(statusOf(workloadTargets(outcome({ firstWithin10: 15 })), 'within 10 % of its best').status, 'met');
    assert.equal(statusOf(workloadTargets(outcome({ firstWithin10: 16 })), 'within 10 % of its best').status, 'missed');
    assert.equal(statusOf(workloadTargets(outcome({ firstWithin10: null })), 'within 10 % of its best').status, 'missed');
    const withoutRandom = workloadTargets(outcome({ random: null }));
    assert.equal(withoutRandom.length, 3);
    assert.ok(!withoutRandom.some((v) => v.target.includes('(d)')));
  });
});
