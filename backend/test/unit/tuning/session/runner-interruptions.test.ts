/**
 * SessionRunner interrupted: a person's stop ends the session on its best (or the baseline)
 * configuration, verified; a halt (topology change, or the fresh role check failing) stops
 * everything at once and nothing is applied afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PatroniConfigPatch } from '../../../../src/patroni/responses.js';
import type { IterationRecord } from '../../../../src/model/records.js';
import { baselineConfiguration, MEMBER_NAMES, SESSION_ID, sessionHarness, type FakeCluster, type Harness } from './fakes.js';

function parametersOf(body: unknown): Record<string, string | null> {
  return ((body as PatroniConfigPatch).postgresql?.parameters ?? {}) as Record<string, string | null>;
}

function states(iterations: IterationRecord[]): string[] {
  return iterations.map((i) => `${i.number}:${i.state}`);
}

function assertInForce(cluster: FakeCluster, expected: Record<string, number | string | boolean>): void {
  for (const member of MEMBER_NAMES) {
    for (const [name, value] of Object.entries(expected)) assert.equal(cluster.valueOn(member, name), value, `${name} on ${member}`);
  }
}

/** The port calls made after the `n`-th call named `call`. */
function callsAfter(cluster: FakeCluster, call: string, n = 1): string[] {
  let seen = 0;
  const index = cluster.log.findIndex((c) => c === call && ++seen === n);
  assert.notEqual(index, -1, `${call} #${n} was called`);
  return cluster.log.slice(index + 1);
}

async function eventTypes(h: Harness): Promise<string[]> {
  return (await h.store.listEvents(SESSION_ID)).map((e) => e.type);
}

// Snapshots: 1-2 are the baseline window, 3-4 iteration 1's, 5-6 iteration 2's (when each is measured).

describe('SessionRunner: stop', () => {
  it('a stop during a measurement window ends the session on the best configuration, verified', async () => {
    const h = await sessionHarness({
      options: { iterations: 5 },
      script: [{ changes: { work_mem: 8192 } }, { changes: { random_page_cost: 2 } }],
    });
    h.cluster.onSnapshot = (count) => {
      if (count === 5) h.runner.requestStop();
    };
    const final = await h.runner.run();

    assert.equal(final.state, 'stopped');
    assert.equal(final.reason, 'stopped on request');
    assert.ok(final.endedAt instanceof Date);
    assert.equal(final.result?.final, 'best');
    assert.equal(final.result?.bestIteration, 1);
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:measured', '2:failed']);
    assert.equal(iterations[2]!.error, 'interrupted: stopped on request');
    assert.equal(iterations[2]!.score, null);
    assert.equal(h.optimizerCalls.length, 2, 'no iteration after the stop');
    assert.equal(h.cluster.snapshots, 5, 'the window was cut short');

    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.map((p) => [p.iteration, parametersOf(p.body), p.outcome]),
      [
        [1, { work_mem: '8MB' }, 'ok'],
        [2, { work_mem: '4MB', random_page_cost: '2' }, 'ok'],
        [null, { work_mem: '8MB', random_page_cost: '4' }, 'ok'],
      ],
    );
    assert.deepEqual(callsAfter(h.cluster, 'patch', 3), ['readMemberSettings'], 'the final configuration is verified');
    assertInForce(h.cluster, { work_mem: 8192, random_page_cost: 4 });
    assert.deepEqual((await eventTypes(h)).slice(-3), ['session_finishing', 'final_configuration_applied', 'session_stopped']);
  });

  it('a stop before anything beat the baseline restores the baseline', async () => {
    const h = await sessionHarness({ options: { iterations: 5 }, script: [{ changes: { random_page_cost: 3.5 } }] });
    h.cluster.onSnapshot = (count) => {
      if (count === 3) h.runner.requestStop('enough for today');
    };
    const final = await h.runner.run();

    assert.equal(final.state, 'stopped');
    assert.equal(final.reason, 'enough for today');
    assert.equal(final.result?.final, 'baseline');
    assert.equal(final.result?.bestIteration, null);
    assert.deepEqual(h.cluster.dcs, h.cluster.initialDcs);
    assertInForce(h.cluster, baselineConfiguration());
    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.map((p) => [p.iteration, p.outcome]),
      [
        [1, 'ok'],
        [null, 'ok'],
      ],
    );
    assert.equal(h.cluster.log.at(-1), 'readMemberSettings');
  });

  it('a stop during the baseline window ends the session stopped on the baseline, with nothing applied', async () => {
    for (const abortStyle of ['reason', 'abort-error'] as const) {
      const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }] });
      h.clock.abortStyle = abortStyle;
      h.cluster.onSnapshot = (count) => {
        if (count === 1) h.runner.requestStop();
      };
      const final = await h.runner.run();

      assert.equal(final.state, 'stopped', abortStyle);
      assert.equal(final.reason, 'stopped on request');
      assert.deepEqual(final.result, { final: 'baseline', bestIteration: null, baselineScore: null, bestScore: null, improvementRatio: null });
      assert.ok(final.endedAt instanceof Date);
      assert.deepEqual(h.cluster.patches, []);
      assert.deepEqual(h.cluster.log.filter((c) => c === 'checkLeader'), ['checkLeader'], 'only the check before the first change');
      assert.equal(h.optimizerCalls.length, 0);
      assert.equal((await eventTypes(h)).includes('session_failed'), false);
      assert.equal((await eventTypes(h)).at(-1), 'session_stopped');
    }
  });

  it('only a halt cuts the final apply of a stopped session short', async () => {
    const h = await sessionHarness({
      options: { iterations: 5 },
      script: [{ changes: { work_mem: 8192 } }, { changes: { random_page_cost: 2 } }],
    });
    h.cluster.onSnapshot = (count) => {
      if (count !== 5) return;
      h.runner.requestStop();
      h.cluster.setLagging('node3'); // the final configuration will not verify at once
    };
    let polls = 0;
    h.clock.onSleep = (ms) => {
      if (ms !== 500) return;
      polls += 1;
      if (polls === 1) h.runner.requestStop('a second stop changes nothing');
      if (polls === 3) h.runner.halt('topology changed: leader_lost');
    };
    const final = await h.runner.run();

    assert.equal(final.state, 'halted');
    assert.equal(final.reason, 'topology changed: leader_lost');
    assert.equal(final.endedAt, null, 'a halted session is not over: it awaits the failover protocol');
    assert.equal(polls, 3);
    assert.equal(h.cluster.patches.length, 3);
    assert.deepEqual(
      callsAfter(h.cluster, 'patch', 3).filter((c) => c !== 'readMemberSettings'),
      [],
      'nothing after the final PATCH but its verification',
    );
  });
});

describe('SessionRunner: halt', () => {
  it('the fresh role check failing before an apply halts the session; no PATCH is sent', async () => {
    const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }, { changes: { random_page_cost: 2 } }] });
    h.cluster.afterPatch = () => {
      h.cluster.role = { leader: false, reason: 'Patroni reports role replica' };
    };
    const final = await h.runner.run();

    const reason = 'not changing configuration: Patroni reports role replica';
    assert.equal(final.state, 'halted');
    assert.equal(final.reason, reason);
    assert.equal(final.result, null);
    assert.equal(final.endedAt, null);
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:measured', '2:failed']);
    assert.equal(iterations[2]!.error, `interrupted: ${reason}`);
    assert.equal(h.cluster.patches.length, 1);
    assert.deepEqual((await h.store.listPatches(SESSION_ID)).map((p) => p.iteration), [1]);
    assert.deepEqual(callsAfter(h.cluster, 'checkLeader', 3), [], 'nothing at all after the failed check (the 3rd: start, iteration 1, 2)');
    assert.equal(h.optimizerCalls.length, 2);
    const events = await h.store.listEvents(SESSION_ID);
    assert.equal(events.at(-1)?.type, 'session_halted');
    assert.deepEqual(events.at(-1)?.detail, { reason });
    assert.equal((await h.store.getSession(SESSION_ID))?.state, 'halted');
  });

  it('halt() during a measurement stops the session; nothing is applied afterwards', async () => {
    const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }, { changes: { random_page_cost: 2 } }] });
    h.cluster.onSnapshot = (count) => {
      if (count === 3) h.runner.halt('topology changed: leader_changed');
    };
    const final = await h.runner.run();

    assert.equal(final.state, 'halted');
    assert.equal(final.reason, 'topology changed: leader_changed');
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:failed']);
    assert.equal(iterations[1]!.error, 'interrupted: topology changed: leader_changed');
    assert.deepEqual(callsAfter(h.cluster, 'snapshot', 3), [], 'no PATCH, no role check, no verification');
    assert.equal(h.cluster.patches.length, 1);
    // The candidate stays in force: the failover protocol restores the baseline later.
    assertInForce(h.cluster, { work_mem: 8192 });
    assert.equal(h.optimizerCalls.length, 1);
  });

  it('halt() during verification polling stops at once', async () => {
    const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }] });
    h.cluster.setLagging('node3');
    h.clock.onSleep = (ms) => {
      if (ms === 500) h.runner.halt('topology changed: paused');
    };
    const final = await h.runner.run();
    assert.equal(final.state, 'halted');
    assert.equal(h.cluster.patches.length, 1);
    assert.equal(h.cluster.memberReads, 1);
    assert.deepEqual(callsAfter(h.cluster, 'readMemberSettings'), []);
  });

  it('a halt while restoring after a regression sends nothing more, also with AbortError sleeps', async () => {
    for (const abortStyle of ['reason', 'abort-error'] as const) {
      const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }, { changes: { commit_delay: 10000 } }] });
      h.clock.abortStyle = abortStyle;
      h.cluster.afterPatch = () => {
        // From the regressed candidate on, node3 keeps showing it: the restore polls.
        if (h.cluster.patches.length === 2) h.cluster.setLagging('node3');
      };
      h.clock.onSleep = (ms) => {
        if (ms === 500) h.runner.halt('topology changed: lock_released');
      };
      const final = await h.runner.run();

      assert.equal(final.state, 'halted', abortStyle);
      assert.equal(final.reason, 'topology changed: lock_released');
      assert.deepEqual(
        h.cluster.patches.map((p) => parametersOf(p.body)),
        [{ work_mem: '8MB' }, { work_mem: '4MB', commit_delay: '10000' }, { work_mem: '8MB', commit_delay: '0' }],
        abortStyle,
      );
      assert.deepEqual(callsAfter(h.cluster, 'patch', 3), ['readMemberSettings'], abortStyle);
      const types = await eventTypes(h);
      assert.equal(types.includes('restore_failed'), false, `${abortStyle}: a halt is not a failed restore`);
      assert.equal(types.includes('baseline_restored'), false, abortStyle);
      assert.equal(types.at(-1), 'session_halted', abortStyle);
    }
  });

  it('a halt during a measurement with AbortError sleeps (as node:timers/promises rejects) halts too', async () => {
    const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }] });
    h.clock.abortStyle = 'abort-error';
    h.cluster.onSnapshot = (count) => {
      if (count === 3) h.runner.halt('topology changed: timeline_changed');
    };
    const final = await h.runner.run();
    assert.equal(final.state, 'halted');
    assert.equal(final.reason, 'topology changed: timeline_changed');
    assert.deepEqual(callsAfter(h.cluster, 'snapshot', 3), []);
  });

  it('a halt after a stop wins, and a stop after a halt changes nothing', async () => {
    const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }] });
    h.cluster.onSnapshot = (count) => {
      if (count !== 3) return;
      h.runner.requestStop();
      h.runner.halt('topology changed: leader_lost');
      h.runner.requestStop('too late');
    };
    const final = await h.runner.run();
    assert.equal(final.state, 'halted');
    assert.equal(final.reason, 'topology changed: leader_lost');
    assert.equal(h.cluster.patches.length, 1);
  });
});
