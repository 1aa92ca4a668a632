/**
 * Restoring the baseline and acknowledging: only the agent beside the committed, healthy leader is
 * asked to restore; failures back off and retry; a leader change falls back to recovering and a late
 * outcome is ignored; unreachable members are recorded as unverified; a person acknowledges only
 * once the baseline is back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acknowledge,
  membersVerified,
  restoreFailed,
  restoreSucceeded,
  startFailover,
  step,
  type FailoverState,
} from '../../../../src/tuning/failover/index.js';
import { eventsOf, ofType, run, shaped, summary, T0, type Op } from './support.js';

const node2 = shaped({ leader: 'node2', timeline: 2 });
const node3 = shaped({ leader: 'node3', timeline: 3 });

function halted(): FailoverState {
  return startFailover({ sessionId: 's-1', haltedAt: T0, reason: 'topology changed: leader_changed', changedAt: T0 - 1_000 }).state;
}

function after(ops: Op[], from: FailoverState = halted()) {
  const { states, actions } = run(from, ops);
  return { state: states.at(-1)!, states, actions, summary: summary(actions) };
}

/** Grace ended at +334000 as seen by the agent beside node1 (a replica): restoring, nothing asked yet. */
function restoringSeenByReplica(): FailoverState {
  return after([
    { op: 'observe', t: 4_000, topology: node2, self: 'node1' },
    { op: 'observe', t: 34_000, topology: node2, self: 'node1' },
    { op: 'observe', t: 334_000, topology: node2, self: 'node1' },
  ]).state;
}

/** The same, seen by node2's agent: attempt 1 in flight since +334000. */
function restoringInFlight(): FailoverState {
  return after([
    { op: 'observe', t: 4_000, topology: node2, self: 'node2' },
    { op: 'observe', t: 34_000, topology: node2, self: 'node2' },
    { op: 'observe', t: 334_000, topology: node2, self: 'node2' },
  ]).state;
}

describe('failover protocol: who restores', () => {
  it('an agent not beside the leader never gets a restore action, in any phase; the leader’s agent does', () => {
    const restoring = restoringSeenByReplica();
    assert.equal(restoring.phase, 'restoring');
    assert.equal(restoring.restore.inFlight, null);
    assert.equal(restoring.restore.attempts, 0);
    for (const self of ['node1', 'node3', 'nodeX', null]) {
      const r = step(restoring, { now: T0 + 335_000, topology: node2, self });
      assert.equal(r.state, restoring, `self ${self}`);
      assert.deepEqual(r.actions, []);
    }
    const leader = step(restoring, { now: T0 + 336_000, topology: node2, self: 'node2' });
    assert.deepEqual(summary(leader.actions), ['requested#1@+336000 by node2', 'RESTORE#1 via node2']);
    assert.deepEqual(leader.state.restore.inFlight, { attempt: 1, startedAt: T0 + 336_000, by: 'node2' });
    assert.equal(leader.state.phaseEndsAt, null);
  });

  it('a self that names the leader but a topology that does not show it healthy gets nothing', () => {
    const restoring = restoringSeenByReplica();
    const r = step(restoring, { now: T0 + 335_000, topology: null, self: 'node2' });
    assert.equal(r.state, restoring);
    assert.deepEqual(r.actions, []);
  });

  it('an attempt in flight is asked for once, however many steps follow', () => {
    const inFlight = restoringInFlight();
    const r = after(
      [
        { op: 'observe', t: 335_000, topology: node2, self: 'node2' },
        { op: 'observe', t: 400_000, topology: node2, self: 'node2' },
      ],
      inFlight,
    );
    assert.deepEqual(r.actions, []);
    assert.equal(r.state, inFlight);
  });

  it('a non-leader agent steps the protocol through every phase without ever being asked to restore', () => {
    const r = after([
      { op: 'observe', t: 4_000, topology: node2, self: 'node1' },
      { op: 'observe', t: 34_000, topology: node2, self: 'node1' },
      { op: 'observe', t: 334_000, topology: node2, self: 'node1' },
      { op: 'observe', t: 500_000, topology: node2, self: 'node1' },
    ]);
    assert.equal(r.actions.some((action) => action.type === 'restore_baseline'), false);
    assert.equal(r.state.phase, 'restoring');
  });
});

describe('failover protocol: restore failures and retries', () => {
  it('Patroni unreachable while restoring: failed → backoff (1 s doubling to 30 s) → retry → success', () => {
    const error = 'Patroni unreachable: connect ECONNREFUSED 127.0.0.1:8008';
    const r = after(
      [
        // Patroni stops answering: no observation can confirm the leader, the attempt in flight fails.
        { op: 'observe', t: 334_500, topology: null, self: 'node2' },
        { op: 'failed', t: 335_000, attempt: 1, error },
        { op: 'observe', t: 335_999, topology: node2, self: 'node2' },
        { op: 'observe', t: 336_000, topology: node2, self: 'node2' },
        { op: 'failed', t: 336_100, attempt: 2, error },
        { op: 'observe', t: 338_100, topology: node2, self: 'node2' },
        { op: 'failed', t: 338_100, attempt: 3, error },
        { op: 'observe', t: 342_100, topology: node2, self: 'node2' },
        { op: 'failed', t: 342_100, attempt: 4, error },
        { op: 'observe', t: 350_100, topology: node2, self: 'node2' },
        { op: 'failed', t: 350_100, attempt: 5, error },
        { op: 'observe', t: 366_100, topology: node2, self: 'node2' },
        { op: 'failed', t: 366_100, attempt: 6, error },
        // Patroni still unreachable when the backoff ends: nothing is asked until it answers again.
        { op: 'observe', t: 396_100, topology: null, self: 'node2' },
        { op: 'observe', t: 397_000, topology: node2, self: 'node2' },
        { op: 'failed', t: 397_000, attempt: 7, error },
        { op: 'observe', t: 427_000, topology: node2, self: 'node2' },
        { op: 'succeeded', t: 428_000, attempt: 8 },
      ],
      restoringInFlight(),
    );
    assert.deepEqual(r.summary, [
      'failed#1@+335000 retry+1000',
      'requested#2@+336000 by node2',
      'RESTORE#2 via node2',
      'failed#2@+336100 retry+2000',
      'requested#3@+338100 by node2',
      'RESTORE#3 via node2',
      'failed#3@+338100 retry+4000',
      'requested#4@+342100 by node2',
      'RESTORE#4 via node2',
      'failed#4@+342100 retry+8000',
      'requested#5@+350100 by node2',
      'RESTORE#5 via node2',
      'failed#5@+350100 retry+16000',
      'requested#6@+366100 by node2',
      'RESTORE#6 via node2',
      'failed#6@+366100 retry+30000',
      'requested#7@+397000 by node2',
      'RESTORE#7 via node2',
      'failed#7@+397000 retry+30000',
      'requested#8@+427000 by node2',
      'RESTORE#8 via node2',
      'restoring→awaiting_acknowledgement:restored@+428000',
    ]);
    // After the first failure: the backoff is the phase's end, and a step before it does nothing.
    const afterFirst = r.states[1]!;
    assert.equal(afterFirst.phase, 'restoring');
    assert.equal(afterFirst.phaseEndsAt, T0 + 336_000);
    assert.deepEqual(afterFirst.restore, {
      attempts: 1,
      inFlight: null,
      failures: 1,
      nextAttemptAt: T0 + 336_000,
      lastError: error,
      restoredAt: null,
      restoredBy: null,
      restoredAttempt: null,
      unverified: [],
      unresolved: null,
      changedBySomeoneElse: [],
    });
    assert.equal(r.states[2], afterFirst, 'one ms before the backoff ends: nothing');
    assert.equal(r.states[13], r.states[12], 'Patroni unreachable when the backoff ends: nothing');
    assert.deepEqual(eventsOf(r.actions)[0], {
      type: 'failover_restore_failed',
      sessionId: 's-1',
      at: T0 + 335_000,
      member: 'node2',
      detail: { attempt: 1, error, failures: 1, backoffMs: 1_000, retryAt: T0 + 336_000 },
    });
    assert.equal(r.state.phase, 'awaiting_acknowledgement');
    assert.equal(r.state.restore.restoredAttempt, 8);
    assert.equal(r.state.restore.failures, 7);
    assert.equal(r.state.restore.lastError, error, 'the last error stays on record');
  });

  it('the backoff follows the settings', () => {
    const settings = { stabilisationMs: 30_000, graceMs: 300_000, restoreBackoffMs: { initial: 250, max: 600 }, restoreMaxAttempts: 10 };
    let state = restoringInFlight();
    const backoffs: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const failed = restoreFailed(state, { now: state.updatedAt, attempt, error: 'e' }, settings);
      backoffs.push(ofType(eventsOf(failed.actions)[0], 'failover_restore_failed').detail.backoffMs);
      state = step(failed.state, { now: failed.state.restore.nextAttemptAt!, topology: node2, self: 'node2' }, settings).state;
    }
    assert.deepEqual(backoffs, [250, 500, 600, 600]);
  });

  it('the leader changes while an attempt is in flight: back to recovering; the late outcome is ignored; attempts keep counting', () => {
    const r = after(
      [
        { op: 'observe', t: 335_000, topology: node3, self: 'node2' },
        { op: 'succeeded', t: 336_000, attempt: 1 },
        { op: 'observe', t: 365_000, topology: node3, self: 'node3' },
        { op: 'observe', t: 665_000, topology: node3, self: 'node3' },
      ],
      restoringInFlight(),
    );
    assert.deepEqual(r.summary, [
      'restoring→recovering:leader_changed@+335000',
      'recovering→stabilising:leader_healthy@+335000',
      'ignored#1:succeeded@+336000',
      'stabilising→grace:stabilised@+365000',
      'grace→restoring:grace_ended@+665000',
      'requested#2@+665000 by node3',
      'RESTORE#2 via node3',
    ]);
    const events = eventsOf(r.actions);
    assert.equal(ofType(events[0], 'failover_phase_changed').detail.abandonedAttempt, 1);
    assert.deepEqual(events[2], {
      type: 'failover_restore_outcome_ignored',
      sessionId: 's-1',
      at: T0 + 336_000,
      member: null,
      detail: { attempt: 1, outcome: 'succeeded', phase: 'stabilising', reason: 'the protocol is in phase stabilising' },
    });
    assert.equal(r.states[1], r.states[0], 'an ignored outcome leaves the state as it is');
    assert.equal(r.states[0]!.restore.inFlight, null);
    assert.equal(r.states[0]!.restarts, 1);
  });

  it('the leader changes during a backoff: back to recovering, and the next restoring starts without a backoff', () => {
    const failed = restoreFailed(restoringInFlight(), { now: T0 + 335_000, attempt: 1, error: 'e' }).state;
    assert.equal(failed.restore.failures, 1);
    const r = after(
      [
        { op: 'observe', t: 335_500, topology: shaped({ leader: 'node2', timeline: 2, leaderHealth: 'failed' }), self: 'node2' },
        { op: 'observe', t: 340_000, topology: node2, self: 'node2' },
        { op: 'observe', t: 370_000, topology: node2, self: 'node2' },
        { op: 'observe', t: 670_000, topology: node2, self: 'node2' },
      ],
      failed,
    );
    assert.deepEqual(r.summary, [
      'restoring→recovering:leader_unhealthy@+335500',
      'recovering→stabilising:leader_healthy@+340000',
      'stabilising→grace:stabilised@+370000',
      'grace→restoring:grace_ended@+670000',
      'requested#2@+670000 by node2',
      'RESTORE#2 via node2',
    ]);
    assert.equal(r.states[0]!.restore.nextAttemptAt, null);
    assert.equal(r.states[0]!.restore.failures, 0);
  });

  it('an outcome for an attempt that is not the one in flight, or when none is, is ignored', () => {
    const inFlight = restoringInFlight();
    const wrong = restoreFailed(inFlight, { now: T0 + 335_000, attempt: 7, error: 'e' });
    assert.equal(wrong.state, inFlight);
    assert.deepEqual(summary(wrong.actions), ['ignored#7:failed@+335000']);
    assert.equal(ofType(eventsOf(wrong.actions)[0], 'failover_restore_outcome_ignored').detail.reason, 'attempt 1 is the one in flight');

    const wrongSuccess = restoreSucceeded(inFlight, { now: T0 + 335_000, attempt: 2, unverified: [] });
    assert.equal(wrongSuccess.state, inFlight);
    assert.deepEqual(summary(wrongSuccess.actions), ['ignored#2:succeeded@+335000']);

    const none = restoreFailed(restoringSeenByReplica(), { now: T0 + 335_000, attempt: 1, error: 'e' });
    assert.equal(ofType(eventsOf(none.actions)[0], 'failover_restore_outcome_ignored').detail.reason, 'no restore attempt is in flight');
    const early = restoreSucceeded(halted(), { now: T0 + 1, attempt: 1, unverified: [] });
    assert.equal(early.state.phase, 'halted');
    assert.deepEqual(summary(early.actions), ['ignored#1:succeeded@+1']);
  });
});

describe('failover protocol: restored', () => {
  it('members that could not be reached are recorded as unverified (sorted, once each)', () => {
    const r = restoreSucceeded(restoringInFlight(), { now: T0 + 340_000, attempt: 1, unverified: ['node3', 'node1', 'node3'] });
    assert.equal(r.state.phase, 'awaiting_acknowledgement');
    assert.deepEqual(r.state.restore.unverified, ['node1', 'node3']);
    assert.deepEqual(eventsOf(r.actions)[0]!.detail, {
      from: 'restoring',
      to: 'awaiting_acknowledgement',
      cause: 'restored',
      inPreviousPhaseMs: 6_000,
      sinceHaltMs: 340_000,
      leader: 'node2',
      timeline: 2,
      phaseEndsAt: null,
      restore: { attempt: 1, by: 'node2', unverified: ['node1', 'node3'], changedBySomeoneElse: [] },
    });
  });

  it('a second success report is ignored, and later topology changes no longer matter', () => {
    const awaiting = restoreSucceeded(restoringInFlight(), { now: T0 + 340_000, attempt: 1, unverified: [] }).state;
    const again = restoreSucceeded(awaiting, { now: T0 + 341_000, attempt: 1, unverified: ['node3'] });
    assert.equal(again.state, awaiting);
    assert.deepEqual(summary(again.actions), ['ignored#1:succeeded@+341000']);
    for (const topology of [node3, shaped({ leader: null }), shaped({ leader: 'node2', timeline: 2, paused: true }), null]) {
      const r = step(awaiting, { now: T0 + 400_000, topology, self: 'node2' });
      assert.equal(r.state, awaiting);
      assert.deepEqual(r.actions, []);
    }
  });
});

describe('failover protocol: unverified members verified later', () => {
  it('members that rejoin and show the baseline come off the list, once each; others stay', () => {
    const awaiting = restoreSucceeded(restoringInFlight(), { now: T0 + 340_000, attempt: 1, unverified: ['node1', 'node3'] }).state;
    const r = membersVerified(awaiting, { now: T0 + 350_000, members: ['node3', 'node2', 'node3'] });
    assert.deepEqual(r.state.restore.unverified, ['node1']);
    assert.equal(r.state.phase, 'awaiting_acknowledgement');
    assert.deepEqual(summary(r.actions), ['verified node3@+350000 remaining node1']);
    const none = membersVerified(r.state, { now: T0 + 351_000, members: ['node3'] });
    assert.equal(none.state, r.state);
    assert.deepEqual(none.actions, []);
    const acknowledged = acknowledge(r.state, { now: T0 + 360_000, by: 'dba' });
    assert.ok(acknowledged.ok);
    const last = membersVerified(acknowledged.state, { now: T0 + 370_000, members: ['node1'] });
    assert.deepEqual(last.state.restore.unverified, []);
    assert.equal(last.state.phase, 'acknowledged');
  });

  it('changes nothing before the baseline is restored', () => {
    const inFlight = restoringInFlight();
    const r = membersVerified({ ...inFlight, restore: { ...inFlight.restore, unverified: ['node3'] } }, { now: T0 + 340_000, members: ['node3'] });
    assert.deepEqual(r.actions, []);
    assert.deepEqual(r.state.restore.unverified, ['node3']);
  });
});

describe('failover protocol: acknowledgement', () => {
  it('is refused before awaiting_acknowledgement, saying which phase the protocol is in', () => {
    const states: FailoverState[] = [halted()];
    let current = halted();
    for (const op of [
      { now: T0 + 1_000, topology: shaped({ leader: null }) },
      { now: T0 + 4_000, topology: node2 },
      { now: T0 + 34_000, topology: node2 },
      { now: T0 + 334_000, topology: node2 },
    ]) {
      current = step(current, { ...op, self: 'node2' }).state;
      states.push(current);
    }
    assert.deepEqual(
      states.map((s) => s.phase),
      ['halted', 'recovering', 'stabilising', 'grace', 'restoring'],
    );
    for (const state of states) {
      const result = acknowledge(state, { now: T0 + 500_000, by: 'alice' });
      assert.deepEqual(result, {
        ok: false,
        code: 'not_awaiting_acknowledgement',
        phase: state.phase,
        message: `session s-1 cannot be acknowledged yet: the baseline is not restored (failover protocol phase: ${state.phase})`,
      });
    }
  });

  it('is accepted in awaiting_acknowledgement with who and when, and refused a second time', () => {
    const awaiting = restoreSucceeded(restoringInFlight(), { now: T0 + 340_000, attempt: 1, unverified: [] }).state;
    const result = acknowledge(awaiting, { now: T0 + 900_000, by: '  alice  ' });
    assert.ok(result.ok);
    assert.equal(result.state.phase, 'acknowledged');
    assert.deepEqual(result.state.acknowledgement, { by: 'alice', at: T0 + 900_000, forced: false, unresolved: null });
    assert.deepEqual(summary(result.actions), ['awaiting_acknowledgement→acknowledged:acknowledged@+900000']);

    const twice = acknowledge(result.state, { now: T0 + 901_000, by: 'bob' });
    assert.deepEqual(twice, {
      ok: false,
      code: 'already_acknowledged',
      phase: 'acknowledged',
      message: 'session s-1 was already acknowledged by alice at 2025-01-01T12:15:00.000Z',
    });
    // acknowledged is terminal: steps change nothing.
    assert.equal(step(result.state, { now: T0 + 902_000, topology: node3, self: 'node3' }).state, result.state);
  });

  it('must name a person', () => {
    const awaiting = restoreSucceeded(restoringInFlight(), { now: T0 + 340_000, attempt: 1, unverified: [] }).state;
    assert.deepEqual(acknowledge(awaiting, { now: T0 + 900_000, by: '   ' }), {
      ok: false,
      code: 'acknowledger_required',
      phase: 'awaiting_acknowledgement',
      message: 'an acknowledgement must say who acknowledges',
    });
  });

  it('outcomes and acknowledgements stamped before the state’s last change are placed at it', () => {
    const inFlight = restoringInFlight();
    const restored = restoreSucceeded(inFlight, { now: T0 + 100, attempt: 1, unverified: [] }).state;
    assert.equal(restored.restore.restoredAt, T0 + 334_000);
    assert.equal(restored.phaseSince, T0 + 334_000);
    const acknowledged = acknowledge(restored, { now: T0 + 5, by: 'alice' });
    assert.ok(acknowledged.ok);
    assert.deepEqual(acknowledged.state.acknowledgement, { by: 'alice', at: T0 + 334_000, forced: false, unresolved: null });
    const failed = restoreFailed(inFlight, { now: T0 + 100, attempt: 1, error: 'e' }).state;
    assert.equal(failed.restore.nextAttemptAt, T0 + 335_000);
  });
});

describe('failover protocol: a restore that never succeeds (every halt can be cleared)', () => {
  const settings = { stabilisationMs: 30_000, graceMs: 300_000, restoreBackoffMs: { initial: 1_000, max: 30_000 }, restoreMaxAttempts: 3 };
  const notVerified = [
    { member: 'node3', parameters: ['work_mem'] },
    { member: 'node1', parameters: ['random_page_cost', 'shared_buffers'] },
  ];

  /** Three failed attempts in a row, the last one naming what it could not verify. */
  function gaveUp() {
    let state = restoringInFlight();
    const actions = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const at = state.updatedAt;
      const failed = restoreFailed(state, { now: at, attempt, error: `e${attempt}`, notVerified: attempt === 3 ? notVerified : [] }, settings);
      actions.push(...failed.actions);
      state = failed.state;
      if (attempt < 3) {
        const next = step(state, { now: state.restore.nextAttemptAt!, topology: node2, self: 'node2' }, settings);
        actions.push(...next.actions);
        state = next.state;
      }
    }
    return { state, actions };
  }

  it('after restoreMaxAttempts failures in a row: awaiting_acknowledgement with what could not be verified, no more attempts', () => {
    const { state, actions } = gaveUp();
    assert.equal(state.phase, 'awaiting_acknowledgement');
    assert.equal(state.restore.restoredAt, null, 'the baseline is not restored');
    assert.deepEqual(state.restore.unresolved, {
      failures: 3,
      lastError: 'e3',
      notVerified: [
        { member: 'node1', parameters: ['random_page_cost', 'shared_buffers'] },
        { member: 'node3', parameters: ['work_mem'] },
      ],
    });
    assert.deepEqual(summary(actions).slice(-2), ['failed#3@+337000 retry+0', 'restoring→awaiting_acknowledgement:restore_abandoned@+337000']);
    const abandoned = ofType(eventsOf(actions).at(-1), 'failover_phase_changed');
    assert.deepEqual(abandoned.detail.unresolved, state.restore.unresolved);
    const later = step(state, { now: T0 + 900_000, topology: node2, self: 'node2' }, settings);
    assert.equal(later.state, state);
    assert.deepEqual(later.actions, []);
  });

  it('a leader change resets the count: failures in an earlier restoring phase do not count', () => {
    let state = restoringInFlight();
    state = restoreFailed(state, { now: state.updatedAt, attempt: 1, error: 'e' }, settings).state;
    state = step(state, { now: state.restore.nextAttemptAt!, topology: node2, self: 'node2' }, settings).state;
    state = restoreFailed(state, { now: state.updatedAt, attempt: 2, error: 'e' }, settings).state;
    state = step(state, { now: state.updatedAt + 1, topology: node3, self: 'node3' }, settings).state;
    assert.equal(state.phase, 'stabilising');
    assert.equal(state.restore.failures, 0);
  });

  it('acknowledging it needs force: refused without (409 force_required), accepted with, recorded as forced with what was unresolved', () => {
    const { state } = gaveUp();
    const refused = acknowledge(state, { now: T0 + 900_000, by: 'alice' });
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok);
    assert.equal(refused.code, 'force_required');
    assert.equal(refused.phase, 'awaiting_acknowledgement');
    assert.match(refused.message, /could not be restored after 3 attempts/);
    assert.match(refused.message, /node1 \(random_page_cost, shared_buffers\)/);
    assert.match(refused.message, /force/);
    const forced = acknowledge(state, { now: T0 + 900_000, by: 'alice', force: true });
    assert.ok(forced.ok);
    assert.equal(forced.state.phase, 'acknowledged');
    assert.deepEqual(forced.state.acknowledgement, { by: 'alice', at: T0 + 900_000, forced: true, unresolved: state.restore.unresolved });
    assert.equal(ofType(eventsOf(forced.actions)[0], 'failover_phase_changed').detail.forced, true);
  });

  it('force is not needed, and not recorded as forcing, once the baseline is restored', () => {
    const awaiting = restoreSucceeded(restoringInFlight(), { now: T0 + 340_000, attempt: 1, unverified: [] }).state;
    const result = acknowledge(awaiting, { now: T0 + 900_000, by: 'alice', force: true });
    assert.ok(result.ok);
    assert.deepEqual(result.state.acknowledgement, { by: 'alice', at: T0 + 900_000, forced: false, unresolved: null });
  });
});
