/**
 * The failover protocol's phases and time: the happy path with exact timestamps on both recorded
 * Patroni versions, and every way the wait for a stable leader restarts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFailover, step, type FailoverState } from '../../../../src/tuning/failover/index.js';
import { deepFreeze, eventsOf, ofType, recorded, run, S, shaped, summary, T0, VERSIONS, type Op } from './support.js';

const HALT = { sessionId: 's-1', haltedAt: T0, reason: 'topology changed: leader_lost, lock_released', changedAt: T0 - 800 };

function halted(): FailoverState {
  return startFailover({ ...HALT, events: [{ type: 'leader_lost', from: 'node1' }, { type: 'lock_released' }] }).state;
}

/** Steps through the ops and returns the final state and its summary. */
function after(ops: Op[], from: FailoverState = halted()) {
  const { states, actions } = run(from, ops);
  return { state: states.at(-1)!, states, actions, summary: summary(actions) };
}

const node2 = shaped({ leader: 'node2', timeline: 2 });
const nobody = shaped({ leader: null, timeline: 1 });

describe('failover protocol: startFailover', () => {
  it('records the halt with its reason, events and detection latency, and one event', () => {
    const { state, actions } = startFailover({ ...HALT, events: [{ type: 'leader_lost', from: 'node1' }, { type: 'lock_released' }] });
    assert.deepEqual(state, {
      version: 1,
      sessionId: 's-1',
      phase: 'halted',
      phaseSince: T0,
      phaseEndsAt: null,
      phaseEndsAtMono: null,
      halt: {
        at: T0,
        reason: 'topology changed: leader_lost, lock_released',
        events: [{ type: 'leader_lost', from: 'node1' }, { type: 'lock_released' }],
        changedAt: T0 - 800,
        detectionLatencyMs: 800,
      },
      leader: null,
      stableSince: null,
      stabilisedAt: null,
      restore: {
        attempts: 0,
        inFlight: null,
        failures: 0,
        nextAttemptAt: null,
        lastError: null,
        restoredAt: null,
        restoredBy: null,
        restoredAttempt: null,
        unverified: [],
        unresolved: null,
        changedBySomeoneElse: [],
      },
      restarts: 0,
      acknowledgement: null,
      updatedAt: T0,
      monoAt: T0,
    });
    assert.deepEqual(actions, [
      {
        type: 'record_event',
        event: {
          type: 'failover_phase_changed',
          sessionId: 's-1',
          at: T0,
          member: null,
          detail: {
            from: null,
            to: 'halted',
            cause: 'halted',
            inPreviousPhaseMs: null,
            sinceHaltMs: 0,
            leader: null,
            timeline: null,
            phaseEndsAt: null,
            halt: state.halt,
          },
        },
      },
    ]);
  });

  it('detection latency: null when the change time is unknown, 0 when it is after the halt', () => {
    assert.equal(startFailover({ sessionId: 's', haltedAt: T0, reason: 'r' }).state.halt.detectionLatencyMs, null);
    assert.equal(startFailover({ sessionId: 's', haltedAt: T0, reason: 'r', changedAt: null }).state.halt.changedAt, null);
    assert.equal(startFailover({ sessionId: 's', haltedAt: T0, reason: 'r', changedAt: T0 + 50 }).state.halt.detectionLatencyMs, 0);
    assert.deepEqual(startFailover({ sessionId: 's', haltedAt: T0, reason: 'r' }).state.halt.events, []);
  });

  it('does not keep a reference to the caller’s events', () => {
    const events = [{ type: 'leader_changed' as const, from: 'node1', to: 'node2' }];
    const { state } = startFailover({ ...HALT, events });
    events[0]!.to = 'node3';
    assert.deepEqual(state.halt.events, [{ type: 'leader_changed', from: 'node1', to: 'node2' }]);
  });

  it('refuses a halt time that is not epoch ms', () => {
    assert.throws(() => startFailover({ ...HALT, haltedAt: Number.NaN }), RangeError);
    assert.throws(() => startFailover({ ...HALT, changedAt: Number.POSITIVE_INFINITY }), RangeError);
  });
});

describe('failover protocol: the happy path', () => {
  for (const version of VERSIONS) {
    it(`Patroni ${version}: halted → recovering → stabilising (30 s) → grace (5 min) → restoring → awaiting_acknowledgement → acknowledged`, () => {
      // node1 (TL1) went away; node2 is promoted on TL2. The agent beside node2 drives the protocol.
      const base = recorded('cluster', version);
      const unlocked = recorded('cluster-unlocked', version);
      const promoted = shaped({ leader: 'node2', timeline: 2 }, base);
      const noLeader = { ...unlocked, paused: false };
      const r = after([
        { op: 'observe', t: 1_000, topology: noLeader, self: 'node2' },
        { op: 'observe', t: 4_000, topology: promoted, self: 'node2' },
        { op: 'observe', t: 33_999, topology: promoted, self: 'node2' },
        { op: 'observe', t: 34_000, topology: promoted, self: 'node2' },
        { op: 'observe', t: 333_999, topology: promoted, self: 'node2' },
        { op: 'observe', t: 334_000, topology: promoted, self: 'node2' },
        { op: 'observe', t: 335_000, topology: promoted, self: 'node2' },
        { op: 'succeeded', t: 336_500, attempt: 1 },
        { op: 'ack', t: 400_000, by: 'alice' },
      ]);
      assert.deepEqual(
        r.states.map((s) => [s.phase, s.phaseSince - T0, s.phaseEndsAt === null ? null : s.phaseEndsAt - T0]),
        [
          ['recovering', 1_000, null],
          ['stabilising', 4_000, 34_000],
          ['stabilising', 4_000, 34_000],
          ['grace', 34_000, 334_000],
          ['grace', 34_000, 334_000],
          ['restoring', 334_000, null],
          ['restoring', 334_000, null],
          ['awaiting_acknowledgement', 336_500, null],
          ['acknowledged', 400_000, null],
        ],
      );
      assert.deepEqual(r.summary, [
        'halted→recovering:protocol_started@+1000',
        'recovering→stabilising:leader_healthy@+4000',
        'stabilising→grace:stabilised@+34000',
        'grace→restoring:grace_ended@+334000',
        'requested#1@+334000 by node2',
        'RESTORE#1 via node2',
        'restoring→awaiting_acknowledgement:restored@+336500',
        'awaiting_acknowledgement→acknowledged:acknowledged@+400000',
      ]);
      // Steps that change nothing hand back the same object: nothing to persist.
      assert.equal(r.states[2], r.states[1]);
      assert.equal(r.states[4], r.states[3]);
      assert.equal(r.states[6], r.states[5]);

      assert.deepEqual(r.state, {
        version: 1,
        sessionId: 's-1',
        phase: 'acknowledged',
        phaseSince: T0 + 400_000,
        phaseEndsAt: null,
        phaseEndsAtMono: null,
        halt: halted().halt,
        leader: { name: 'node2', timeline: 2 },
        stableSince: T0 + 4_000,
        stabilisedAt: T0 + 34_000,
        restore: {
          attempts: 1,
          inFlight: null,
          failures: 0,
          nextAttemptAt: null,
          lastError: null,
          restoredAt: T0 + 336_500,
          restoredBy: 'node2',
          restoredAttempt: 1,
          unverified: [],
          unresolved: null,
          changedBySomeoneElse: [],
        },
        restarts: 0,
        acknowledgement: { by: 'alice', at: T0 + 400_000, forced: false, unresolved: null },
        updatedAt: T0 + 400_000,
        monoAt: T0 + 400_000,
      });

      // The full history, with timing, as the store will keep it.
      assert.deepEqual(eventsOf(r.actions), [
        {
          type: 'failover_phase_changed',
          sessionId: 's-1',
          at: T0 + 1_000,
          member: null,
          detail: { from: 'halted', to: 'recovering', cause: 'protocol_started', inPreviousPhaseMs: 1_000, sinceHaltMs: 1_000, leader: null, timeline: null, phaseEndsAt: null },
        },
        {
          type: 'failover_phase_changed',
          sessionId: 's-1',
          at: T0 + 4_000,
          member: 'node2',
          detail: { from: 'recovering', to: 'stabilising', cause: 'leader_healthy', inPreviousPhaseMs: 3_000, sinceHaltMs: 4_000, leader: 'node2', timeline: 2, phaseEndsAt: T0 + 34_000 },
        },
        {
          type: 'failover_phase_changed',
          sessionId: 's-1',
          at: T0 + 34_000,
          member: 'node2',
          detail: { from: 'stabilising', to: 'grace', cause: 'stabilised', inPreviousPhaseMs: 30_000, sinceHaltMs: 34_000, leader: 'node2', timeline: 2, phaseEndsAt: T0 + 334_000 },
        },
        {
          type: 'failover_phase_changed',
          sessionId: 's-1',
          at: T0 + 334_000,
          member: 'node2',
          detail: { from: 'grace', to: 'restoring', cause: 'grace_ended', inPreviousPhaseMs: 300_000, sinceHaltMs: 334_000, leader: 'node2', timeline: 2, phaseEndsAt: null },
        },
        {
          type: 'failover_restore_requested',
          sessionId: 's-1',
          at: T0 + 334_000,
          member: 'node2',
          detail: { attempt: 1, leader: 'node2', timeline: 2 },
        },
        {
          type: 'failover_phase_changed',
          sessionId: 's-1',
          at: T0 + 336_500,
          member: 'node2',
          detail: {
            from: 'restoring',
            to: 'awaiting_acknowledgement',
            cause: 'restored',
            inPreviousPhaseMs: 2_500,
            sinceHaltMs: 336_500,
            leader: 'node2',
            timeline: 2,
            phaseEndsAt: null,
            restore: { attempt: 1, by: 'node2', unverified: [], changedBySomeoneElse: [] },
          },
        },
        {
          type: 'failover_phase_changed',
          sessionId: 's-1',
          at: T0 + 400_000,
          member: 'node2',
          detail: {
            from: 'awaiting_acknowledgement',
            to: 'acknowledged',
            cause: 'acknowledged',
            inPreviousPhaseMs: 63_500,
            sinceHaltMs: 400_000,
            leader: 'node2',
            timeline: 2,
            phaseEndsAt: null,
            acknowledgedBy: 'alice',
            forced: false,
          },
        },
      ]);
      // The restore action comes right after the event that records it, and carries what the caller needs.
      const restoreIndex = r.actions.findIndex((a) => a.type === 'restore_baseline');
      assert.equal(r.actions[restoreIndex - 1]?.type, 'record_event');
      assert.deepEqual(r.actions[restoreIndex], { type: 'restore_baseline', sessionId: 's-1', attempt: 1, leader: 'node2', timeline: 2 });
    });
  }

  it('the same leader coming back (pause, or its PostgreSQL restarting) also recovers: no new leader is required', () => {
    const r = after([
      { op: 'observe', t: 1_000, topology: recorded('cluster-paused'), self: 'node1' },
      { op: 'observe', t: 60_000, topology: recorded('cluster'), self: 'node1' },
      { op: 'observe', t: 90_000, topology: recorded('cluster'), self: 'node1' },
      { op: 'observe', t: 390_000, topology: recorded('cluster'), self: 'node1' },
    ]);
    assert.deepEqual(r.summary, [
      'halted→recovering:protocol_started@+1000',
      'recovering→stabilising:leader_healthy@+60000',
      'stabilising→grace:stabilised@+90000',
      'grace→restoring:grace_ended@+390000',
      'requested#1@+390000 by node1',
      'RESTORE#1 via node1',
    ]);
    assert.deepEqual(r.state.leader, { name: 'node1', timeline: 1 });
  });

  it('phases end on the first observation at or after their deadline, and the next phase runs from that observation', () => {
    const r = after([
      { op: 'observe', t: 0, topology: node2, self: 'node2' },
      { op: 'observe', t: 29_000, topology: node2, self: 'node2' },
      { op: 'observe', t: 31_200, topology: node2, self: 'node2' },
      { op: 'observe', t: 331_199, topology: node2, self: 'node2' },
      { op: 'observe', t: 333_000, topology: node2, self: 'node2' },
    ]);
    assert.deepEqual(r.summary, [
      'halted→recovering:protocol_started@+0',
      'recovering→stabilising:leader_healthy@+0',
      'stabilising→grace:stabilised@+31200',
      'grace→restoring:grace_ended@+333000',
      'requested#1@+333000 by node2',
      'RESTORE#1 via node2',
    ]);
    assert.equal(r.states[2]!.phaseEndsAt, T0 + 331_200);
  });

  it('settings are honoured, and zero waits run the whole protocol in one observation', () => {
    const quick = { stabilisationMs: 5_000, graceMs: 10_000, restoreBackoffMs: { initial: 500, max: 2_000 }, restoreMaxAttempts: 10 };
    const a = run(halted(), [
      { op: 'observe', t: 1_000, topology: node2, self: 'node2' },
      { op: 'observe', t: 6_000, topology: node2, self: 'node2' },
      { op: 'observe', t: 16_000, topology: node2, self: 'node2' },
    ], quick);
    assert.deepEqual(summary(a.actions), [
      'halted→recovering:protocol_started@+1000',
      'recovering→stabilising:leader_healthy@+1000',
      'stabilising→grace:stabilised@+6000',
      'grace→restoring:grace_ended@+16000',
      'requested#1@+16000 by node2',
      'RESTORE#1 via node2',
    ]);

    const none = { stabilisationMs: 0, graceMs: 0, restoreBackoffMs: { initial: 1, max: 1 }, restoreMaxAttempts: 10 };
    const b = step(halted(), { now: T0 + 7, topology: node2, self: 'node2' }, none);
    assert.deepEqual(summary(b.actions), [
      'halted→recovering:protocol_started@+7',
      'recovering→stabilising:leader_healthy@+7',
      'stabilising→grace:stabilised@+7',
      'grace→restoring:grace_ended@+7',
      'requested#1@+7 by node2',
      'RESTORE#1 via node2',
    ]);
  });

  it('a deadline is fixed when its phase is entered: changing the settings later does not move it', () => {
    const stabilising = step(halted(), { now: T0 + 1_000, topology: node2, self: 'node2' }).state;
    assert.equal(stabilising.phaseEndsAt, T0 + 31_000);
    const longer = { ...S, stabilisationMs: 60_000 };
    const grace = step(stabilising, { now: T0 + 31_000, topology: node2, self: 'node2' }, longer).state;
    assert.equal(grace.phase, 'grace');
    assert.equal(grace.phaseEndsAt, T0 + 331_000);
  });

  it('refuses settings that would corrupt deadlines, and an observation time that is not epoch ms', () => {
    const state = halted();
    const obs = { now: T0 + 1, topology: node2, self: 'node2' };
    assert.throws(() => step(state, obs, { ...S, stabilisationMs: Number.NaN }), /stabilisationMs/);
    assert.throws(() => step(state, obs, { ...S, graceMs: -1 }), /graceMs/);
    assert.throws(() => step(state, obs, { ...S, restoreBackoffMs: { initial: 0, max: 10 } }), /restoreBackoffMs\.initial/);
    assert.throws(() => step(state, obs, { ...S, restoreBackoffMs: { initial: 100, max: 10 } }), /restoreBackoffMs\.max/);
    assert.throws(() => step(state, { ...obs, now: Number.NaN }), RangeError);
  });
});

describe('failover protocol: recovering', () => {
  it('waits while nobody leads, the leader does not serve, or the lock is gone', () => {
    const r = after([
      { op: 'observe', t: 1_000, topology: nobody, self: 'node2' },
      { op: 'observe', t: 2_000, topology: shaped({ leader: 'node2', timeline: 2, leaderHealth: 'starting' }), self: 'node2' },
      { op: 'observe', t: 3_000, topology: shaped({ leader: 'node2', timeline: 2, leaderHealth: 'failed' }), self: 'node2' },
      { op: 'observe', t: 4_000, topology: shaped({ leader: 'node2', timeline: 2, unlocked: true }), self: 'node2' },
      { op: 'observe', t: 5_000, topology: node2, self: 'node2' },
    ]);
    assert.deepEqual(r.summary, ['halted→recovering:protocol_started@+1000', 'recovering→stabilising:leader_healthy@+5000']);
    assert.equal(r.states[1], r.states[0]);
    assert.equal(r.states[3], r.states[0]);
    assert.equal(r.state.stableSince, T0 + 5_000);
  });
});

describe('failover protocol: stabilisation restarts', () => {
  const stabilising = after([{ op: 'observe', t: 4_000, topology: node2, self: 'node2' }]).state;

  it('a new leader, already healthy: stabilisation restarts at once with it, from its healthy time', () => {
    const node3 = shaped({ leader: 'node3', timeline: 3 });
    const r = after(
      [
        { op: 'observe', t: 20_000, topology: node3, self: 'node2' },
        { op: 'observe', t: 49_999, topology: node3, self: 'node2' },
        { op: 'observe', t: 50_000, topology: node3, self: 'node2' },
      ],
      stabilising,
    );
    assert.deepEqual(r.summary, [
      'stabilising→recovering:leader_changed@+20000',
      'recovering→stabilising:leader_healthy@+20000',
      'stabilising→grace:stabilised@+50000',
    ]);
    assert.deepEqual(eventsOf(r.actions)[0]!.detail, {
      from: 'stabilising',
      to: 'recovering',
      cause: 'leader_changed',
      inPreviousPhaseMs: 16_000,
      sinceHaltMs: 20_000,
      leader: null,
      timeline: null,
      phaseEndsAt: null,
      observed: { leader: 'node3', timeline: 3, paused: false, unlocked: false, healthyLeader: true },
    });
    assert.equal(eventsOf(r.actions)[0]!.member, 'node2', 'the departure is about the leader that was waited on');
    assert.deepEqual(r.states[0]!.leader, { name: 'node3', timeline: 3 });
    assert.equal(r.states[0]!.stableSince, T0 + 20_000);
    assert.equal(r.states[0]!.phaseEndsAt, T0 + 50_000);
    assert.equal(r.states[0]!.restarts, 1);
    assert.equal(r.states[1], r.states[0]);
  });

  it('a new leader not yet serving: back to recovering; stabilisation starts when it serves', () => {
    const r = after(
      [
        { op: 'observe', t: 20_000, topology: shaped({ leader: 'node3', timeline: 3, leaderHealth: 'starting' }), self: 'node2' },
        { op: 'observe', t: 25_000, topology: shaped({ leader: 'node3', timeline: 3 }), self: 'node2' },
      ],
      stabilising,
    );
    assert.deepEqual(r.summary, ['stabilising→recovering:leader_changed@+20000', 'recovering→stabilising:leader_healthy@+25000']);
    assert.equal(r.states[0]!.leader, null);
    assert.equal(r.states[0]!.stableSince, null);
    assert.equal(r.state.phaseEndsAt, T0 + 55_000);
  });

  it('the timeline changes under the same leader name: stabilisation restarts on the new timeline', () => {
    const r = after([{ op: 'observe', t: 20_000, topology: shaped({ leader: 'node2', timeline: 4 }), self: 'node2' }], stabilising);
    assert.deepEqual(r.summary, ['stabilising→recovering:timeline_changed@+20000', 'recovering→stabilising:leader_healthy@+20000']);
    assert.deepEqual(r.state.leader, { name: 'node2', timeline: 4 });
    assert.equal(r.state.phaseEndsAt, T0 + 50_000);
  });

  it('the recorded switchover on 4.1.5 (timeline 1 → 3, same leader name) restarts stabilisation', () => {
    const onTl1 = after([{ op: 'observe', t: 4_000, topology: recorded('cluster'), self: 'node1' }]).state;
    const r = after([{ op: 'observe', t: 10_000, topology: recorded('cluster-after-switchover'), self: 'node1' }], onTl1);
    assert.deepEqual(r.summary, ['stabilising→recovering:timeline_changed@+10000', 'recovering→stabilising:leader_healthy@+10000']);
    assert.deepEqual(r.state.leader, { name: 'node1', timeline: 3 });
  });

  it('the leader stops serving: back to recovering until it serves again', () => {
    const r = after(
      [
        { op: 'observe', t: 20_000, topology: shaped({ leader: 'node2', timeline: 2, leaderHealth: 'failed' }), self: 'node2' },
        { op: 'observe', t: 22_000, topology: shaped({ leader: 'node2', timeline: 2, leaderHealth: 'starting' }), self: 'node2' },
        { op: 'observe', t: 26_000, topology: node2, self: 'node2' },
      ],
      stabilising,
    );
    assert.deepEqual(r.summary, ['stabilising→recovering:leader_unhealthy@+20000', 'recovering→stabilising:leader_healthy@+26000']);
    assert.equal(r.state.stableSince, T0 + 26_000);
    assert.equal(r.state.phaseEndsAt, T0 + 56_000);
  });

  it('the leader lost, or the lock released while it is still listed: back to recovering', () => {
    const lost = after([{ op: 'observe', t: 20_000, topology: nobody, self: 'node2' }], stabilising);
    assert.deepEqual(lost.summary, ['stabilising→recovering:leader_lost@+20000']);
    const released = after([{ op: 'observe', t: 20_000, topology: shaped({ leader: 'node2', timeline: 2, unlocked: true }), self: 'node2' }], stabilising);
    assert.deepEqual(released.summary, ['stabilising→recovering:lock_released@+20000']);
  });

  it('a timeline Patroni did not report is learnt quietly; a later change of it counts', () => {
    const noTl = shaped({ leader: 'node2', timeline: null });
    const r = after(
      [
        { op: 'observe', t: 4_000, topology: noTl, self: 'node2' },
        { op: 'observe', t: 5_000, topology: node2, self: 'node2' },
        { op: 'observe', t: 6_000, topology: noTl, self: 'node2' },
        { op: 'observe', t: 7_000, topology: shaped({ leader: 'node2', timeline: 5 }), self: 'node2' },
      ],
    );
    assert.deepEqual(r.summary, [
      'halted→recovering:protocol_started@+4000',
      'recovering→stabilising:leader_healthy@+4000',
      'stabilising→recovering:timeline_changed@+7000',
      'recovering→stabilising:leader_healthy@+7000',
    ]);
    assert.deepEqual(r.states[0]!.leader, { name: 'node2', timeline: null });
    assert.deepEqual(r.states[1]!.leader, { name: 'node2', timeline: 2 });
    assert.equal(r.states[1]!.updatedAt, T0 + 5_000);
    assert.equal(r.states[1]!.stableSince, T0 + 4_000, 'learning the timeline does not restart stabilisation');
    assert.equal(r.states[2], r.states[1], 'an unknown timeline is not a change');
  });
});

describe('failover protocol: a second failover during grace', () => {
  const grace = after([
    { op: 'observe', t: 4_000, topology: node2, self: 'node2' },
    { op: 'observe', t: 34_000, topology: node2, self: 'node2' },
  ]).state;

  it('a new leader: back to recovering and the whole wait (stabilisation and grace) starts again', () => {
    const node3 = shaped({ leader: 'node3', timeline: 3 });
    const r = after(
      [
        { op: 'observe', t: 100_000, topology: node3, self: 'node3' },
        { op: 'observe', t: 129_999, topology: node3, self: 'node3' },
        { op: 'observe', t: 130_000, topology: node3, self: 'node3' },
        { op: 'observe', t: 334_000, topology: node3, self: 'node3' },
        { op: 'observe', t: 429_999, topology: node3, self: 'node3' },
        { op: 'observe', t: 430_000, topology: node3, self: 'node3' },
      ],
      grace,
    );
    assert.deepEqual(r.summary, [
      'grace→recovering:leader_changed@+100000',
      'recovering→stabilising:leader_healthy@+100000',
      'stabilising→grace:stabilised@+130000',
      'grace→restoring:grace_ended@+430000',
      'requested#1@+430000 by node3',
      'RESTORE#1 via node3',
    ]);
    assert.equal(r.states[0]!.stabilisedAt, null);
    assert.equal(r.states[0]!.restarts, 1);
    assert.equal(r.states[2]!.stabilisedAt, T0 + 130_000);
    assert.equal(r.states[3], r.states[2], 'the old grace deadline (+334000) means nothing any more');
  });

  it('the leader stops serving: back to recovering, and it stays there while nobody serves', () => {
    const r = after(
      [
        { op: 'observe', t: 100_000, topology: shaped({ leader: 'node2', timeline: 2, leaderHealth: 'stopped' }), self: 'node2' },
        { op: 'observe', t: 400_000, topology: nobody, self: 'node2' },
      ],
      grace,
    );
    assert.deepEqual(r.summary, ['grace→recovering:leader_unhealthy@+100000']);
    assert.equal(r.state.phase, 'recovering');
  });

  it('the timeline changes: back to recovering, then stabilising on the new timeline', () => {
    const r = after([{ op: 'observe', t: 100_000, topology: shaped({ leader: 'node2', timeline: 3 }), self: 'node2' }], grace);
    assert.deepEqual(r.summary, ['grace→recovering:timeline_changed@+100000', 'recovering→stabilising:leader_healthy@+100000']);
  });
});

describe('failover protocol: Patroni unreachable (unknown topology)', () => {
  it('in halted the protocol still starts: recovering is waiting anyway', () => {
    const r = after([{ op: 'observe', t: 1_000, topology: null, self: null }]);
    assert.deepEqual(r.summary, ['halted→recovering:protocol_started@+1000']);
  });

  it('in recovering nothing happens', () => {
    const recovering = after([{ op: 'observe', t: 1_000, topology: nobody, self: 'node2' }]).state;
    const r = after([{ op: 'observe', t: 2_000, topology: null, self: 'node2' }], recovering);
    assert.deepEqual(r.actions, []);
    assert.equal(r.state, recovering);
  });

  it('in stabilising: it neither ends nor restarts the phase; the next known observation decides', () => {
    const stabilising = after([{ op: 'observe', t: 4_000, topology: node2, self: 'node2' }]).state;
    const r = after(
      [
        { op: 'observe', t: 10_000, topology: null, self: 'node2' },
        { op: 'observe', t: 34_000, topology: null, self: 'node2' },
        { op: 'observe', t: 50_000, topology: null, self: null },
        { op: 'observe', t: 51_000, topology: node2, self: 'node2' },
      ],
      stabilising,
    );
    assert.equal(r.states[0], stabilising);
    assert.equal(r.states[1], stabilising);
    assert.equal(r.states[2], stabilising);
    assert.deepEqual(r.summary, ['stabilising→grace:stabilised@+51000']);
    assert.equal(r.state.phaseEndsAt, T0 + 351_000, 'grace runs from the confirming observation');
  });

  it('in stabilising: a different leader seen after the gap restarts it', () => {
    const stabilising = after([{ op: 'observe', t: 4_000, topology: node2, self: 'node2' }]).state;
    const r = after(
      [
        { op: 'observe', t: 10_000, topology: null, self: 'node2' },
        { op: 'observe', t: 40_000, topology: shaped({ leader: 'node3', timeline: 3 }), self: 'node2' },
      ],
      stabilising,
    );
    assert.deepEqual(r.summary, ['stabilising→recovering:leader_changed@+40000', 'recovering→stabilising:leader_healthy@+40000']);
  });

  it('in grace: the deadline passing while unknown does not start restoring', () => {
    const grace = after([
      { op: 'observe', t: 4_000, topology: node2, self: 'node2' },
      { op: 'observe', t: 34_000, topology: node2, self: 'node2' },
    ]).state;
    const r = after(
      [
        { op: 'observe', t: 334_000, topology: null, self: 'node2' },
        { op: 'observe', t: 400_000, topology: null, self: 'node2' },
        { op: 'observe', t: 401_000, topology: node2, self: 'node2' },
      ],
      grace,
    );
    assert.equal(r.states[0], grace);
    assert.equal(r.states[1], grace);
    assert.deepEqual(r.summary, ['grace→restoring:grace_ended@+401000', 'requested#1@+401000 by node2', 'RESTORE#1 via node2']);
  });
});

describe('failover protocol: a paused cluster', () => {
  // Decision: recovery needs a healthy leader in a cluster that is not paused. While paused Patroni
  // cannot fail over, so nothing can be called stable, and restoring the baseline in the middle of an
  // operator's maintenance is not wanted; the halt is reverted once the cluster is resumed and stable.
  const pausedHalt = () =>
    startFailover({ sessionId: 's-1', haltedAt: T0, reason: 'topology changed: paused', events: [{ type: 'paused' }], changedAt: T0 - 1_000 }).state;

  for (const version of VERSIONS) {
    it(`Patroni ${version}: a paused cluster with a healthy leader stays in recovering; resuming starts stabilisation`, () => {
      const paused = recorded('cluster-paused', version);
      const r = after(
        [
          { op: 'observe', t: 1_000, topology: paused, self: 'node1' },
          { op: 'observe', t: 600_000, topology: paused, self: 'node1' },
          { op: 'observe', t: 601_000, topology: recorded('cluster', version), self: 'node1' },
        ],
        pausedHalt(),
      );
      assert.deepEqual(r.summary, ['halted→recovering:protocol_started@+1000', 'recovering→stabilising:leader_healthy@+601000']);
      assert.equal(r.states[1], r.states[0]);
    });
  }

  it('a pause during stabilisation, grace or restoring falls back to recovering', () => {
    const paused = recorded('cluster-paused');
    const healthy = recorded('cluster');
    const stabilising = after([{ op: 'observe', t: 1_000, topology: healthy, self: 'node1' }]).state;
    const grace = after([{ op: 'observe', t: 31_000, topology: healthy, self: 'node1' }], stabilising).state;
    const restoring = after([{ op: 'observe', t: 331_000, topology: healthy, self: 'node2' }], grace).state;
    assert.deepEqual([stabilising.phase, grace.phase, restoring.phase], ['stabilising', 'grace', 'restoring']);
    for (const state of [stabilising, grace, restoring]) {
      const r = after([{ op: 'observe', t: 400_000, topology: paused, self: 'node1' }], state);
      assert.deepEqual(r.summary, [`${state.phase}→recovering:paused@+400000`]);
      assert.deepEqual(ofType(eventsOf(r.actions)[0], 'failover_phase_changed').detail.observed, { leader: 'node1', timeline: 1, paused: true, unlocked: false, healthyLeader: true });
    }
  });

  it('the recorded unlocked cluster (paused, leader stopped) keeps the protocol in recovering', () => {
    const r = after([
      { op: 'observe', t: 1_000, topology: recorded('cluster-unlocked', '3.0.2'), self: 'node2' },
      { op: 'observe', t: 2_000, topology: recorded('cluster-unlocked', '4.1.5'), self: 'node2' },
    ]);
    assert.deepEqual(r.summary, ['halted→recovering:protocol_started@+1000']);
  });
});

describe('failover protocol: time going backwards or standing still', () => {
  const stabilising = after([{ op: 'observe', t: 4_000, topology: node2, self: 'node2' }]).state;

  it('an observation older than the state is ignored, whatever it shows', () => {
    for (const topology of [node2, nobody, shaped({ leader: 'node3', timeline: 3 }), null]) {
      const r = step(stabilising, { now: T0 + 3_999, topology, self: 'node2' });
      assert.equal(r.state, stabilising);
      assert.deepEqual(r.actions, []);
    }
    // Even one far "past" the deadline in an earlier epoch cannot end a phase.
    assert.equal(step(stabilising, { now: 0, topology: node2, self: 'node2' }).state, stabilising);
  });

  it('an observation at the same time is processed once; repeating it changes nothing', () => {
    const node3 = shaped({ leader: 'node3', timeline: 3 });
    const first = step(stabilising, { now: T0 + 4_000, topology: node3, self: 'node2' });
    assert.deepEqual(summary(first.actions), ['stabilising→recovering:leader_changed@+4000', 'recovering→stabilising:leader_healthy@+4000']);
    const again = step(first.state, { now: T0 + 4_000, topology: node3, self: 'node2' });
    assert.equal(again.state, first.state);
    assert.deepEqual(again.actions, []);
  });

  it('observations that change nothing do not move updatedAt, so an older one after them is still harmless', () => {
    const later = step(stabilising, { now: T0 + 20_000, topology: node2, self: 'node2' }).state;
    assert.equal(later, stabilising, 'no change: updatedAt stays at the last change');
    assert.equal(step(later, { now: T0 + 10_000, topology: node2, self: 'node2' }).state, stabilising);
  });

  it('never mutates its input', () => {
    const frozen = deepFreeze(structuredClone(stabilising));
    const r = step(frozen, { now: T0 + 20_000, topology: shaped({ leader: 'node3', timeline: 3 }), self: 'node2' });
    assert.deepEqual(frozen, stabilising);
    assert.notEqual(r.state, frozen);
  });
});
