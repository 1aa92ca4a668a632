import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriftChecker } from '../../../src/drift/drift-checker.js';
import { autoconf, FakeDriftPorts, nodeSettings, T0 } from './fixtures.js';

function harness(options: { removeOverrides?: boolean } = {}): { ports: FakeDriftPorts; checker: DriftChecker } {
  const ports = new FakeDriftPorts();
  ports.dcs = { work_mem: '16MB' };
  ports.settings = nodeSettings({ work_mem: '16384' });
  return { ports, checker: new DriftChecker(ports, { member: () => 'pg-1', ...options }) };
}

/** A person's override of work_mem to a value the tuner once sent (8MB) while the DCS says 16MB. */
function tunerOverride(ports: FakeDriftPorts): void {
  ports.overrides = [autoconf('work_mem', '8MB')];
  ports.tuner = new Map([['work_mem', ['8MB', '16MB']]]);
}

describe('DriftChecker: confirmation', () => {
  it('reports a drift as pending on the first check and confirmed on the second', async () => {
    const { ports, checker } = harness();
    ports.overrides = [autoconf('random_page_cost', '1.1')];
    const first = await checker.check();
    assert.deepEqual(first.drifts, []);
    assert.deepEqual(first.pending.map((drift) => drift.name), ['random_page_cost']);
    assert.equal(first.error, null);
    assert.equal(first.member, 'pg-1');
    assert.equal(first.at, T0);
    assert.deepEqual(ports.log, [], 'nothing is recorded or done before confirmation');

    const second = await checker.check();
    assert.deepEqual(second.drifts.map((drift) => drift.name), ['random_page_cost']);
    assert.deepEqual(second.pending, []);
    assert.equal(checker.latest, second);
  });

  it('does not confirm a drift that changed between checks', async () => {
    const { ports, checker } = harness();
    ports.overrides = [autoconf('random_page_cost', '1.1')];
    await checker.check();
    ports.overrides = [autoconf('random_page_cost', '1.2')];
    const report = await checker.check();
    assert.deepEqual(report.drifts, []);
    assert.deepEqual(report.pending.map((drift) => drift.actual), ['1.2']);
  });

  it('reports nothing when the node agrees with the DCS', async () => {
    const { checker } = harness();
    await checker.check();
    const report = await checker.check();
    assert.deepEqual([report.drifts, report.pending, report.corrected, report.error], [[], [], [], null]);
  });
});

describe('DriftChecker: events and corrections', () => {
  it('records drift_detected once per confirmed drift, and drift_resolved when it is gone', async () => {
    const { ports, checker } = harness();
    ports.overrides = [autoconf('random_page_cost', '1.1')];
    await checker.check();
    await checker.check();
    await checker.check();
    assert.deepEqual(ports.log, ['event drift_detected random_page_cost']);
    const detected = ports.events[0];
    assert.equal(detected?.member, 'pg-1');
    assert.deepEqual(detected?.at, new Date(T0));
    assert.deepEqual(detected?.detail, {
      name: 'random_page_cost',
      kind: 'autoconf_override',
      expected: null,
      actual: '1.1',
      origin: 'other',
      member: 'pg-1',
    });

    ports.overrides = [];
    const report = await checker.check();
    assert.deepEqual(report.drifts, []);
    assert.deepEqual(ports.log, ['event drift_detected random_page_cost', 'event drift_resolved random_page_cost']);
  });

  it("reports a person's override equal to a value the tuner once sent, and never removes it by default", async () => {
    const { ports, checker } = harness();
    tunerOverride(ports);
    await checker.check();
    const second = await checker.check();
    const third = await checker.check();
    assert.deepEqual(second.drifts.map((drift) => [drift.name, drift.kind, drift.origin]), [['work_mem', 'autoconf_override', 'other']]);
    assert.deepEqual([second.corrected, third.corrected], [[], []]);
    assert.deepEqual(third.drifts.map((drift) => drift.name), ['work_mem'], 'still reported on every check');
    assert.deepEqual(ports.log, ['event drift_detected work_mem']);
    assert.equal(checker.correctionsTotal, 0);
    assert.equal(third.error, null);
  });

  it('with removeOverrides, resets every confirmed override, recording drift_corrected first', async () => {
    const { ports, checker } = harness({ removeOverrides: true });
    ports.overrides = [autoconf('work_mem', '64MB')];
    const first = await checker.check();
    assert.deepEqual(first.corrected, []);
    const second = await checker.check();
    assert.deepEqual(second.corrected, [{ name: 'work_mem', kind: 'autoconf_override', action: 'reset_override' }]);
    assert.deepEqual(ports.log, ['event drift_detected work_mem', 'event drift_corrected work_mem', 'reset work_mem']);
    assert.equal(ports.events[1]?.detail['action'], 'reset_override');
    assert.equal(checker.correctionsTotal, 1);
    assert.equal(second.error, null);

    ports.overrides = [];
    const third = await checker.check();
    assert.deepEqual(third.drifts, []);
    assert.deepEqual(ports.log.slice(3), ['event drift_resolved work_mem']);
    assert.equal(checker.correctionsTotal, 1);
  });

  it('reloads PostgreSQL for a confirmed value mismatch whatever its origin, and leaves overrides alone', async () => {
    const { ports, checker } = harness();
    ports.overrides = [autoconf('work_mem', '64MB')];
    ports.settings = nodeSettings({ work_mem: '16384', random_page_cost: '1.5' });
    ports.dcs = { work_mem: '16MB', random_page_cost: '1.1' };
    ports.tuner = new Map([['work_mem', ['8MB']]]);
    await checker.check();
    const report = await checker.check();
    assert.deepEqual(report.drifts.map((drift) => [drift.name, drift.kind, drift.origin]), [
      ['random_page_cost', 'value_mismatch', 'other'],
      ['work_mem', 'autoconf_override', 'other'],
    ]);
    assert.deepEqual(report.corrected, [{ name: 'random_page_cost', kind: 'value_mismatch', action: 'reload' }]);
    assert.deepEqual(ports.log, [
      'event drift_detected random_page_cost',
      'event drift_detected work_mem',
      'event drift_corrected random_page_cost',
      'reload',
    ]);
    assert.equal(checker.correctionsTotal, 1);
  });

  it('reloads PostgreSQL for a confirmed value mismatch the tuner caused', async () => {
    const { ports, checker } = harness();
    ports.settings = nodeSettings({ work_mem: '8192' });
    ports.tuner = new Map([['work_mem', ['8MB', '16MB']]]);
    await checker.check();
    const report = await checker.check();
    assert.deepEqual(report.corrected, [{ name: 'work_mem', kind: 'value_mismatch', action: 'reload' }]);
    assert.deepEqual(ports.log, ['event drift_detected work_mem', 'event drift_corrected work_mem', 'reload']);
    assert.equal(checker.correctionsTotal, 1);
  });

  it('corrects a drift once: one a reload cannot fix is then reported, until it goes away and comes back', async () => {
    const { ports, checker } = harness();
    ports.settings = nodeSettings({ work_mem: '8192' });
    ports.tuner = new Map([['work_mem', ['8MB', '16MB']]]);
    await checker.check();
    assert.equal((await checker.check()).corrected.length, 1);
    // The reload changed nothing (the fake node keeps 8MB).
    const stuck = await checker.check();
    assert.deepEqual(stuck.corrected, []);
    assert.match(stuck.error ?? '', /work_mem: still drifted after it was corrected \(reload\); left for a person/);
    assert.deepEqual(ports.log.filter((entry) => entry === 'reload'), ['reload']);
    // Fixed by a person, then drifted again: a new drift, corrected again.
    ports.settings = nodeSettings({ work_mem: '16384' });
    await checker.check();
    ports.settings = nodeSettings({ work_mem: '8192' });
    await checker.check();
    assert.equal((await checker.check()).corrected.length, 1);
    assert.deepEqual(ports.log.filter((entry) => entry === 'reload'), ['reload', 'reload']);
  });

  it('resets several overrides in one call, after all their events (removeOverrides)', async () => {
    const { ports, checker } = harness({ removeOverrides: true });
    ports.overrides = [autoconf('work_mem', '8MB'), autoconf('random_page_cost', '1.1')];
    await checker.check();
    const report = await checker.check();
    assert.deepEqual(ports.log.slice(2), ['event drift_corrected random_page_cost', 'event drift_corrected work_mem', 'reset random_page_cost,work_mem']);
    assert.equal(report.corrected.length, 2);
    assert.equal(checker.correctionsTotal, 2);
  });
});

describe('DriftChecker: failures', () => {
  it('reports a failing read with no drifts, and confirms afresh afterwards', async () => {
    const { ports, checker } = harness({ removeOverrides: true });
    tunerOverride(ports);
    await checker.check();
    ports.failing.set('readOverrides', new Error('connection refused'));
    const failed = await checker.check();
    assert.deepEqual([failed.drifts, failed.pending, failed.corrected], [[], [], []]);
    assert.match(failed.error ?? '', /connection refused/);
    assert.equal(checker.latest, failed);

    ports.failing.clear();
    const afterOutage = await checker.check();
    assert.deepEqual(afterOutage.drifts, [], 'the check before the outage does not confirm');
    assert.deepEqual(afterOutage.pending.map((drift) => drift.name), ['work_mem']);
    assert.deepEqual(ports.log, [], 'nothing recorded or corrected without confirmation');

    const confirmed = await checker.check();
    assert.deepEqual(confirmed.corrected.map((entry) => entry.action), ['reset_override']);
  });

  for (const port of ['readSettings', 'dcsParameters'] as const) {
    it(`reports an error when ${port} fails`, async () => {
      const { ports, checker } = harness();
      ports.failing.set(port, new Error(`${port} down`));
      const report = await checker.check();
      assert.match(report.error ?? '', new RegExp(`${port} down`));
      assert.deepEqual(report.drifts, []);
    });
  }

  it('treats nothing as the tuner\'s when the record is unavailable, says so, and still reloads a mismatch', async () => {
    const { ports, checker } = harness();
    ports.settings = nodeSettings({ work_mem: '8192' });
    ports.tuner = new Map([['work_mem', ['8MB', '16MB']]]);
    ports.failing.set('tunerValues', new Error('state database unreachable'));
    await checker.check();
    const report = await checker.check();
    assert.deepEqual(report.drifts.map((drift) => drift.origin), ['other']);
    assert.deepEqual(report.corrected.map((entry) => entry.action), ['reload']);
    assert.match(report.error ?? '', /tuner's record is unavailable/);
  });

  it('makes no correction whose event cannot be recorded, and retries on the next check', async () => {
    const { ports, checker } = harness({ removeOverrides: true });
    tunerOverride(ports);
    ports.failingEvents.add('drift_corrected');
    await checker.check();
    const report = await checker.check();
    assert.deepEqual(report.corrected, []);
    assert.deepEqual(report.drifts.map((drift) => drift.name), ['work_mem']);
    assert.match(report.error ?? '', /drift_corrected for work_mem, not corrected/);
    assert.deepEqual(ports.log, ['event drift_detected work_mem', 'event drift_corrected work_mem (failed)']);
    assert.equal(checker.correctionsTotal, 0);

    ports.failingEvents.clear();
    const retry = await checker.check();
    assert.deepEqual(retry.corrected.map((entry) => entry.name), ['work_mem']);
    assert.deepEqual(ports.log.slice(2), ['event drift_corrected work_mem', 'reset work_mem']);
    assert.equal(retry.error, null);
  });

  it('retries a drift_detected event that could not be recorded', async () => {
    const { ports, checker } = harness();
    ports.overrides = [autoconf('random_page_cost', '1.1')];
    ports.failingEvents.add('drift_detected');
    await checker.check();
    const failed = await checker.check();
    assert.match(failed.error ?? '', /drift_detected for random_page_cost/);
    ports.failingEvents.clear();
    await checker.check();
    await checker.check();
    assert.deepEqual(ports.log, ['event drift_detected random_page_cost (failed)', 'event drift_detected random_page_cost']);
  });

  it('does not count a correction whose action failed', async () => {
    const { ports, checker } = harness({ removeOverrides: true });
    tunerOverride(ports);
    ports.failing.set('resetOverrides', new Error('permission denied to ALTER SYSTEM'));
    await checker.check();
    const report = await checker.check();
    assert.deepEqual(report.corrected, []);
    assert.match(report.error ?? '', /reset_override failed for work_mem: permission denied/);
    assert.equal(checker.correctionsTotal, 0);
  });
});
