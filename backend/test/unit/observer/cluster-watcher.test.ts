import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ClusterWatcher, type ClusterWatcherOptions } from '../../../src/observer/cluster-watcher.js';
import type { ClusterObservation, TimedTopologyEvent } from '../../../src/observer/observation.js';
import { normalizeCluster, normalizeNodeStatus } from '../../../src/patroni/normalize.js';
import type { TopologyEvent } from '../../../src/topology/diff.js';
import { readFixture } from '../../fixtures/patroni/load.js';
import {
  editedCluster,
  FakeClock,
  FakePatroni,
  FakePostgres,
  gate,
  PATRONI_DOWN,
  POSTGRES_DOWN,
  type RawCluster,
} from './fakes.js';

const T0 = '2026-11-26T06:14:00.000Z';
const ms = (iso: string) => Date.parse(iso);

const recorded = (version: string, file: string) => readFixture(version, `recorded/${file}`);

/**
 * The step the recordings skip: between recorded/cluster.json (node1 leads on timeline 1) and
 * recorded/cluster-after-switchover.json (node1 leads again on timeline 3) another member led timeline
 * 2 — node3, as 3.0.2's recorded/history.json says. Built from recorded/cluster.json.
 */
function ledByNode3OnTimeline2(version: string): RawCluster {
  return editedCluster(recorded(version, 'cluster.json'), (cluster) => {
    for (const member of cluster.members) {
      member.timeline = 2;
      member.role = member.name === 'node3' ? 'leader' : 'replica';
      member.state = 'running';
    }
  });
}

interface Harness {
  watcher: ClusterWatcher;
  patroni: FakePatroni;
  postgres: FakePostgres;
  clock: FakeClock;
  /** Every listener call, in order. */
  heard: Array<{ events: TopologyEvent[]; observation: ClusterObservation }>;
}

/** A watcher beside node1 of the recorded lab of `version`, answering recorded/cluster.json. */
function harness(version = '4.1.5', options: Partial<ClusterWatcherOptions> = {}): Harness {
  const patroni = new FakePatroni(recorded(version, 'patroni-primary.json'), recorded(version, 'cluster.json'));
  const postgres = new FakePostgres();
  const clock = new FakeClock(T0);
  // node1's REST API in each recording.
  const patroniUrl = version === '3.0.2' ? 'http://127.0.0.1:42177' : 'http://127.0.0.1:43627';
  const watcher = new ClusterWatcher({ patroni, postgres, patroniUrl, pollIntervalMs: 1000, now: clock.now, ...options });
  const heard: Harness['heard'] = [];
  watcher.onTopologyEvents((events, observation) => heard.push({ events, observation }));
  return { watcher, patroni, postgres, clock, heard };
}

describe('ClusterWatcher.poll', () => {
  it('the first poll keeps the observation and gives no events', async () => {
    const { watcher, heard } = harness('4.1.5');
    assert.equal(watcher.latest, null);
    assert.deepEqual(watcher.stats, { polls: 0, patroniErrors: 0, postgresErrors: 0, lastSuccessAt: null });

    const observation = await watcher.poll();

    assert.deepEqual(observation, {
      at: ms(T0),
      patroni: {
        ok: true,
        value: {
          node: normalizeNodeStatus(recorded('4.1.5', 'patroni-primary.json')),
          topology: normalizeCluster(recorded('4.1.5', 'cluster.json')),
        },
      },
      postgres: { ok: true, value: { inRecovery: false } },
      self: 'node1',
      leader: null,
    });
    assert.equal(observation.patroni.ok && observation.patroni.value.topology.scope, 'lab-795904');
    assert.equal(watcher.latest, observation);
    assert.deepEqual(watcher.stats, { polls: 1, patroniErrors: 0, postgresErrors: 0, lastSuccessAt: ms(T0) });
    assert.deepEqual(watcher.recentEvents, []);
    assert.deepEqual(heard, []);
  });

  it('an unchanged cluster gives no events on later polls', async () => {
    const { watcher, clock, heard } = harness('4.1.5');
    await watcher.poll();
    clock.advance(1000);
    await watcher.poll();
    assert.deepEqual(watcher.recentEvents, []);
    assert.deepEqual(heard, []);
    assert.equal(watcher.stats.polls, 2);
  });

  for (const version of ['3.0.2', '4.1.5']) {
    it(`switchover and back (${version} recorded): leader_changed and timeline_changed at each poll's time`, async () => {
      const { watcher, patroni, clock, heard } = harness(version);
      const node = recorded(version, 'patroni-primary.json');
      await watcher.poll();

      const t1 = clock.advance(1000);
      patroni.answer(node, ledByNode3OnTimeline2(version));
      const first = await watcher.poll();
      const t2 = clock.advance(1000);
      patroni.answer(node, recorded(version, 'cluster-after-switchover.json'));
      const second = await watcher.poll();

      const away: TopologyEvent[] = [
        { type: 'leader_changed', from: 'node1', to: 'node3' },
        { type: 'timeline_changed', from: 1, to: 2 },
      ];
      const back: TopologyEvent[] = [
        { type: 'leader_changed', from: 'node3', to: 'node1' },
        { type: 'timeline_changed', from: 2, to: 3 },
      ];
      assert.deepEqual(heard.map((call) => call.events), [away, back]);
      assert.equal(heard[0]!.observation, first);
      assert.equal(heard[1]!.observation, second);
      assert.equal(first.at, t1);
      assert.deepEqual(watcher.recentEvents, [
        { at: t1, event: away[0]! },
        { at: t1, event: away[1]! },
        { at: t2, event: back[0]! },
        { at: t2, event: back[1]! },
      ]);
    });
  }

  it('recorded cluster.json then cluster-after-switchover.json: node1 leads both, so only the timeline moves', async () => {
    const { watcher, patroni, clock, heard } = harness('4.1.5');
    await watcher.poll();
    const t1 = clock.advance(1000);
    patroni.answer(recorded('4.1.5', 'patroni-primary.json'), recorded('4.1.5', 'cluster-after-switchover.json'));
    await watcher.poll();
    assert.deepEqual(heard.map((call) => call.events), [[{ type: 'timeline_changed', from: 1, to: 3 }]]);
    assert.deepEqual(watcher.recentEvents, [{ at: t1, event: { type: 'timeline_changed', from: 1, to: 3 } }]);
  });

  it('failover through an unlocked, paused cluster (3.0.2 recorded): every change reported once, in order', async () => {
    const { watcher, patroni, clock } = harness('3.0.2');
    const node = recorded('3.0.2', 'patroni-primary.json');
    await watcher.poll();
    const t1 = clock.advance(1000);
    patroni.answer(node, recorded('3.0.2', 'cluster-unlocked.json'));
    await watcher.poll();
    const t2 = clock.advance(1000);
    patroni.answer(node, recorded('3.0.2', 'cluster-after-switchover.json'));
    await watcher.poll();

    assert.deepEqual(watcher.recentEvents, [
      { at: t1, event: { type: 'leader_lost', from: 'node1' } },
      { at: t1, event: { type: 'lock_released' } },
      { at: t1, event: { type: 'paused' } },
      { at: t1, event: { type: 'member_down', member: 'node1', health: 'stopped', wasLeader: true } },
      { at: t2, event: { type: 'leader_acquired', to: 'node1' } },
      { at: t2, event: { type: 'lock_acquired' } },
      { at: t2, event: { type: 'timeline_changed', from: 1, to: 3 } },
      { at: t2, event: { type: 'resumed' } },
      { at: t2, event: { type: 'member_up', member: 'node1', previousHealth: 'stopped' } },
    ]);
  });

  it('Patroni failing: counted, kept as a failure with its code, no diff, no throw', async () => {
    const { watcher, patroni, clock, heard } = harness('4.1.5');
    await watcher.poll();

    const t1 = clock.advance(1000);
    patroni.error = PATRONI_DOWN();
    const failed = await watcher.poll();

    assert.deepEqual(failed, {
      at: t1,
      patroni: {
        ok: false,
        code: 'PGT_PATRONI_ERR_UNREACHABLE',
        message: 'GET http://127.0.0.1:8008/patroni: unreachable (ECONNREFUSED)',
      },
      postgres: { ok: true, value: { inRecovery: false } },
      self: null,
      leader: null,
    });
    assert.equal(watcher.latest, failed);
    assert.deepEqual(watcher.stats, { polls: 2, patroniErrors: 1, postgresErrors: 0, lastSuccessAt: ms(T0) });
    assert.deepEqual(watcher.recentEvents, []);
    assert.deepEqual(heard, []);

    // Patroni answers again with a changed cluster: the diff is against the last topology it gave.
    const t2 = clock.advance(1000);
    patroni.answer(recorded('4.1.5', 'patroni-primary.json'), recorded('4.1.5', 'cluster-after-switchover.json'));
    await watcher.poll();
    assert.deepEqual(watcher.recentEvents, [{ at: t2, event: { type: 'timeline_changed', from: 1, to: 3 } }]);
    assert.deepEqual(watcher.stats, { polls: 3, patroniErrors: 1, postgresErrors: 0, lastSuccessAt: t2 });
  });

  it('an error without a code is kept with code "error"', async () => {
    const { watcher, patroni } = harness('4.1.5');
    patroni.error = new Error('socket hang up');
    const observation = await watcher.poll();
    assert.deepEqual(observation.patroni, { ok: false, code: 'error', message: 'socket hang up' });
  });

  it('PostgreSQL failing: counted and kept, while the topology is still watched', async () => {
    const { watcher, patroni, postgres, clock, heard } = harness('4.1.5');
    postgres.error = POSTGRES_DOWN();
    const first = await watcher.poll();
    assert.deepEqual(first.postgres, {
      ok: false,
      code: 'postgres_unreachable',
      message: 'PostgreSQL unreachable: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:5432',
    });
    assert.equal(first.patroni.ok, true);
    assert.equal(first.self, 'node1');
    assert.deepEqual(watcher.stats, { polls: 1, patroniErrors: 0, postgresErrors: 1, lastSuccessAt: null });

    const t1 = clock.advance(1000);
    postgres.error = null;
    postgres.inRecovery = true;
    const second = await watcher.poll();
    assert.deepEqual(second.postgres, { ok: true, value: { inRecovery: true } });
    assert.deepEqual(watcher.stats, { polls: 2, patroniErrors: 0, postgresErrors: 1, lastSuccessAt: t1 });

    const t2 = clock.advance(1000);
    postgres.error = POSTGRES_DOWN();
    patroni.answer(recorded('4.1.5', 'patroni-primary.json'), recorded('4.1.5', 'cluster-after-switchover.json'));
    await watcher.poll();
    assert.deepEqual(watcher.stats, { polls: 3, patroniErrors: 0, postgresErrors: 2, lastSuccessAt: t1 });
    assert.deepEqual(heard.map((call) => call.events), [[{ type: 'timeline_changed', from: 1, to: 3 }]]);
    assert.deepEqual(watcher.recentEvents, [{ at: t2, event: { type: 'timeline_changed', from: 1, to: 3 } }]);
  });

  it('lastSuccessAt moves only on polls where both answered', async () => {
    const { watcher, patroni, postgres, clock } = harness('4.1.5');
    patroni.error = PATRONI_DOWN();
    postgres.error = POSTGRES_DOWN();
    await watcher.poll();
    assert.deepEqual(watcher.stats, { polls: 1, patroniErrors: 1, postgresErrors: 1, lastSuccessAt: null });

    clock.advance(1000);
    postgres.error = null;
    await watcher.poll();
    assert.equal(watcher.stats.lastSuccessAt, null);

    const t2 = clock.advance(1000);
    patroni.error = null;
    await watcher.poll();
    assert.deepEqual(watcher.stats, { polls: 3, patroniErrors: 2, postgresErrors: 1, lastSuccessAt: t2 });
  });

  it('concurrent poll() calls share one in-flight poll', async () => {
    const { watcher, patroni, postgres, clock } = harness('4.1.5');
    const held = gate();
    patroni.gate = held.promise;
    postgres.gate = held.promise;

    const first = watcher.poll();
    clock.advance(500);
    const second = watcher.poll();
    const third = watcher.poll();
    assert.equal(second, first);
    assert.equal(third, first);
    assert.deepEqual(patroni.calls, { getNodeStatus: 1, getCluster: 1 });
    assert.equal(postgres.statements.length, 1);

    held.release();
    const [a, b, c] = await Promise.all([first, second, third]);
    assert.equal(a, b);
    assert.equal(a, c);
    assert.equal(a.at, ms(T0));
    assert.equal(watcher.stats.polls, 1);

    // Once settled, the next call polls afresh.
    const t1 = clock.now();
    const next = await watcher.poll();
    assert.notEqual(next, a);
    assert.equal(next.at, t1);
    assert.deepEqual(patroni.calls, { getNodeStatus: 2, getCluster: 2 });
    assert.equal(postgres.statements.length, 2);
    assert.equal(watcher.stats.polls, 2);
  });

  it('asks Patroni and PostgreSQL at once, not one after the other', async () => {
    const { watcher, patroni, postgres } = harness('4.1.5');
    const held = gate();
    patroni.gate = held.promise;
    const polled = watcher.poll();
    // Patroni has not answered, yet PostgreSQL has been asked.
    assert.equal(postgres.statements.length, 1);
    assert.match(postgres.statements[0]!, /pg_is_in_recovery\(\)/);
    held.release();
    await polled;
  });

  it('3.0.2: the scope missing from /cluster is taken from /patroni', async () => {
    const { watcher, patroni } = harness('3.0.2');
    const observation = await watcher.poll();
    assert.ok(observation.patroni.ok);
    assert.equal(normalizeCluster(recorded('3.0.2', 'cluster.json')).scope, null);
    assert.equal(observation.patroni.value.node.scope, 'lab-9e72da');
    assert.equal(observation.patroni.value.topology.scope, 'lab-9e72da');
    assert.deepEqual(observation.patroni.value.topology, {
      ...normalizeCluster(recorded('3.0.2', 'cluster.json')),
      scope: 'lab-9e72da',
    });
    // And the member is found by the configured URL, /patroni naming none.
    assert.equal(observation.self, 'node1');
    assert.deepEqual(patroni.fallbackScopes, [undefined]);
  });

  it("4.x: /cluster's own scope is kept", async () => {
    const { watcher, patroni } = harness('4.1.5');
    const node = editedCluster(recorded('4.1.5', 'patroni-primary.json'), (raw) => {
      (raw as unknown as { patroni: { scope: string } }).patroni.scope = 'other';
    });
    patroni.answer(node, recorded('4.1.5', 'cluster.json'));
    const observation = await watcher.poll();
    assert.ok(observation.patroni.ok);
    assert.equal(observation.patroni.value.topology.scope, 'lab-795904');
  });

  it('recentEvents keeps the last eventHistory events, oldest first; listeners still hear every one', async () => {
    const { watcher, patroni, clock, heard } = harness('4.1.5', { eventHistory: 3 });
    const node = recorded('4.1.5', 'patroni-primary.json');
    const bodies = [recorded('4.1.5', 'cluster.json'), recorded('4.1.5', 'cluster-after-switchover.json')];
    await watcher.poll();
    const times: number[] = [];
    for (let i = 1; i <= 5; i++) {
      times.push(clock.advance(1000));
      patroni.answer(node, bodies[i % 2]);
      await watcher.poll();
    }
    const up = { type: 'timeline_changed', from: 1, to: 3 } as const;
    const down = { type: 'timeline_changed', from: 3, to: 1 } as const;
    assert.deepEqual(heard.map((call) => call.events), [[up], [down], [up], [down], [up]]);
    assert.deepEqual(watcher.recentEvents, [
      { at: times[2], event: up },
      { at: times[3], event: down },
      { at: times[4], event: up },
    ]);
  });

  it('recentEvents keeps 100 events by default and hands out a copy', async () => {
    const { watcher, patroni, clock } = harness('4.1.5');
    const node = recorded('4.1.5', 'patroni-primary.json');
    const bodies = [recorded('4.1.5', 'cluster.json'), recorded('4.1.5', 'cluster-after-switchover.json')];
    await watcher.poll();
    let last = 0;
    for (let i = 1; i <= 105; i++) {
      last = clock.advance(1000);
      patroni.answer(node, bodies[i % 2]);
      await watcher.poll();
    }
    const events = watcher.recentEvents as TimedTopologyEvent[];
    assert.equal(events.length, 100);
    assert.equal(events[0]!.at, ms(T0) + 6000);
    assert.equal(events[99]!.at, last);
    events.length = 0;
    assert.equal(watcher.recentEvents.length, 100);
  });

  it('an unsubscribed listener hears nothing more; the others still do', async () => {
    const { watcher, patroni, clock, heard } = harness('4.1.5');
    const node = recorded('4.1.5', 'patroni-primary.json');
    const other: TopologyEvent[][] = [];
    const unsubscribe = watcher.onTopologyEvents((events) => other.push(events));
    await watcher.poll();

    clock.advance(1000);
    patroni.answer(node, recorded('4.1.5', 'cluster-after-switchover.json'));
    await watcher.poll();
    unsubscribe();
    clock.advance(1000);
    patroni.answer(node, recorded('4.1.5', 'cluster.json'));
    await watcher.poll();

    assert.deepEqual(other, [[{ type: 'timeline_changed', from: 1, to: 3 }]]);
    assert.equal(heard.length, 2);
    assert.equal(watcher.recentEvents.length, 2);
  });

  it('a listener that throws neither fails the poll nor keeps the other listeners from hearing', async () => {
    const failures: unknown[] = [];
    const { watcher, patroni, clock, heard } = harness('4.1.5', { onListenerError: (error) => failures.push(error) });
    const node = recorded('4.1.5', 'patroni-primary.json');
    const boom = new Error('listener bug');
    watcher.onTopologyEvents(() => {
      throw boom;
    });
    const after: TopologyEvent[][] = [];
    watcher.onTopologyEvents((events) => after.push(events));
    await watcher.poll();

    const t1 = clock.advance(1000);
    patroni.answer(node, recorded('4.1.5', 'cluster-after-switchover.json'));
    const observation = await watcher.poll();

    assert.equal(observation.at, t1);
    assert.equal(heard.length, 1);
    assert.deepEqual(after, [[{ type: 'timeline_changed', from: 1, to: 3 }]]);
    assert.deepEqual(failures, [boom]);
    assert.deepEqual(watcher.recentEvents, [{ at: t1, event: { type: 'timeline_changed', from: 1, to: 3 } }]);
    assert.equal(watcher.latest, observation);
  });

  it('by default a throwing listener is reported as a process warning', async () => {
    const { watcher, patroni, clock } = harness('4.1.5');
    watcher.onTopologyEvents(() => {
      throw new Error('listener bug');
    });
    await watcher.poll();
    clock.advance(1000);
    patroni.answer(recorded('4.1.5', 'patroni-primary.json'), recorded('4.1.5', 'cluster-after-switchover.json'));
    const warned = once(process, 'warning') as Promise<[Error]>;
    await watcher.poll();
    const [warning] = await warned;
    assert.match(warning.message, /^a topology listener threw: Error: listener bug/);
  });
});

describe("a replica's agent asks the leader's own REST API", () => {
  /** A watcher beside node2 (a replica) of the recorded 4.1.5 lab. */
  function besideReplica() {
    const cluster = normalizeCluster(recorded('4.1.5', 'cluster.json'));
    const node2 = cluster.members.find((member) => member.name === 'node2')!;
    const node1 = cluster.members.find((member) => member.name === 'node1')!;
    const rig = harness('4.1.5', { patroniUrl: node2.apiUrl! });
    rig.patroni.answer(recorded('4.1.5', 'patroni-replica.json'), recorded('4.1.5', 'cluster.json'));
    const polls: Array<{ observation: ClusterObservation; events: TopologyEvent[] }> = [];
    rig.watcher.onPoll((observation, events) => polls.push({ observation, events }));
    return { ...rig, leaderUrl: node1.apiUrl!, polls };
  }

  it('reports the leader answering, then unreachable while the DCS still lists it', async () => {
    const { watcher, patroni, clock, leaderUrl, polls } = besideReplica();
    patroni.others.set(leaderUrl, recorded('4.1.5', 'patroni-primary.json'));
    const first = await watcher.poll();
    assert.equal(first.self, 'node2');
    assert.deepEqual(first.leader, { ok: true, value: normalizeNodeStatus(recorded('4.1.5', 'patroni-primary.json')) });

    clock.advance(1000);
    patroni.others.delete(leaderUrl);
    const second = await watcher.poll();
    assert.deepEqual(second.leader, {
      ok: false,
      code: 'PGT_PATRONI_ERR_UNREACHABLE',
      message: `GET ${leaderUrl}: unreachable (ECONNREFUSED)`,
    });
    assert.deepEqual(patroni.askedOthers, [leaderUrl, leaderUrl]);
    // Every poll is told, with or without topology events.
    assert.deepEqual(
      polls.map((poll) => [poll.observation.at, poll.events.length]),
      [
        [ms(T0), 0],
        [ms(T0) + 1000, 0],
      ],
    );
  });

  it('asks nobody when this agent is beside the leader, or when nobody leads', async () => {
    const { watcher, patroni } = harness('4.1.5');
    assert.equal((await watcher.poll()).leader, null);
    patroni.answer(recorded('4.1.5', 'patroni-replica-unlocked.json'), recorded('4.1.5', 'cluster-unlocked.json'));
    assert.equal((await watcher.poll()).leader, null);
    assert.deepEqual(patroni.askedOthers, []);
  });

  it('a throwing poll listener is reported and does not stop the others', async () => {
    const failures: unknown[] = [];
    const { watcher } = harness('4.1.5', { onListenerError: (error) => failures.push(error) });
    const told: number[] = [];
    watcher.onPoll(() => {
      throw new Error('poll listener bug');
    });
    const stop = watcher.onPoll((observation) => told.push(observation.at));
    await watcher.poll();
    stop();
    await watcher.poll();
    assert.equal(told.length, 1);
    assert.equal(failures.length, 2);
  });
});

describe('ClusterWatcher.start/stop', () => {
  it('polls at once, then every interval after a poll ends, and not after stop()', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { watcher, patroni } = harness('4.1.5', { pollIntervalMs: 1000 });

    watcher.start();
    watcher.start(); // a second start is a no-op, not a second loop
    assert.equal(patroni.calls.getNodeStatus, 1);
    await watcher.poll(); // shares the poll start() began
    assert.equal(watcher.stats.polls, 1);

    t.mock.timers.tick(999);
    assert.equal(patroni.calls.getNodeStatus, 1);
    t.mock.timers.tick(1);
    assert.equal(patroni.calls.getNodeStatus, 2);
    await watcher.poll();
    assert.equal(watcher.stats.polls, 2);

    t.mock.timers.tick(1000);
    assert.equal(patroni.calls.getNodeStatus, 3);
    await watcher.stop(); // waits for the poll under way
    assert.equal(watcher.stats.polls, 3);

    t.mock.timers.tick(10_000);
    assert.equal(patroni.calls.getNodeStatus, 3);
    assert.equal(watcher.stats.polls, 3);
  });

  it('stop() while a timer is pending cancels it', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { watcher, patroni } = harness('4.1.5', { pollIntervalMs: 1000 });
    watcher.start();
    await watcher.poll();
    await watcher.stop();
    t.mock.timers.tick(5000);
    assert.equal(patroni.calls.getNodeStatus, 1);
  });
});

describe('configured member name', () => {
  it('TUNER_MEMBER_NAME wins where Patroni < 3.2 names no member and the URL matches none', async () => {
    const unmatched = harness('3.0.2', { patroniUrl: 'http://10.9.9.9:8008' });
    assert.equal((await unmatched.watcher.poll()).self, null);
    const named = harness('3.0.2', { patroniUrl: 'http://10.9.9.9:8008', memberName: 'node2' });
    assert.equal((await named.watcher.poll()).self, 'node2');
  });
});

describe('ClusterWatcher: polls out of band (events and failed requests)', () => {
  /** The interval never elapses in these tests: mocked setTimeout is never ticked that far. */
  const NEVER_MS = 3_600_000;

  /** Macrotask turns (setImmediate is not mocked), so every poll the watcher started on its own has ended. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  it('pollNow() polls at once instead of waiting out the interval, and the interval restarts after it', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { watcher, patroni, clock } = harness('4.1.5', { pollIntervalMs: NEVER_MS });
    watcher.start();
    await settle();
    assert.equal(watcher.stats.polls, 1);

    clock.advance(150);
    watcher.pollNow();
    await settle();
    assert.equal(watcher.stats.polls, 2, 'one poll at once');
    assert.equal(watcher.latest?.at, ms(T0) + 150);

    t.mock.timers.tick(NEVER_MS - 1);
    await settle();
    assert.equal(patroni.calls.getNodeStatus, 2, 'the interval counts from the end of the out-of-band poll');
    t.mock.timers.tick(1);
    await settle();
    assert.equal(watcher.stats.polls, 3);
    await watcher.stop();
  });

  it('pollNow() while a poll is under way: exactly one more poll right after it (that poll may predate the event)', async () => {
    const { watcher, patroni } = harness('4.1.5', { pollIntervalMs: NEVER_MS });
    const held = gate();
    patroni.gate = held.promise;
    const first = watcher.poll();
    watcher.pollNow();
    watcher.pollNow();
    assert.equal(patroni.calls.getNodeStatus, 1, 'nothing doubled while the first poll runs');
    held.release();
    await first;
    await settle();
    assert.equal(watcher.stats.polls, 2);
    assert.equal(patroni.calls.getNodeStatus, 2);
  });

  it('a dropped connection reported by pollNow() halts at once: the halting poll comes without the interval elapsing', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { watcher, postgres } = harness('4.1.5', { pollIntervalMs: NEVER_MS });
    const seen: ClusterObservation[] = [];
    watcher.onPoll((observation) => seen.push(observation));
    watcher.start();
    await settle();
    postgres.error = POSTGRES_DOWN();
    watcher.pollNow();
    await settle();
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.postgres.ok, false, 'the out-of-band poll saw the PostgreSQL that went away');
    await watcher.stop();
  });

  it('a failed Patroni request triggers exactly one immediate re-poll; while Patroni stays down, back to the interval', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { watcher, patroni } = harness('4.1.5', { pollIntervalMs: NEVER_MS });
    watcher.start();
    await settle();
    assert.equal(watcher.stats.polls, 1);

    patroni.error = PATRONI_DOWN();
    watcher.pollNow();
    await settle();
    assert.equal(watcher.stats.polls, 3, 'the failed poll and one re-poll');
    assert.equal(watcher.stats.patroniErrors, 2);
    await settle();
    assert.equal(watcher.stats.polls, 3, 'no busy loop while Patroni stays down');

    t.mock.timers.tick(NEVER_MS);
    await settle();
    assert.equal(watcher.stats.polls, 4, 'the interval poll, failing the same way, is not re-polled');

    patroni.error = null;
    t.mock.timers.tick(NEVER_MS);
    await settle();
    assert.equal(watcher.stats.polls, 5);
    patroni.error = PATRONI_DOWN();
    t.mock.timers.tick(NEVER_MS);
    await settle();
    assert.equal(watcher.stats.polls, 7, 'a new failure after Patroni answered again is re-polled once more');
    await watcher.stop();
  });

  it("the leader's REST API failing (beside a replica) triggers one immediate re-poll", async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const cluster = normalizeCluster(recorded('4.1.5', 'cluster.json'));
    const node2 = cluster.members.find((member) => member.name === 'node2')!;
    const leaderUrl = cluster.members.find((member) => member.name === 'node1')!.apiUrl!;
    const { watcher, patroni } = harness('4.1.5', { patroniUrl: node2.apiUrl!, pollIntervalMs: NEVER_MS });
    patroni.answer(recorded('4.1.5', 'patroni-replica.json'), recorded('4.1.5', 'cluster.json'));
    patroni.others.set(leaderUrl, recorded('4.1.5', 'patroni-primary.json'));
    watcher.start();
    await settle();
    patroni.others.delete(leaderUrl);
    watcher.pollNow();
    await settle();
    assert.deepEqual(patroni.askedOthers, [leaderUrl, leaderUrl, leaderUrl], 'the first poll, the failing one, one re-poll');
    assert.equal(watcher.stats.polls, 3);
    await watcher.stop();
  });

  it("a lost connection to the leader's PostgreSQL is part of the poll's observation (and absent when none is lost)", async () => {
    let lost: { member: string; reason: string } | null = null;
    const { watcher } = harness('4.1.5', { pollIntervalMs: NEVER_MS, leaderPostgresLost: () => lost });
    assert.equal('leaderPostgresLost' in (await watcher.poll()), false);
    lost = { member: 'node1', reason: 'terminating connection due to unexpected postmaster exit; a new connection failed: ECONNREFUSED' };
    assert.deepEqual((await watcher.poll()).leaderPostgresLost, lost);
  });

  it("observeLost(): the listeners hear the latest observation with the loss at once, before the poll that follows has Patroni's answer", async () => {
    const { watcher, patroni, clock } = harness('4.1.5', { pollIntervalMs: NEVER_MS });
    const heard: ClusterObservation[] = [];
    watcher.onPoll((observation) => heard.push(observation));
    const first = await watcher.poll();
    const slowPatroni = gate();
    patroni.gate = slowPatroni.promise;
    clock.advance(40);
    const lost = { member: 'node1', reason: 'terminating connection due to unexpected postmaster exit; a new connection failed: ECONNREFUSED' };
    watcher.observeLost(lost);
    assert.equal(heard.length, 2, 'told at once, while the poll waits for Patroni');
    assert.deepEqual(heard[1], {
      ...first,
      at: ms(T0) + 40,
      leaderPostgresLost: lost,
      // node1 is this agent's own node: its PostgreSQL is the one gone.
      postgres: { ok: false, code: 'PGT_HELD_CONNECTION_LOST', message: lost.reason },
    });
    assert.equal(watcher.latest, first, 'not a poll: the latest poll stays what it was');
    assert.equal(patroni.calls.getNodeStatus, 2, 'a poll started at once');
    slowPatroni.release();
    await settle();
    assert.equal(watcher.stats.polls, 2);
  });

  it('observeLost() before any poll reached Patroni tells nobody; the poll decides', async () => {
    const { watcher } = harness('4.1.5', { pollIntervalMs: NEVER_MS });
    const heard: ClusterObservation[] = [];
    watcher.onPoll((observation) => heard.push(observation));
    watcher.observeLost({ member: 'node1', reason: 'gone' });
    await settle();
    assert.equal(heard.length, 1);
    assert.equal(watcher.stats.polls, 1);
  });

  it('without start(), a failed poll() is not re-polled (tests and one-off polls stay one poll)', async () => {
    const { watcher, patroni } = harness('4.1.5', { pollIntervalMs: NEVER_MS });
    patroni.error = PATRONI_DOWN();
    await watcher.poll();
    await settle();
    assert.equal(watcher.stats.polls, 1);
  });

  it('stop() cancels a requested out-of-band poll', async () => {
    const { watcher, patroni } = harness('4.1.5', { pollIntervalMs: NEVER_MS });
    const held = gate();
    patroni.gate = held.promise;
    watcher.start();
    watcher.pollNow();
    const stopped = watcher.stop();
    held.release();
    await stopped;
    await settle();
    assert.equal(watcher.stats.polls, 1);
  });
});
