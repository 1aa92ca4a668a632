/**
 * FailoverCoordinator against a fake clock and a MemoryStore (DESIGN.md §4 rules 8 and 9): replicas
 * only watch, the agent beside a new leader halts orphaned sessions with the time its own detection
 * was made, steps them through the protocol, restores the baseline once, and every state change is
 * stored (revision-guarded) before the action that follows it; a restarted executor restores and
 * aborts; acknowledgements are checked and applied in the same queue as the ticks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PostgresUnreachableError } from '../../../../src/postgres/errors.js';
import { StaleRecordError } from '../../../../src/store/store.js';
import type { TopologyEvent } from '../../../../src/topology/diff.js';
import type { Detection, LocalRun } from '../../../../src/tuning/failover/protocol.js';
import { startFailover, step, type FailoverState } from '../../../../src/tuning/failover/index.js';
import { BaselineRestoreError } from '../../../../src/tuning/apply/baseline-restore.js';
import { SessionRequestError } from '../../../../src/tuning/refusal.js';
import { Agent, deferred, isWrite, REVERIFY_MS, SCOPE, SETTINGS, storedEvents, UNREACHABLE, waitUntil, World } from './coordinator-support.js';
import { shaped, T0 } from './support.js';

const S1 = 's-1';
const node1Leads = shaped({ leader: 'node1' });
const node2Leads = shaped({ leader: 'node2', timeline: 2 });
const node2Paused = shaped({ leader: 'node2', timeline: 2, paused: true });
const node3Leads = shaped({ leader: 'node3', timeline: 3 });
const TAKEOVER: TopologyEvent[] = [
  { type: 'leader_changed', from: 'node1', to: 'node2' },
  { type: 'timeline_changed', from: 1, to: 2 },
  { type: 'member_down', member: 'node1', health: null, wasLeader: true },
];

/**
 * Session s-1 runs on node1; node2's agent, a replica, sees node1 healthy at +0 and +1000, its REST
 * API gone at the +2000 poll (seen at +2040), then itself leading on timeline 2 at +5000.
 */
async function newLeaderHalts(
  world = new World(),
  beforeTakeover: (agent: Agent) => Promise<void> = async () => undefined,
): Promise<{ world: World; agent: Agent }> {
  await world.runningSession(S1, 'node1');
  const agent = new Agent(world, 'node2');
  world.at(0);
  await agent.poll(node1Leads);
  world.at(1_000);
  await agent.poll(node1Leads);
  world.at(2_000);
  await agent.poll(node1Leads, { leader: UNREACHABLE, latencyMs: 40 });
  await beforeTakeover(agent);
  world.at(5_000);
  await agent.poll(node2Leads, { events: TAKEOVER });
  return { world, agent };
}

/** From the halt to the end of stabilisation: grace runs until +12000. */
async function throughStabilisation(world: World, agent: Agent): Promise<void> {
  world.at(6_000);
  await agent.poll(node2Paused); // halted → recovering; paused, so nothing to stabilise on
  world.at(7_000);
  await agent.poll(node2Leads); // stabilising until +9000
  world.at(9_000);
  await agent.poll(node2Leads); // grace until +12000
}

async function phaseOf(world: World, sessionId = S1): Promise<string | null> {
  return (await world.store.getFailoverState(sessionId))?.state.phase ?? null;
}

async function rejection(promise: Promise<unknown>): Promise<SessionRequestError> {
  const error = await promise.then(
    () => assert.fail('expected a SessionRequestError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SessionRequestError, `expected a SessionRequestError, got ${String(error)}`);
  return error;
}

describe('FailoverCoordinator', () => {
  it("a replica's agent records one detection per episode when the leader's REST API stops answering, and never writes", async () => {
    const world = new World();
    await world.runningSession(S1, 'node1');
    const agent = new Agent(world, 'node2');
    const polls: Array<[number, boolean]> = [
      [0, true],
      [1_000, true],
      [2_000, false], // episode 1 starts: seen at +2040
      [3_000, false], // the same episode: no new detection
      [4_000, true],
      [5_000, false], // episode 2: seen at +5040
      [6_000, false],
    ];
    for (const [t, answers] of polls) {
      world.at(t);
      await agent.poll(node1Leads, answers ? {} : { leader: UNREACHABLE, latencyMs: 40 });
    }

    const reason = "the leader is unreachable: node1's Patroni REST API: connect ECONNREFUSED 127.0.0.1:43627";
    assert.deepEqual(agent.coordinator.detections, [
      { at: T0 + 2_040, changedAt: T0 + 1_000, reason, events: [] },
      { at: T0 + 5_040, changedAt: T0 + 4_000, reason, events: [] },
    ]);
    // A poll costs a replica's agent no store reads (halted sessions are read per scrape), and it
    // wrote nothing and left the session alone.
    assert.ok(!agent.storeCalls.includes('sessionsInState'));
    assert.deepEqual(agent.storeCalls.filter(isWrite), []);
    assert.equal((await world.store.getSession(S1))?.state, 'running');
    assert.equal(await world.store.getFailoverState(S1), null);
    assert.deepEqual(agent.restores, []);
  });

  it('the agent beside a new leader halts the old executor’s running session on its first tick, timed by its own earlier detection', async () => {
    const { world, agent } = await newLeaderHalts();

    const session = await world.store.getSession(S1);
    assert.equal(session?.state, 'halted');
    assert.equal(session?.updatedAt.getTime(), T0 + 5_000, 'the halt was written at +5000');
    const record = await world.store.getFailoverState(S1);
    assert.ok(record);
    assert.equal(record.revision, 1);
    assert.equal(record.state.phase, 'halted');
    // Halted when node2's agent saw node1's REST API go (+2040), not when it could write (+5000);
    // changed after the last poll that showed node1 leading healthy (+1000).
    assert.equal(record.state.halt.at, T0 + 2_040);
    assert.equal(record.state.halt.changedAt, T0 + 1_000);
    assert.equal(record.state.halt.detectionLatencyMs, 1_040);
    assert.match(record.state.halt.reason, /^the leader is unreachable: node1's Patroni REST API: .*; its executor node1 no longer leads; node2 does$/);
    assert.equal(session?.reason, record.state.halt.reason);
    assert.deepEqual(await world.events(S1), ['∅→halted:halted@+2040']);
    // The takeover poll belongs to the same episode: still one detection.
    assert.equal(agent.coordinator.detections.length, 1);
    assert.deepEqual(agent.restores, []);
  });

  it('steps halted → recovering → stabilising → grace → restoring on the fake clock, restores once, each event stored before the restore', async () => {
    const { world, agent } = await newLeaderHalts();
    const seenAtRestore: string[][] = [];
    agent.restore = async (call) => {
      seenAtRestore.push(await world.events(call.sessionId));
      const record = await world.store.getFailoverState(call.sessionId);
      assert.equal(record?.state.phase, 'restoring');
      assert.equal(record?.state.restore.inFlight?.attempt, 1);
      world.t += 250; // the restore takes a while
      return { unverified: ['node1'] };
    };

    const expectPhase = async (t: number, phase: string, revision: number) => {
      assert.equal(await phaseOf(world), phase, `phase at +${t}`);
      assert.equal(await world.revision(S1), revision, `revision at +${t}`);
    };
    world.at(6_000);
    await agent.poll(node2Paused);
    await expectPhase(6_000, 'recovering', 2);
    world.at(7_000);
    await agent.poll(node2Leads);
    await expectPhase(7_000, 'stabilising', 3);
    world.at(8_999);
    await agent.poll(node2Leads);
    await expectPhase(8_999, 'stabilising', 3);
    world.at(9_000);
    await agent.poll(node2Leads);
    await expectPhase(9_000, 'grace', 4);
    world.at(11_999);
    await agent.poll(node2Leads);
    await expectPhase(11_999, 'grace', 4);
    assert.equal(agent.restores.length, 0);
    world.at(12_000);
    await agent.poll(node2Leads);
    await expectPhase(12_250, 'awaiting_acknowledgement', 6);

    assert.equal(agent.restores.length, 1);
    assert.equal(agent.restores[0]?.sessionId, S1);
    assert.deepEqual(agent.restores[0]?.members, ['node1', 'node2', 'node3']);
    const state = (await world.store.getFailoverState(S1))!.state;
    assert.deepEqual(state.restore.unverified, ['node1']);
    assert.equal(state.restore.restoredAt, T0 + 12_250);
    assert.equal(state.restore.restoredBy, 'node2');
    const history = [
      '∅→halted:halted@+2040',
      'halted→recovering:protocol_started@+6000',
      'recovering→stabilising:leader_healthy@+7000',
      'stabilising→grace:stabilised@+9000',
      'grace→restoring:grace_ended@+12000',
      'requested#1@+12000 by node2',
    ];
    assert.deepEqual(seenAtRestore, [history], 'when the restore was asked, its request was already stored');
    assert.deepEqual(await world.events(S1), [...history, 'restoring→awaiting_acknowledgement:restored@+12250']);

    // Later polls restore nothing more.
    world.at(30_000);
    await agent.poll(node2Leads);
    assert.equal(agent.restores.length, 1);
  });

  it('a failed restore is recorded and retried only after the backoff, then succeeds', async () => {
    const { world, agent } = await newLeaderHalts();
    await throughStabilisation(world, agent);
    let calls = 0;
    agent.restore = async () => {
      calls += 1;
      if (calls === 1) throw new Error('PATCH /config failed: 503 Service Unavailable');
      return { unverified: [] };
    };

    world.at(12_000);
    await agent.poll(node2Leads);
    assert.equal(agent.restores.length, 1);
    const failed = (await world.store.getFailoverState(S1))!.state;
    assert.equal(failed.phase, 'restoring');
    assert.equal(failed.restore.lastError, 'PATCH /config failed: 503 Service Unavailable');
    assert.equal(failed.restore.nextAttemptAt, T0 + 12_500);
    assert.ok(agent.warnings().includes('baseline restore failed; retrying after the backoff'));

    world.at(12_499);
    await agent.poll(node2Leads);
    assert.equal(agent.restores.length, 1, 'no retry before the backoff is over');
    world.at(12_500);
    await agent.poll(node2Leads);
    assert.equal(agent.restores.length, 2);
    assert.deepEqual(
      agent.restores.map((call) => call.at - T0),
      [12_000, 12_500],
    );

    const state = (await world.store.getFailoverState(S1))!.state;
    assert.equal(state.phase, 'awaiting_acknowledgement');
    assert.equal(state.restore.restoredAttempt, 2);
    assert.deepEqual((await world.events(S1)).slice(-5), [
      'grace→restoring:grace_ended@+12000',
      'requested#1@+12000 by node2',
      'failed#1@+12000 retry+500',
      'requested#2@+12500 by node2',
      'restoring→awaiting_acknowledgement:restored@+12500',
    ]);
  });

  describe('the wall clock stepped an hour forward or back (NTP, an operator): waits are timed on the monotonic clock', () => {
    const HOUR = 3_600_000;
    for (const [what, wallStep] of [
      ['forward', HOUR],
      ['back', -HOUR],
    ] as const) {
      it(`stepped ${what} during stabilisation and again during grace: each phase ends when its time has really passed`, async () => {
        const { world, agent } = await newLeaderHalts();
        world.at(6_000);
        await agent.poll(node2Paused);
        world.at(7_000);
        await agent.poll(node2Leads); // stabilising: 2 s
        world.stepWall(wallStep);
        world.at(world.t - T0 + 1_999); // 1999 ms really passed
        await agent.poll(node2Leads);
        assert.equal(await phaseOf(world), 'stabilising', 'not ended early, not frozen yet');
        world.at(world.t - T0 + 1);
        await agent.poll(node2Leads);
        assert.equal(await phaseOf(world), 'grace', 'ended after 2 s on the monotonic clock');
        world.stepWall(-wallStep);
        world.at(world.t - T0 + 2_999);
        await agent.poll(node2Leads);
        assert.equal(await phaseOf(world), 'grace');
        assert.deepEqual(agent.restores, []);
        world.at(world.t - T0 + 1);
        await agent.poll(node2Leads);
        assert.equal(agent.restores.length, 1, 'grace ended after 3 s on the monotonic clock: restored');
        assert.equal(await phaseOf(world), 'awaiting_acknowledgement');
      });

      it(`stepped ${what} during a restore backoff: the retry comes when the backoff has really passed`, async () => {
        const { world, agent } = await newLeaderHalts();
        await throughStabilisation(world, agent);
        let calls = 0;
        agent.restore = async () => {
          calls += 1;
          if (calls === 1) throw new Error('PATCH /config failed: 503 Service Unavailable');
          return { unverified: [] };
        };
        world.at(12_000);
        await agent.poll(node2Leads); // attempt 1 fails: 500 ms backoff
        world.stepWall(wallStep);
        world.at(world.t - T0 + 499);
        await agent.poll(node2Leads);
        assert.equal(agent.restores.length, 1, 'no retry before the backoff has passed');
        world.at(world.t - T0 + 1);
        await agent.poll(node2Leads);
        assert.equal(agent.restores.length, 2, 'retried once 500 ms really passed');
      });
    }

    it('a phase in progress is saved every checkpointIntervalMs, so an agent restarting over and over still gets through it', async () => {
      const { world, agent } = await newLeaderHalts();
      await throughStabilisation(world, agent); // grace: 3 s from +9000
      await agent.coordinator.close();
      let current = new Agent(world, 'node2', { checkpointIntervalMs: 500 });
      let restarts = 0;
      // A restart every 900 ms, polls every 100 ms: without checkpoints grace would start over each time.
      for (let t = 9_100; t <= 30_000 && current.restores.length === 0; t += 100) {
        world.at(t);
        if ((t - 9_000) % 900 === 0) {
          await current.coordinator.close();
          current = new Agent(world, 'node2', { monoOrigin: world.mono - t, checkpointIntervalMs: 500 });
          restarts += 1;
        }
        await current.poll(node2Leads);
      }
      assert.equal(current.restores.length, 1, 'grace ended and the baseline was restored');
      // Each restart loses at most the time since the last checkpoint.
      const late = current.restores[0]!.at - T0 - 12_000;
      assert.ok(late <= restarts * 500, `restored ${late} ms late after ${restarts} restarts`);
    });

    it('an agent restarted with its wall clock an hour ahead resumes stabilisation with what it had left at the last save', async () => {
      const { world, agent } = await newLeaderHalts();
      world.at(6_000);
      await agent.poll(node2Paused);
      world.at(7_000);
      await agent.poll(node2Leads); // stabilising: 2 s, saved at +7000
      await agent.coordinator.close();
      // The agent restarts 500 ms later with a fresh monotonic clock, and the wall clock an hour ahead.
      world.at(7_500);
      world.stepWall(HOUR);
      const restarted = new Agent(world, 'node2', { monoOrigin: world.mono - 3 });
      await restarted.poll(node2Leads);
      const resumed = (await world.store.getFailoverState(S1))!.state;
      assert.equal(resumed.phase, 'stabilising', 'an hour on the wall clock did not end it');
      assert.equal(resumed.phaseEndsAtMono, 3 + 2_000, 'the 2 s it had left at the save, on the new clock');
      assert.equal(resumed.phaseEndsAt, world.t + 2_000);
      world.at(world.t - T0 + 1_999);
      await restarted.poll(node2Leads);
      assert.equal(await phaseOf(world), 'stabilising');
      world.at(world.t - T0 + 1);
      await restarted.poll(node2Leads);
      assert.equal(await phaseOf(world), 'grace');
    });
  });

  it("a new leader's timeline lagging in /cluster right after its promotion does not restart stabilisation", async () => {
    const { world, agent: beside2 } = await newLeaderHalts();
    world.at(6_000);
    // /cluster still lists timeline 1 for node2; its own /patroni already says 2.
    await beside2.poll(shaped({ leader: 'node2', timeline: 1 }), { nodeTimeline: 2 });
    world.at(7_000);
    await beside2.poll(shaped({ leader: 'node2', timeline: 2 }));
    const state = (await world.store.getFailoverState(S1))!.state;
    assert.equal(state.phase, 'stabilising');
    assert.deepEqual(state.leader, { name: 'node2', timeline: 2 });
    assert.equal(state.restarts, 0);
  });

  it('a leader change during stabilisation falls back to recovering and restarts stabilisation on the new leader', async () => {
    const { world, agent: beside2 } = await newLeaderHalts();
    world.at(6_000);
    await beside2.poll(node2Leads); // halted → recovering → stabilising on node2 until +8000
    assert.equal(await phaseOf(world), 'stabilising');
    assert.equal(await world.revision(S1), 2);

    // node3 takes over at +7000. node2's agent, now beside a replica, does not step the protocol …
    const beside3 = new Agent(world, 'node3');
    const takeover: TopologyEvent[] = [
      { type: 'leader_changed', from: 'node2', to: 'node3' },
      { type: 'timeline_changed', from: 2, to: 3 },
    ];
    const writes = beside2.storeCalls.filter(isWrite).length;
    world.at(7_000);
    await beside2.poll(node3Leads, { events: takeover });
    assert.equal(await world.revision(S1), 2);
    assert.equal(beside2.storeCalls.filter(isWrite).length, writes, 'node2 writes nothing once it no longer leads');
    // … the agent beside node3 does.
    await beside3.poll(node3Leads, { events: takeover });
    let state = (await world.store.getFailoverState(S1))!.state;
    assert.equal(state.phase, 'stabilising');
    assert.deepEqual(state.leader, { name: 'node3', timeline: 3 });
    assert.equal(state.stableSince, T0 + 7_000);
    assert.equal(state.phaseEndsAt, T0 + 9_000);
    assert.equal(state.restarts, 1);
    assert.deepEqual((await world.events(S1)).slice(-2), ['stabilising→recovering:leader_changed@+7000', 'recovering→stabilising:leader_healthy@+7000']);

    // node2's stabilisation would have ended at +8000: it counts for nothing now.
    world.at(8_000);
    await beside3.poll(node3Leads);
    world.at(8_999);
    await beside3.poll(node3Leads);
    assert.equal(await phaseOf(world), 'stabilising');
    world.at(9_000);
    await beside3.poll(node3Leads);
    state = (await world.store.getFailoverState(S1))!.state;
    assert.equal(state.phase, 'grace');
    assert.equal(state.stabilisedAt, T0 + 9_000);
    assert.deepEqual(beside2.restores, []);
    assert.deepEqual(beside3.restores, []);
  });

  describe('a session this agent executed, found running on its tick', () => {
    async function restartedExecutor(local: LocalRun | null, options: { baseline: boolean }) {
      const world = new World();
      await world.runningSession(S1, 'node1');
      if (options.baseline) await world.saveBaseline(S1);
      const agent = new Agent(world, 'node1');
      if (local) agent.local.set(S1, local);
      const eventsAtRestore: string[][] = [];
      agent.restore = async (call) => {
        eventsAtRestore.push((await world.store.listEvents(call.sessionId)).map((e) => e.type));
        return { unverified: ['node3'], changedBySomeoneElse: [{ name: 'work_mem', dcs: '64MB', lastSentByTuner: '8MB' }] };
      };
      world.at(1_000);
      await agent.poll(node1Leads);
      return { world, agent, eventsAtRestore };
    }

    it('after a restart (localRun null): the baseline is restored, then the session aborted', async () => {
      const { world, agent, eventsAtRestore } = await restartedExecutor(null, { baseline: true });
      assert.equal(agent.restores.length, 1);
      assert.equal(agent.restores[0]?.sessionId, S1);
      assert.deepEqual(agent.restores[0]?.members, ['node1', 'node2', 'node3']);
      assert.deepEqual(eventsAtRestore, [['executor_lost']], 'the loss is stored before the restore is asked');
      const session = await world.store.getSession(S1);
      assert.equal(session?.state, 'aborted');
      assert.equal(
        session?.reason,
        'the agent executing it restarted mid-session; the baseline was restored (unverified: node3) (changed by someone else, left as set: work_mem)',
      );
      const aborted = (await world.store.listEvents(S1)).at(-1)!;
      assert.deepEqual(aborted.detail.changedBySomeoneElse, [{ name: 'work_mem', dcs: '64MB', lastSentByTuner: '8MB' }]);
      assert.equal(session?.endedAt?.getTime(), T0 + 1_000);
      assert.deepEqual(
        (await world.store.listEvents(S1)).map((e) => e.type),
        ['executor_lost', 'session_aborted'],
      );
      assert.equal(await world.store.getFailoverState(S1), null, 'an abort is not a failover');
    });

    it('after a restart before the baseline was recorded: aborted, nothing restored', async () => {
      const { world, agent } = await restartedExecutor(null, { baseline: false });
      assert.deepEqual(agent.restores, []);
      const session = await world.store.getSession(S1);
      assert.equal(session?.state, 'aborted');
      assert.equal(session?.reason, 'the agent executing it restarted before the baseline was recorded; nothing had been applied');
      assert.deepEqual(
        (await world.store.listEvents(S1)).map((e) => e.type),
        ['session_aborted'],
      );
    });

    for (const kind of ['running', 'ended'] as const) {
      it(`localRun ${kind}: left alone`, async () => {
        const { world, agent } = await restartedExecutor({ kind }, { baseline: true });
        world.at(2_000);
        await agent.poll(node1Leads);
        assert.deepEqual(agent.restores, []);
        assert.equal((await world.store.getSession(S1))?.state, 'running');
        assert.equal(await world.store.getFailoverState(S1), null);
        assert.deepEqual(await world.store.listEvents(S1), []);
      });
    }

    it("localRun halted: the failover protocol starts with the runner's detection", async () => {
      const detection: Detection = {
        at: T0 + 600,
        changedAt: T0 + 500,
        reason: 'topology changed: paused',
        events: [{ type: 'paused' }],
      };
      const { world, agent } = await restartedExecutor({ kind: 'halted', detection }, { baseline: true });
      assert.deepEqual(agent.restores, []);
      const session = await world.store.getSession(S1);
      assert.equal(session?.state, 'halted');
      assert.equal(session?.reason, 'topology changed: paused');
      const halt = (await world.store.getFailoverState(S1))!.state.halt;
      assert.deepEqual(halt, { at: T0 + 600, changedAt: T0 + 500, reason: 'topology changed: paused', events: [{ type: 'paused' }], detectionLatencyMs: 100 });
    });

    it('a restore that keeps failing after a restart is retried with the backoff, not every poll, then handed to the failover protocol', async () => {
      const world = new World();
      await world.runningSession(S1, 'node1');
      await world.saveBaseline(S1);
      const agent = new Agent(world, 'node1');
      agent.restore = async () => {
        throw new Error('PATCH /config failed: 503 Service Unavailable');
      };
      // Polls every 100 ms for 6 s.
      for (let t = 1_000; t <= 7_000; t += 100) {
        world.at(t);
        await agent.poll(node1Leads);
      }
      // SETTINGS: backoff 500 ms doubling to 2 s; 4 attempts in a row, then the protocol takes over.
      assert.deepEqual(
        agent.restores.slice(0, 4).map((call) => call.at - T0),
        [1_000, 1_500, 2_500, 4_500],
      );
      const events = await world.events(S1);
      assert.deepEqual(events.slice(0, 5), [
        'executor_lost@+1000',
        'baseline_restore_failed@+1000',
        'baseline_restore_failed@+1500',
        'baseline_restore_failed@+2500',
        'baseline_restore_failed@+4500',
      ]);
      const session = await world.store.getSession(S1);
      assert.equal(session?.state, 'halted', 'not aborted: the cluster is not known to be on its baseline');
      const failover = (await world.store.getFailoverState(S1))?.state;
      assert.ok(failover, 'the failover protocol started');
      assert.match(failover.halt.reason, /the agent executing it restarted; the baseline could not be restored after 4 attempts: PATCH \/config failed/);
      assert.equal(failover.halt.at, T0 + 4_500);
    });

    it('localRun lost (its runner lost the store): restored and aborted like a restart', async () => {
      const { world, agent } = await restartedExecutor({ kind: 'lost' }, { baseline: true });
      assert.equal(agent.restores.length, 1);
      const session = await world.store.getSession(S1);
      assert.equal(session?.state, 'aborted');
      assert.equal(session?.reason, 'its runner lost the state store mid-session; the baseline was restored (unverified: node3) (changed by someone else, left as set: work_mem)');
      assert.equal(await world.store.getFailoverState(S1), null);
    });
  });

  it('acknowledge: 404 unknown, 409 session_not_halted while running, 409 not_awaiting_acknowledgement with the phase', async () => {
    const { world } = await newLeaderHalts(new World(), async (agent) => {
      let error = await rejection(agent.coordinator.acknowledge('nope', 'alice'));
      assert.equal(error.code, 'session_not_found');
      error = await rejection(agent.coordinator.acknowledge(S1, 'alice'));
      assert.equal(error.code, 'session_not_halted');
      assert.deepEqual(error.details, { state: 'running' });
    });
    const agent = new Agent(world, 'node2');
    const error = await rejection(agent.coordinator.acknowledge(S1, 'alice'));
    assert.equal(error.code, 'not_awaiting_acknowledgement');
    assert.deepEqual(error.details, { phase: 'halted' });
    assert.equal(await world.revision(S1), 1, 'a refused acknowledgement writes nothing');
  });

  it('acknowledge in awaiting_acknowledgement ends the session; a new one can start; a second acknowledgement is refused', async () => {
    const { world, agent } = await newLeaderHalts();
    await throughStabilisation(world, agent);
    let error = await rejection(agent.coordinator.acknowledge(S1, 'alice'));
    assert.equal(error.code, 'not_awaiting_acknowledgement');
    assert.deepEqual(error.details, { phase: 'grace' });
    world.at(12_000);
    await agent.poll(node2Leads);
    assert.equal(await phaseOf(world), 'awaiting_acknowledgement');
    assert.equal((await agent.coordinator.haltedSessions()).length, 1);

    error = await rejection(agent.coordinator.acknowledge(S1, '   '));
    assert.equal(error.code, 'acknowledger_required');
    assert.deepEqual(error.details, { phase: 'awaiting_acknowledgement' });
    const before = await world.revision(S1);

    world.at(20_000);
    const { session, failover } = await agent.coordinator.acknowledge(S1, ' alice ');
    assert.equal(session.state, 'acknowledged');
    assert.equal(session.endedAt?.getTime(), T0 + 20_000);
    assert.equal(failover.phase, 'acknowledged');
    assert.deepEqual(failover.acknowledgement, { by: 'alice', at: T0 + 20_000, forced: false, unresolved: null });
    assert.equal(await world.revision(S1), before! + 1);
    assert.equal((await world.store.getSession(S1))?.state, 'acknowledged');
    assert.deepEqual((await world.events(S1)).slice(-1), ['awaiting_acknowledgement→acknowledged:acknowledged@+20000']);
    assert.deepEqual(await agent.coordinator.haltedSessions(), []);
    const next = await world.store.createSession({ id: 's-2', scope: SCOPE, options: session.options, executor: 'node2' });
    assert.equal(next.state, 'pending');

    error = await rejection(agent.coordinator.acknowledge(S1, 'bob'));
    assert.equal(error.code, 'session_not_halted');
    assert.deepEqual(error.details, { state: 'acknowledged' });
  });

  it('knobs a person changed after the halt are reported as changed_by_someone_else in the state and the restored event', async () => {
    const { world, agent } = await newLeaderHalts();
    await throughStabilisation(world, agent);
    const changed = [{ name: 'random_page_cost', dcs: '2', lastSentByTuner: '1.1' }];
    agent.restore = async () => ({ unverified: [], changedBySomeoneElse: changed });
    world.at(12_000);
    await agent.poll(node2Leads);
    const state = (await world.store.getFailoverState(S1))!.state;
    assert.equal(state.phase, 'awaiting_acknowledgement');
    assert.deepEqual(state.restore.changedBySomeoneElse, changed);
    const restored = (await world.store.listEvents(S1)).at(-1)!;
    assert.deepEqual(restored.detail.restore, { attempt: 1, by: 'node2', unverified: [], changedBySomeoneElse: changed });
  });

  it('a restore that never succeeds ends in awaiting_acknowledgement; acknowledging needs force (409 force_required), and is recorded as forced', async () => {
    const { world, agent } = await newLeaderHalts();
    await throughStabilisation(world, agent);
    const verification = [
      { member: 'node2', verified: true, mismatches: [], pendingRestart: [], error: null },
      { member: 'node3', verified: false, mismatches: [{ name: 'work_mem', expected: 4096, actual: '8192' }], pendingRestart: ['shared_buffers'], error: 'pending restart: shared_buffers' },
    ];
    agent.restore = async () => {
      throw new BaselineRestoreError('baseline not verified on node3 (pending restart: shared_buffers)', verification);
    };
    for (const t of [12_000, 12_500, 13_500, 15_500]) {
      world.at(t);
      await agent.poll(node2Leads);
    }
    assert.equal(agent.restores.length, 4);
    const state = (await world.store.getFailoverState(S1))!.state;
    assert.equal(state.phase, 'awaiting_acknowledgement');
    assert.deepEqual(state.restore.unresolved, {
      failures: 4,
      lastError: 'baseline not verified on node3 (pending restart: shared_buffers)',
      notVerified: [{ member: 'node3', parameters: ['shared_buffers', 'work_mem'] }],
    });
    assert.deepEqual((await world.events(S1)).slice(-1), ['restoring→awaiting_acknowledgement:restore_abandoned@+15500']);
    world.at(30_000);
    await agent.poll(node2Leads);
    assert.equal(agent.restores.length, 4, 'no more attempts once the protocol gave up');

    const before = await world.revision(S1);
    const error = await rejection(agent.coordinator.acknowledge(S1, 'alice'));
    assert.equal(error.code, 'force_required');
    assert.deepEqual(error.details, { phase: 'awaiting_acknowledgement', unresolved: state.restore.unresolved });
    assert.equal(await world.revision(S1), before, 'a refused acknowledgement writes nothing');

    world.at(31_000);
    const { session, failover } = await agent.coordinator.acknowledge(S1, 'alice', { force: true });
    assert.equal(session.state, 'acknowledged');
    assert.deepEqual(failover.acknowledgement, { by: 'alice', at: T0 + 31_000, forced: true, unresolved: state.restore.unresolved });
    const last = (await world.store.listEvents(S1)).at(-1)!;
    assert.equal(last.type, 'failover_phase_changed');
    assert.equal(last.detail.forced, true);
  });

  it('acknowledge of a halted session whose protocol has not started: 409 not_awaiting_acknowledgement, phase null', async () => {
    const world = new World();
    await world.runningSession(S1, 'node1');
    await world.store.updateSession(S1, { state: 'halted', reason: 'topology changed: paused' });
    const agent = new Agent(world, 'node2');
    const error = await rejection(agent.coordinator.acknowledge(S1, 'alice'));
    assert.equal(error.code, 'not_awaiting_acknowledgement');
    assert.deepEqual(error.details, { phase: null });
  });

  // Fails today (see the report): coordinator.ts #handle starts the protocol of a session the store
  // shows halted from #storedHalt even while localRun still says `running`, i.e. while this agent's
  // runner is between storing `halted` (SessionRunner #finish) and handing its detection over.
  it("a halt stored by this agent's own runner keeps the runner's detection even if a tick reads it before the hand-over", async () => {
    const world = new World();
    await world.runningSession(S1, 'node1');
    const agent = new Agent(world, 'node1');
    agent.local.set(S1, { kind: 'running' });
    world.at(0);
    await agent.poll(node1Leads);
    // At the +1000 poll (a pause) the manager halts its runner and hands the same poll to the
    // coordinator. The runner stores the session halted (+1020) and only after its event is stored
    // and run() returned does the manager record { kind: 'halted', detection }.
    const detection: Detection = { at: T0 + 1_000, changedAt: T0, reason: 'topology changed: paused', events: [{ type: 'paused' }] };
    world.at(1_020);
    await world.store.updateSession(S1, { state: 'halted', reason: detection.reason });
    await agent.poll(shaped({ leader: 'node1', paused: true }), { events: [{ type: 'paused' }] }); // reads halted, localRun running
    agent.local.set(S1, { kind: 'halted', detection });
    world.at(2_000);
    await agent.poll(shaped({ leader: 'node1', paused: true }));

    const halt = (await world.store.getFailoverState(S1))?.state.halt;
    assert.deepEqual(halt, { at: T0 + 1_000, changedAt: T0, reason: 'topology changed: paused', events: [{ type: 'paused' }], detectionLatencyMs: 1_000 });
  });

  it('another writer saves first: the tick fails with a warning, nothing is lost, the next tick continues from the stored state', async () => {
    const { world, agent } = await newLeaderHalts();
    // Between the coordinator's read (revision 1) and its write, another agent steps the protocol
    // to recovering (no leader, as it saw it) and saves revision 2.
    let raced = false;
    agent.afterStoreCall = async (method, result) => {
      if (method !== 'getFailoverState' || raced) return;
      raced = true;
      const read = result as { state: FailoverState; revision: number };
      const other = step(read.state, { now: T0 + 5_500, topology: shaped({ leader: null }), self: 'node3' }, SETTINGS);
      await world.store.saveFailoverState({ state: other.state, expectedRevision: read.revision, events: storedEvents(other.actions) });
    };
    const logged = agent.logs.length;
    world.at(6_000);
    await agent.poll(node2Leads);

    assert.ok(raced);
    const warnings = agent.logs.slice(logged).filter((line) => line.level === 'warn');
    assert.deepEqual(
      warnings.map((line) => line.message),
      ['failover state changed under this agent; re-reading it', 'failover protocol step failed; retrying on the next poll'],
    );
    assert.ok(warnings[1]?.detail.err instanceof StaleRecordError);
    // The other writer's state and events stand; none of the failed tick's.
    let record = (await world.store.getFailoverState(S1))!;
    assert.equal(record.revision, 2);
    assert.equal(record.state.phase, 'recovering');
    assert.equal(record.state.phaseSince, T0 + 5_500);
    assert.deepEqual(await world.events(S1), ['∅→halted:halted@+2040', 'halted→recovering:protocol_started@+5500']);

    world.at(7_000);
    await agent.poll(node2Leads);
    record = (await world.store.getFailoverState(S1))!;
    assert.equal(record.revision, 3);
    assert.equal(record.state.phase, 'stabilising');
    const events = await world.store.listEvents(S1);
    assert.deepEqual(events.map((e) => `${e.type}:${String(e.detail.from)}→${String(e.detail.to)}`).slice(-1), ['failover_phase_changed:recovering→stabilising']);
    assert.equal(events.at(-1)?.detail.inPreviousPhaseMs, 1_500, 'counted from the phase the other writer stored');
    assert.equal(agent.logs.length, logged + 2, 'nothing more logged');
  });

  it('a restore attempt stored in flight by another process counts as failed and is retried after the backoff', async () => {
    const world = new World();
    await world.runningSession(S1, 'node1');
    // The protocol as node2's agent ran it before it restarted, up to attempt 1 in flight.
    const started = startFailover({ sessionId: S1, haltedAt: T0 + 2_040, reason: 'topology changed: leader_changed', changedAt: T0 + 1_000 });
    await world.store.beginFailover({ state: started.state, reason: started.state.halt.reason, events: storedEvents(started.actions) });
    let state = started.state;
    const actions = [];
    for (const t of [3_000, 5_000, 8_000]) {
      const next = step(state, { now: T0 + t, topology: node2Leads, self: 'node2' }, SETTINGS);
      state = next.state;
      actions.push(...next.actions);
    }
    assert.equal(state.phase, 'restoring');
    assert.equal(state.restore.inFlight?.attempt, 1);
    await world.store.saveFailoverState({ state, expectedRevision: 1, events: storedEvents(actions) });

    const agent = new Agent(world, 'node2');
    world.at(10_000);
    await agent.poll(node2Leads);
    assert.deepEqual(agent.restores, [], 'not before the backoff');
    let record = (await world.store.getFailoverState(S1))!;
    assert.equal(record.revision, 3);
    assert.equal(record.state.restore.inFlight, null);
    assert.equal(record.state.restore.nextAttemptAt, T0 + 10_500);
    assert.match(record.state.restore.lastError ?? '', /^no outcome for attempt 1: /);
    assert.deepEqual((await world.events(S1)).slice(-2), ['requested#1@+8000 by node2', 'failed#1@+10000 retry+500']);

    world.at(10_499);
    await agent.poll(node2Leads);
    assert.deepEqual(agent.restores, []);
    world.at(10_500);
    await agent.poll(node2Leads);
    assert.equal(agent.restores.length, 1);
    record = (await world.store.getFailoverState(S1))!;
    assert.equal(record.state.phase, 'awaiting_acknowledgement');
    assert.equal(record.state.restore.restoredAttempt, 2);
    assert.deepEqual((await world.events(S1)).slice(-2), ['requested#2@+10500 by node2', 'restoring→awaiting_acknowledgement:restored@+10500']);
  });

  it('members left unverified are re-checked every reverifyIntervalMs and come off the list', async () => {
    const { world, agent } = await newLeaderHalts();
    await throughStabilisation(world, agent);
    agent.restore = async () => ({ unverified: ['node3', 'node1'] });
    const answers = [[], ['node3'], ['node1']];
    agent.verify = async () => answers.shift() ?? assert.fail('verifiedMembers called once too often');

    world.at(12_000);
    await agent.poll(node2Leads); // restored; the first re-check follows at once
    assert.deepEqual((await world.store.getFailoverState(S1))!.state.restore.unverified, ['node1', 'node3']);
    for (const t of [15_000, 21_999, 22_000, 25_000, 32_000, 42_000, 52_000]) {
      world.at(t);
      await agent.poll(node2Leads);
    }
    assert.deepEqual(
      agent.verifications.map((call) => [call.at - T0, call.members]),
      [
        [12_000, ['node1', 'node3']],
        [12_000 + REVERIFY_MS, ['node1', 'node3']],
        [12_000 + 2 * REVERIFY_MS, ['node1']],
      ],
    );
    const record = (await world.store.getFailoverState(S1))!;
    assert.deepEqual(record.state.restore.unverified, []);
    assert.equal(record.state.phase, 'awaiting_acknowledgement');
    assert.deepEqual((await world.events(S1)).slice(-2), ['verified node3@+22000 remaining node1', 'verified node1@+32000 remaining ∅']);
  });

  it('haltedSessions lists halted sessions with their failover state, on the leader and on a replica reading the same store', async () => {
    const world = new World();
    const replica = new Agent(world, 'node3');
    assert.equal((await replica.coordinator.haltedSessions()).length, 0);
    const { agent: leader } = await newLeaderHalts(world);
    const [listed] = await leader.coordinator.haltedSessions();
    assert.equal((await leader.coordinator.haltedSessions()).length, 1);
    assert.equal(listed?.session.id, S1);
    assert.equal(listed?.session.state, 'halted');
    assert.equal(listed?.failover?.phase, 'halted');

    world.at(5_100);
    await replica.poll(node2Leads);
    assert.deepEqual(await replica.coordinator.haltedSessions(), await leader.coordinator.haltedSessions());
    assert.deepEqual(replica.storeCalls.filter(isWrite), []);

    world.at(6_000);
    await leader.poll(node2Leads);
    assert.equal((await leader.coordinator.haltedSessions())[0]?.failover?.phase, 'stabilising');
    // Read when asked (a scrape), not cached per poll: the replica's agent sees the step at once.
    assert.equal((await replica.coordinator.haltedSessions())[0]?.failover?.phase, 'stabilising');
  });

  it('close() aborts the restore in progress and waits for its tick to end; later polls do nothing', async () => {
    const { world, agent } = await newLeaderHalts();
    await throughStabilisation(world, agent);
    const restore = deferred<{ unverified: string[] }>();
    agent.restore = () => restore.promise;

    world.at(12_000);
    agent.observe(node2Leads);
    await waitUntil(() => agent.restores.length === 1, 'the restore is asked');
    const signal = agent.restores[0]!.signal;
    assert.equal(signal.aborted, false);

    let closed = false;
    const closing = agent.coordinator.close().then(() => {
      closed = true;
    });
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).message, 'the agent is shutting down');
    for (let turn = 0; turn < 20; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(closed, false, 'close() waits while the restore has not returned');
    assert.equal((await world.store.getFailoverState(S1))!.state.restore.inFlight?.attempt, 1);

    world.at(12_300);
    restore.reject(signal.reason); // the restorer gives up on the abort
    await closing;
    const record = (await world.store.getFailoverState(S1))!;
    assert.equal(record.state.phase, 'restoring');
    assert.equal(record.state.restore.lastError, 'the agent is shutting down');
    assert.deepEqual((await world.events(S1)).slice(-1), ['failed#1@+12300 retry+500']);

    const revision = record.revision;
    world.at(20_000);
    await agent.poll(node2Leads);
    assert.equal(agent.restores.length, 1);
    assert.equal(await world.revision(S1), revision);
  });
});

describe('FailoverCoordinator.haltedSessions when the store cannot be read', () => {
  it('rejects, so the metric reads unknown rather than 0; answers [] only when no state database exists yet', async () => {
    const agent = new Agent(new World(), 'node3');
    agent.afterStoreCall = async () => {
      throw new PostgresUnreachableError('PostgreSQL unreachable: ECONNREFUSED');
    };
    await assert.rejects(agent.coordinator.haltedSessions(), PostgresUnreachableError);
    agent.afterStoreCall = async () => {
      throw new PostgresUnreachableError('PostgreSQL error 3D000: database "patroni_tuner" does not exist', { sqlState: '3D000' });
    };
    assert.deepEqual(await agent.coordinator.haltedSessions(), []);
  });
});
