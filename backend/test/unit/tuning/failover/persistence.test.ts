/**
 * The state in the store: it survives JSON at every phase, parseFailoverState checks what comes back,
 * and an agent that restarts (or a new leader's agent that takes over) and continues from the stored
 * state reaches exactly what an agent without the restart would have reached. An attempt that was in
 * flight when the agent went away is counted as failed and retried.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FailoverStateError,
  parseFailoverState,
  resume,
  startFailover,
  step,
  type FailoverAction,
  type FailoverState,
} from '../../../../src/tuning/failover/index.js';
import { apply, deepFreeze, eventsOf, ofType, recorded, run, S, shaped, summary, T0, type Op } from './support.js';

const node2 = shaped({ leader: 'node2', timeline: 2 });
const node3 = shaped({ leader: 'node3', timeline: 3 });

function halted(): FailoverState {
  return startFailover({
    sessionId: 's-1',
    haltedAt: T0,
    reason: 'topology changed: leader_lost, lock_released',
    events: [{ type: 'leader_lost', from: 'node1' }, { type: 'lock_released' }, { type: 'member_down', member: 'node1', health: null, wasLeader: true }],
    changedAt: T0 - 900,
  }).state;
}

/**
 * A long scenario through every phase, with a restart of stabilisation, a second failover in grace,
 * a replica's view of restoring, a failed restore and its retry, and an acknowledgement.
 */
const SCRIPT: Op[] = [
  { op: 'observe', t: 1_000, topology: shaped({ leader: null }), self: 'node2' }, // recovering
  { op: 'observe', t: 4_000, topology: node2, self: 'node2' }, // stabilising on node2
  { op: 'observe', t: 10_000, topology: null, self: 'node2' },
  { op: 'observe', t: 20_000, topology: shaped({ leader: 'node2', timeline: 4 }), self: 'node2' }, // restart on TL4
  { op: 'observe', t: 50_000, topology: shaped({ leader: 'node2', timeline: 4 }), self: 'node2' }, // grace
  { op: 'observe', t: 100_000, topology: node3, self: 'node2' }, // second failover: stabilising on node3
  { op: 'observe', t: 130_000, topology: node3, self: 'node2' }, // grace
  { op: 'observe', t: 430_000, topology: node3, self: 'node2' }, // restoring, seen by node2's agent: nothing asked
  { op: 'observe', t: 431_000, topology: node3, self: 'node3' }, // node3's agent: attempt 1
  { op: 'failed', t: 432_000, attempt: 1, error: 'Patroni unreachable' }, // backoff until +433000
  { op: 'observe', t: 432_500, topology: null, self: 'node3' },
  { op: 'observe', t: 433_000, topology: node3, self: 'node3' }, // attempt 2
  { op: 'succeeded', t: 434_000, attempt: 2, unverified: ['node1'] }, // awaiting_acknowledgement
  { op: 'observe', t: 500_000, topology: recorded('cluster'), self: 'node3' },
  { op: 'ack', t: 600_000, by: 'alice' }, // acknowledged
  { op: 'observe', t: 700_000, topology: node3, self: 'node3' },
];

function roundTrip(state: FailoverState): FailoverState {
  return parseFailoverState(JSON.parse(JSON.stringify(state)));
}

describe('failover state: persistence', () => {
  const straight = run(halted(), SCRIPT);

  it('the scenario visits every phase', () => {
    assert.deepEqual(
      [...new Set([halted(), ...straight.states].map((state) => state.phase))],
      ['halted', 'recovering', 'stabilising', 'grace', 'restoring', 'awaiting_acknowledgement', 'acknowledged'],
    );
    assert.deepEqual(summary(straight.actions), [
      'halted→recovering:protocol_started@+1000',
      'recovering→stabilising:leader_healthy@+4000',
      'stabilising→recovering:timeline_changed@+20000',
      'recovering→stabilising:leader_healthy@+20000',
      'stabilising→grace:stabilised@+50000',
      'grace→recovering:leader_changed@+100000',
      'recovering→stabilising:leader_healthy@+100000',
      'stabilising→grace:stabilised@+130000',
      'grace→restoring:grace_ended@+430000',
      'requested#1@+431000 by node3',
      'RESTORE#1 via node3',
      'failed#1@+432000 retry+1000',
      'requested#2@+433000 by node3',
      'RESTORE#2 via node3',
      'restoring→awaiting_acknowledgement:restored@+434000',
      'awaiting_acknowledgement→acknowledged:acknowledged@+600000',
    ]);
    assert.equal(straight.states.at(-1)!.restarts, 2);
    assert.deepEqual(straight.states.at(-1)!.restore.unverified, ['node1']);
  });

  it('every state on the way survives JSON and parseFailoverState unchanged', () => {
    for (const state of [halted(), ...straight.states]) {
      const text = JSON.stringify(state);
      assert.deepEqual(JSON.parse(text), state, `${state.phase} at +${state.updatedAt - T0}`);
      assert.deepEqual(parseFailoverState(JSON.parse(text)), state);
    }
  });

  it('the agent restarting in each state right after its save (no attempt in flight) continues exactly as without the restart', () => {
    let checked = 0;
    for (let cut = 0; cut <= SCRIPT.length; cut++) {
      const before = run(halted(), SCRIPT.slice(0, cut));
      const stored = before.states.at(-1) ?? halted();
      if (stored.restore.inFlight !== null) continue; // covered below
      // The new process's monotonic clock reads what the old one did at the save: nothing to re-anchor.
      const resumed = resume(roundTrip(stored), { now: T0 + (SCRIPT[cut]?.t ?? 800_000), mono: stored.monoAt });
      assert.deepEqual(resumed.actions, [], `resume at cut ${cut} (${stored.phase})`);
      const afterRestart = run(deepFreeze(resumed.state), SCRIPT.slice(cut));
      const actions: FailoverAction[] = [...before.actions, ...afterRestart.actions];
      assert.deepEqual(actions, straight.actions, `cut ${cut} (${stored.phase})`);
      assert.deepEqual(afterRestart.states.at(-1) ?? resumed.state, straight.states.at(-1), `cut ${cut} (${stored.phase})`);
      checked++;
    }
    assert.equal(checked, SCRIPT.length + 1 - 2, 'every cut but the two with an attempt in flight');
  });

  it('the agent restarting with an attempt in flight: counted as failed, retried after the backoff', () => {
    // Stored right after node3's agent was asked for attempt 1 (+431000); the agent restarts at +431400.
    const stored = run(halted(), SCRIPT.slice(0, 9)).states.at(-1)!;
    assert.deepEqual(stored.restore.inFlight, { attempt: 1, startedAt: T0 + 431_000, by: 'node3' });
    const resumed = resume(roundTrip(stored), { now: T0 + 431_400 });
    assert.deepEqual(summary(resumed.actions), ['failed#1@+431400 retry+1000']);
    assert.equal(
      ofType(eventsOf(resumed.actions)[0], 'failover_restore_failed').detail.error,
      'no outcome for attempt 1: the agent was restarted or replaced while it ran',
    );
    assert.equal(resumed.state.restore.nextAttemptAt, T0 + 432_400);
    assert.equal(resumed.state.phaseEndsAt, T0 + 432_400);
    const after = run(resumed.state, [
      { op: 'observe', t: 432_399, topology: node3, self: 'node3' },
      { op: 'observe', t: 432_400, topology: node3, self: 'node3' },
      { op: 'succeeded', t: 433_000, attempt: 2, unverified: [] },
    ]);
    assert.deepEqual(summary(after.actions), ['requested#2@+432400 by node3', 'RESTORE#2 via node3', 'restoring→awaiting_acknowledgement:restored@+433000']);
  });

  it('a new leader’s agent taking over a restore that the old leader’s agent had in flight falls back to recovering', () => {
    const stored = run(halted(), SCRIPT.slice(0, 9)).states.at(-1)!;
    const resumed = resume(roundTrip(stored), { now: T0 + 440_000 });
    const r = apply(resumed.state, { op: 'observe', t: 440_000, topology: node2, self: 'node2' }, S);
    assert.deepEqual(summary(r.actions), ['restoring→recovering:leader_changed@+440000', 'recovering→stabilising:leader_healthy@+440000']);
  });

  it('resume leaves every other state on the same monotonic clock as it is', () => {
    for (const state of [halted(), ...straight.states]) {
      if (state.restore.inFlight !== null) continue;
      const r = resume(state, { now: T0 + 999_999, mono: state.monoAt });
      assert.equal(r.state, state);
      assert.deepEqual(r.actions, []);
    }
  });
});

describe('parseFailoverState', () => {
  const good = run(halted(), SCRIPT.slice(0, 2)).states.at(-1)!; // stabilising

  function broken(edit: (state: Record<string, any>) => void): unknown {
    const copy = JSON.parse(JSON.stringify(good)) as Record<string, any>;
    edit(copy);
    return copy;
  }

  it('names the first field that does not fit', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'state: expected an object'],
      [broken((s) => (s.version = 2)), 'state.version: expected 1, got 2'],
      [broken((s) => (s.phase = 'resting')), 'state.phase: expected one of halted, recovering, stabilising, grace, restoring, awaiting_acknowledgement, acknowledged, got "resting"'],
      [broken((s) => (s.phaseSince = null)), 'state.phaseSince: expected epoch ms or a duration (a finite number ≥ 0), got null'],
      [broken((s) => (s.halt.events = {})), 'state.halt.events: expected an array'],
      [broken((s) => (s.leader.name = 7)), 'state.leader.name: expected a string, got 7'],
      [broken((s) => (s.restore.attempts = 1.5)), 'state.restore.attempts: expected a whole number ≥ 0, got 1.5'],
      [broken((s) => (s.restore.unverified = ['node1', null])), 'state.restore.unverified[1]: expected a string, got null'],
      [broken((s) => (s.leader = null)), 'state.leader: phase stabilising needs a leader and stableSince'],
      [broken((s) => ((s.phaseEndsAt = null), (s.phaseEndsAtMono = null))), 'state.phaseEndsAt: phase stabilising needs phaseEndsAt'],
      [broken((s) => (s.phaseEndsAtMono = null)), 'state.phaseEndsAtMono: must be null exactly when state.phaseEndsAt is'],
      [broken((s) => (s.monoAt = 'soon')), 'state.monoAt: expected a finite number, got "soon"'],
      [broken((s) => (s.updatedAt = s.phaseSince - 1)), 'state.updatedAt: is before state.phaseSince'],
      [broken((s) => ((s.phase = 'acknowledged'), (s.restore.restoredAt = 1))), 'state.acknowledgement: phase acknowledged needs an acknowledgement'],
    ];
    for (const [json, message] of cases) {
      assert.throws(
        () => parseFailoverState(json),
        (error: unknown) => error instanceof FailoverStateError && error.message === message,
        message,
      );
    }
  });

  it('a state saved before the monotonic fields, unresolved restores, changed knobs and forced acknowledgements existed reads with them filled in', () => {
    const old = broken((s) => {
      delete s.phaseEndsAtMono;
      delete s.monoAt;
      delete s.restore.unresolved;
      delete s.restore.changedBySomeoneElse;
    });
    const parsed = parseFailoverState(old);
    assert.equal(parsed.phaseEndsAtMono, good.phaseEndsAt, 'the wall-clock deadline the old state waited on');
    assert.equal(parsed.monoAt, good.updatedAt);
    assert.equal(parsed.restore.unresolved, null);
    assert.deepEqual(parsed.restore.changedBySomeoneElse, []);
    const acknowledged = JSON.parse(JSON.stringify(run(halted(), SCRIPT).states.at(-1))) as Record<string, any>;
    acknowledged.acknowledgement = { by: 'alice', at: acknowledged.acknowledgement.at };
    assert.deepEqual(parseFailoverState(acknowledged).acknowledgement, { by: 'alice', at: T0 + 600_000, forced: false, unresolved: null });
  });

  it('accepts what the machine produces and returns it as it is', () => {
    const json = JSON.parse(JSON.stringify(good)) as unknown;
    assert.equal(parseFailoverState(json), json);
  });
});

describe('failover state: a wall clock stepped across a restart', () => {
  const HOUR = 3_600_000;
  /** Saved in stabilising on node2 at +4000 (30 s to go); node2's agent saved it with its monotonic clock reading 4000. */
  function savedInStabilising(): FailoverState {
    const r = run(halted(), SCRIPT.slice(0, 2));
    const state = r.states.at(-1)!;
    assert.equal(state.phase, 'stabilising');
    assert.equal(state.phaseEndsAtMono! - state.monoAt, 30_000);
    return state;
  }

  for (const [what, wallStep] of [
    ['forward', HOUR],
    ['back', -HOUR],
  ] as const) {
    it(`loaded after a restart with the wall clock stepped ${what} 1 h: the phase resumes with the 30 s it had left`, () => {
      const stored = roundTrip(savedInStabilising());
      // The new process: its monotonic clock starts near 0; the wall clock reads +10 s ± 1 h.
      const wall = T0 + 10_000 + wallStep;
      const resumed = resume(stored, { now: wall, mono: 50 });
      assert.deepEqual(resumed.actions, []);
      assert.equal(resumed.state.phaseEndsAtMono, 30_050);
      assert.equal(resumed.state.phaseEndsAt, Math.max(wall, stored.updatedAt) + 30_000, 'shown to people on the wall clock they now read');
      const observe = (mono: number) => step(resumed.state, { now: wall + (mono - 50), mono, topology: node2, self: 'node2' }, S);
      assert.equal(observe(30_049).state.phase, 'stabilising', 'not ended early');
      const grace = observe(30_050).state;
      assert.equal(grace.phase, 'grace', 'not frozen');
      assert.equal(grace.phaseEndsAtMono, 330_050);
    });

    it(`in a restore backoff, loaded after a restart with the wall clock stepped ${what} 1 h: the retry waits for what the backoff had left`, () => {
      // Attempt 1 failed at +432000: 1 s of backoff saved at that moment.
      const stored = roundTrip(run(halted(), SCRIPT.slice(0, 10)).states.at(-1)!);
      assert.equal(stored.phaseEndsAtMono! - stored.monoAt, 1_000);
      const wall = T0 + 432_200 + wallStep;
      const resumed = resume(stored, { now: wall, mono: 7 }).state;
      const observe = (mono: number) => step(resumed, { now: wall + (mono - 7), mono, topology: node3, self: 'node3' }, S);
      assert.deepEqual(observe(1_006).actions, [], 'no retry before the backoff is over');
      assert.deepEqual(
        observe(1_007).actions.map((a) => a.type),
        ['record_event', 'restore_baseline'],
      );
    });
  }
});
