/**
 * SessionRunner when applying, verifying or measuring fails: the iteration fails and the best known
 * configuration is restored; when that fails too, the baseline is restored and the session fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PatroniConfigPatch } from '../../../../src/patroni/responses.js';
import type { IterationRecord } from '../../../../src/model/records.js';
import { assertClose, baselineConfiguration, MEMBER_NAMES, SESSION_ID, sessionHarness, T0, type FakeCluster } from './fakes.js';

const PATCH_ERROR = 'PATCH /config failed: Patroni answered 503: not healthy';
const UNCONFIRMED = 'could not confirm the cluster is on its best or baseline configuration: ';
/** The recorded lab's GET /config has no failsafe_mode: Patroni's default, off. */
const FAILSAFE_OFF = ' (Patroni failsafe_mode is off: a leader that cannot reach the DCS is demoted)';

function parametersOf(body: unknown): Record<string, string | null> {
  return ((body as PatroniConfigPatch).postgresql?.parameters ?? {}) as Record<string, string | null>;
}

function states(iterations: IterationRecord[]): string[] {
  return iterations.map((i) => `${i.number}:${i.state}`);
}

/** PATCH number `n` (1-based) and the `count - 1` after it fail. */
function failPatchesFrom(cluster: FakeCluster, n: number, count = 1): void {
  cluster.beforePatch = () => {
    if (cluster.patches.length + 1 === n) cluster.failPatches = count;
  };
}

function assertInForce(cluster: FakeCluster, expected: Record<string, number | string | boolean>): void {
  for (const member of MEMBER_NAMES) {
    for (const [name, value] of Object.entries(expected)) assert.equal(cluster.valueOn(member, name), value, `${name} on ${member}`);
  }
}

async function eventTypes(h: { store: { listEvents(id: string): Promise<Array<{ type: string }>> } }): Promise<string[]> {
  return (await h.store.listEvents(SESSION_ID)).map((e) => e.type);
}

describe('SessionRunner: PATCH /config fails', () => {
  it('fails the iteration, restores the best configuration and goes on', async () => {
    const h = await sessionHarness({
      script: [
        { changes: { work_mem: 8192 } }, // 10 ms: best
        { changes: { random_page_cost: 2 } }, // its PATCH fails
        { changes: { work_mem: 16384, random_page_cost: 1.1 } }, // 6 ms
      ],
    });
    failPatchesFrom(h.cluster, 2);
    const final = await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:measured', '2:failed', '3:measured']);
    const failed = iterations[2]!;
    assert.equal(failed.error, PATCH_ERROR);
    assert.deepEqual(failed.verdicts, [failed.verdicts[0], { guardrail: 'error', ok: false, detail: PATCH_ERROR }]);
    assert.equal(failed.verdicts[0]!.guardrail, 'memory');
    assert.equal(failed.score, null);
    assert.deepEqual(failed.parameters, { work_mem: '4MB', random_page_cost: '2' });

    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.map((p) => [p.iteration, parametersOf(p.body), p.outcome, p.error]),
      [
        [1, { work_mem: '8MB' }, 'ok', null],
        [2, { work_mem: '4MB', random_page_cost: '2' }, 'error', 'Patroni answered 503: not healthy'],
        [2, { work_mem: '8MB', random_page_cost: '4' }, 'ok', null],
        [3, { work_mem: '16MB', random_page_cost: '1.1' }, 'ok', null],
      ],
    );
    const events = await h.store.listEvents(SESSION_ID);
    assert.deepEqual(events.find((e) => e.type === 'iteration_failed')?.detail, { iteration: 2, error: PATCH_ERROR });
    assert.deepEqual(events.find((e) => e.type === 'configuration_restored')?.detail, { iteration: 2, to: 'best' });
    assert.deepEqual(h.optimizerCalls[2]!.history[2], { config: failed.candidate, score: null });

    assert.equal(final.state, 'completed');
    assert.equal(final.result?.bestIteration, 3);
    assertInForce(h.cluster, { work_mem: 16384, random_page_cost: 1.1 });
  });

  it('restores the best even when the configuration in force was a later, worse one', async () => {
    // After iteration 2 (measured, not the best) its configuration is in force; the failed PATCH of
    // iteration 3 changed nothing, so restoring must also undo what iteration 2 changed.
    const h = await sessionHarness({
      script: [
        { changes: { work_mem: 16384, random_page_cost: 1.1 } }, // 6 ms: best
        { changes: { work_mem: 8192, random_page_cost: 1.1 } }, // 8 ms: kept in force
        { changes: { work_mem: 16384, random_page_cost: 1.1, bgwriter_delay: 100 } }, // PATCH fails
      ],
    });
    failPatchesFrom(h.cluster, 3);
    const final = await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:measured', '2:measured', '3:failed']);
    assert.equal(iterations[3]!.error, PATCH_ERROR);
    const restore = (await h.store.listPatches(SESSION_ID))[3]!;
    assert.equal(restore.iteration, 3);
    assert.equal(restore.outcome, 'ok');
    assert.equal(parametersOf(restore.body).work_mem, '16MB');
    assert.equal(final.state, 'completed');
    assert.equal(final.result?.final, 'best');
    assert.equal(final.result?.bestIteration, 1);
    assertInForce(h.cluster, { work_mem: 16384, random_page_cost: 1.1, bgwriter_delay: 200 });
  });

  it('when restoring fails too, restores the baseline and fails the session with the reason', async () => {
    const h = await sessionHarness({
      script: [{ changes: { work_mem: 8192 } }, { changes: { random_page_cost: 2 } }, { changes: { jit: false } }],
    });
    failPatchesFrom(h.cluster, 2, 2); // the iteration's PATCH and the restore of the best
    const final = await h.runner.run();

    const reason = `restoring the best configuration failed (${PATCH_ERROR}); the baseline was restored`;
    assert.equal(final.state, 'failed');
    assert.equal(final.reason, reason);
    assert.equal(final.result, null);
    assert.deepEqual(final.endedAt, new Date(h.clock.now()));
    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.map((p) => [p.iteration, p.outcome]),
      [
        [1, 'ok'],
        [2, 'error'],
        [2, 'error'],
        [null, 'ok'],
      ],
    );
    assert.deepEqual(h.cluster.dcs, h.cluster.initialDcs);
    assertInForce(h.cluster, baselineConfiguration());
    assert.equal(h.optimizerCalls.length, 2, 'no iteration after the failure');
    const events = await h.store.listEvents(SESSION_ID);
    const types = events.map((e) => e.type);
    assert.deepEqual(
      ['iteration_failed', 'restore_failed', 'baseline_restored', 'session_failed'].map((t) => types.indexOf(t)),
      [types.length - 4, types.length - 3, types.length - 2, types.length - 1],
    );
    assert.equal(types.filter((t) => t === 'session_failed').length, 1);
    assert.deepEqual(events.find((e) => e.type === 'restore_failed')?.detail, { iteration: 2, error: PATCH_ERROR });
    assert.deepEqual(events.at(-1)?.detail, { reason });
  });

  it('a regression whose restore fails stays reverted and fails the session on the baseline', async () => {
    const h = await sessionHarness({
      script: [{ changes: { work_mem: 8192 } }, { changes: { commit_delay: 10000 } }, { changes: { jit: false } }],
    });
    failPatchesFrom(h.cluster, 3); // the restore after the regression
    const final = await h.runner.run();

    assert.equal(final.state, 'failed');
    assert.equal(final.reason, `restoring the best configuration failed (${PATCH_ERROR}); the baseline was restored`);
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:measured', '2:reverted']);
    assertClose(iterations[2]!.score, 37.5);
    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.map((p) => [p.iteration, p.outcome]),
      [
        [1, 'ok'],
        [2, 'ok'],
        [2, 'error'],
        [null, 'ok'],
      ],
      'nothing is sent after the baseline was restored',
    );
    assert.deepEqual(h.cluster.dcs, h.cluster.initialDcs);
    assertInForce(h.cluster, baselineConfiguration());
    assert.equal(h.optimizerCalls.length, 2);
  });
});

describe('SessionRunner: verification on the members', () => {
  it('a lagging member fails the iteration when the verify timeout passes', async () => {
    const h = await sessionHarness({ options: { iterations: 1 }, script: [{ changes: { work_mem: 8192 } }] });
    h.cluster.setLagging('node3');
    const final = await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:failed']);
    const failed = iterations[1]!;
    assert.equal(failed.error, 'not verified on node3 (work_mem is 4096, expected 8192)');
    // What each member showed is kept on the failed iteration.
    assert.deepEqual(
      failed.verification.map((v) => [v.member, v.verified, v.mismatches]),
      [
        ['node1', true, []],
        ['node2', true, []],
        ['node3', false, [{ name: 'work_mem', expected: 8192, actual: '4096' }]],
      ],
    );
    assert.equal(failed.measurement, null);
    const [sent, restore] = await h.store.listPatches(SESSION_ID);
    // Polled every 500 ms until the 5 s deadline, then failed at once.
    assert.equal(failed.endedAt!.getTime() - sent!.sentAt.getTime(), 5000);
    assert.deepEqual(h.clock.sleeps.slice(2, 12), Array(10).fill(500));
    assert.equal(restore!.sentAt.getTime(), failed.endedAt!.getTime());
    assert.deepEqual(parametersOf(restore!.body), { work_mem: '4MB' });
    // node3 still shows the baseline, so restoring it (and ending on it) verifies.
    assert.equal(final.state, 'completed');
    assert.equal(final.result?.final, 'baseline');
    assert.deepEqual(h.cluster.dcs, h.cluster.initialDcs);
    assertInForce(h.cluster, baselineConfiguration());
  });

  it('pending_restart of a tuned parameter on a member fails at once, without waiting for the timeout; unverified, the session halts', async () => {
    const h = await sessionHarness({ options: { iterations: 2 }, script: [{ changes: { work_mem: 8192 } }, { changes: { jit: false } }] });
    h.cluster.afterPatch = () => {
      h.cluster.member('node2').pendingRestart = ['work_mem'];
    };
    const final = await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:failed']);
    assert.equal(iterations[1]!.error, 'not verified on node2 (pending restart: work_mem)');
    const patches = await h.store.listPatches(SESSION_ID);
    assert.equal(iterations[1]!.endedAt!.getTime(), patches[0]!.sentAt.getTime(), 'no time passed');
    // The restart never clears by waiting, so the restores fail as fast and the session fails.
    assert.deepEqual(h.clock.sleeps, [2000, 10000], 'only the baseline window: no verify polling');
    assert.equal(h.cluster.memberReads, 3);
    assert.deepEqual(
      patches.map((p) => [p.iteration, p.outcome]),
      [
        [1, 'ok'],
        [1, 'ok'],
        [null, 'ok'],
      ],
    );
    // The baseline was sent but never verified: the failover protocol takes over (DESIGN.md §4 rule 11).
    assert.equal(final.state, 'halted');
    assert.equal(final.reason, `${UNCONFIRMED}not verified on node2 (pending restart: work_mem)${FAILSAFE_OFF}`);
    assert.deepEqual(h.cluster.dcs, h.cluster.initialDcs, 'the baseline was sent all the same');
  });

  it('an unreachable member fails verification after the timeout; the session halts unverified', async () => {
    const h = await sessionHarness({ options: { iterations: 2 }, script: [{ changes: { work_mem: 8192 } }, { changes: { jit: false } }] });
    h.cluster.afterPatch = () => {
      h.cluster.member('node2').unreachable = true;
    };
    const final = await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.equal(iterations[1]!.error, 'not verified on node2 (connection to node2 refused)');
    assert.equal(final.state, 'halted');
    assert.equal(final.reason, `${UNCONFIRMED}not verified on node2 (connection to node2 refused)${FAILSAFE_OFF}`);
    assert.equal(h.clock.now() - T0, 2000 + 10000 + 3 * 5000, 'three verifications, each to its deadline');
    assert.deepEqual(h.cluster.dcs, h.cluster.initialDcs);
  });
});

describe('SessionRunner: measurement and validation failures', () => {
  it('counters going backwards fail the iteration, which is restored', async () => {
    const h = await sessionHarness({ options: { iterations: 2 }, script: [{ changes: { work_mem: 8192 } }, { changes: { work_mem: 16384 } }] });
    h.cluster.onSnapshot = (count) => {
      if (count === 3) h.cluster.resetCounters(); // right after iteration 1's first snapshot
    };
    const final = await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:failed', '2:measured']);
    assert.equal(iterations[1]!.error, 'transaction counters went backwards (statistics reset or restart)');
    assert.equal(iterations[1]!.measurement, null);
    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.map((p) => [p.iteration, parametersOf(p.body)]),
      [
        [1, { work_mem: '8MB' }],
        [1, { work_mem: '4MB' }],
        [2, { work_mem: '16MB' }],
      ],
    );
    assert.equal(final.state, 'completed');
    assert.equal(final.result?.bestIteration, 2);
  });

  it('an idle window during an iteration fails it', async () => {
    const h = await sessionHarness({ options: { iterations: 1 }, script: [{ changes: { work_mem: 8192 } }] });
    h.cluster.onSnapshot = (count) => {
      if (count === 3) h.cluster.idle = true;
    };
    const final = await h.runner.run();
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.equal(iterations[1]!.state, 'failed');
    assert.equal(iterations[1]!.error, 'no workload was observed during the measurement window');
    assert.equal(final.state, 'completed');
    assert.equal(final.result?.final, 'baseline');
  });

  it('a candidate that does not validate is never sent', async () => {
    const h = await sessionHarness({ options: { iterations: 1 }, script: [{ changes: { random_page_cost: 10 } }] });
    const final = await h.runner.run();
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.equal(iterations[1]!.state, 'failed');
    assert.match(iterations[1]!.error!, /^invalid candidate, not sent: .*random_page_cost: 10 is outside the search range 1\.\.4$/);
    assert.deepEqual(iterations[1]!.parameters, {});
    assert.deepEqual(
      (await h.store.listPatches(SESSION_ID)).map((p) => p.iteration),
      [null],
      'only the final restore of the baseline',
    );
    assert.equal(final.state, 'completed');
  });

  it('an idle workload during the baseline fails the session before anything is applied', async () => {
    const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }] });
    h.cluster.idle = true;
    const final = await h.runner.run();

    assert.equal(final.state, 'failed');
    assert.equal(final.reason, 'no workload was observed during the baseline window; nothing to tune against');
    assert.equal(final.result, null);
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:failed']);
    assert.equal(iterations[0]!.error, 'no workload was observed during the baseline window');
    assert.deepEqual(iterations[0]!.measurement, { windowSeconds: 10, meanQueryTimeMs: null, calls: 0, transactionsPerSecond: 0, comparison: null });
    assert.deepEqual(await h.store.listPatches(SESSION_ID), []);
    assert.deepEqual(h.cluster.patches, []);
    assert.deepEqual(h.cluster.log.filter((c) => c === 'checkLeader'), ['checkLeader'], 'only the check before the first change');
    assert.equal(h.optimizerCalls.length, 0);
    assert.equal((await eventTypes(h)).at(-1), 'session_failed');
    assert.equal((await eventTypes(h)).includes('session_finishing'), false);
  });
});
