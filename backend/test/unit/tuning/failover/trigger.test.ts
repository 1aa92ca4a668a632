/**
 * haltTrigger and pollTrigger: which polls halt a session, on the recorded topologies of both Patroni
 * versions and recorded node statuses; isLeaderObservation: when a poll says this node leads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterObservation, ProbeResult } from '../../../../src/observer/observation.js';
import { normalizeNodeStatus } from '../../../../src/patroni/normalize.js';
import type { NodeStatus } from '../../../../src/patroni/responses.js';
import { diffTopology, type TopologyEvent } from '../../../../src/topology/diff.js';
import type { Topology } from '../../../../src/topology/model.js';
import { haltTrigger, isLeaderObservation, pollTrigger } from '../../../../src/tuning/failover/index.js';
import { readFixture } from '../../../fixtures/patroni/load.js';
import { recorded, shaped, T0, VERSIONS } from './support.js';

describe('haltTrigger', () => {
  for (const version of VERSIONS) {
    it(`Patroni ${version}: the leader stopping and the lock going (recorded) halts, with the leader's PostgreSQL going down named`, () => {
      const events = diffTopology(recorded('cluster', version), recorded('cluster-unlocked', version));
      assert.deepEqual(haltTrigger({ events }), {
        reason: 'topology changed: leader_lost, lock_released, paused, leader_down(node1)',
        events: [
          { type: 'leader_lost', from: 'node1' },
          { type: 'lock_released' },
          { type: 'paused' },
          { type: 'member_down', member: 'node1', health: 'stopped', wasLeader: true },
        ],
      });
    });

    it(`Patroni ${version}: the recorded switchover (timeline 1 → 3) halts`, () => {
      const events = diffTopology(recorded('cluster', version), recorded('cluster-after-switchover', version));
      assert.deepEqual(haltTrigger({ events }), { reason: 'topology changed: timeline_changed', events: [{ type: 'timeline_changed', from: 1, to: 3 }] });
    });
  }

  it('the leader’s PostgreSQL going down while it keeps the lock halts (diffTopology reports only a member event)', () => {
    const events = diffTopology(recorded('cluster'), shaped({ leader: 'node1', leaderHealth: 'failed' }));
    assert.deepEqual(haltTrigger({ events }), {
      reason: 'topology changed: leader_down(node1)',
      events: [{ type: 'member_down', member: 'node1', health: 'failed', wasLeader: true }],
    });
  });

  it('a replica going down or coming back, or a resume, does not halt', () => {
    assert.equal(haltTrigger({ events: [{ type: 'member_down', member: 'node3', health: 'stopped', wasLeader: false }] }), null);
    assert.equal(haltTrigger({ events: [{ type: 'member_up', member: 'node3', previousHealth: 'stopped' }, { type: 'resumed' }] }), null);
    assert.equal(haltTrigger({ events: [], executorIsReplica: false, leaderUnreachable: null }), null);
  });

  it('the executor found to be a replica, or the leader unreachable, halts without an event', () => {
    assert.deepEqual(haltTrigger({ events: [], executorIsReplica: true }), { reason: 'this node is no longer the leader', events: [] });
    assert.deepEqual(haltTrigger({ events: [{ type: 'leader_changed', from: 'node1', to: 'node2' }], leaderUnreachable: 'GET /patroni timed out' }), {
      reason: 'topology changed: leader_changed; the leader is unreachable: GET /patroni timed out',
      events: [{ type: 'leader_changed', from: 'node1', to: 'node2' }],
    });
  });
});

/** Recorded GET /patroni answers (4.1.5): node1 leading, node2 replicating; node2 stopped (hand-written). */
const PRIMARY_STATUS = normalizeNodeStatus(readFixture('4.1.5', 'recorded/patroni-primary.json'));
const REPLICA_STATUS = normalizeNodeStatus(readFixture('4.1.5', 'recorded/patroni-replica.json'));
const STOPPED_STATUS = normalizeNodeStatus(readFixture('4.1.5', 'patroni-stopped.json'));

const PATRONI_DOWN = { ok: false as const, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:8008' };
const POSTGRES_DOWN = { ok: false as const, code: 'ECONNREFUSED', message: 'PostgreSQL unreachable: ECONNREFUSED' };

interface ObservationShape {
  self?: string | null;
  /** The /cluster this agent's Patroni answers; the recorded healthy cluster (node1 leads) when absent. */
  topology?: Topology;
  patroni?: ClusterObservation['patroni'] | 'down';
  postgres?: 'down' | { inRecovery: boolean };
  leader?: ProbeResult<NodeStatus> | null;
}

/** One poll as an agent beside `self` (node1 by default) makes it; everything healthy unless told. */
function observation(shape: ObservationShape = {}): ClusterObservation {
  const self = shape.self === undefined ? 'node1' : shape.self;
  const topology = shape.topology ?? recorded('cluster');
  const leads = topology.leader !== null && topology.leader === self;
  const patroni: ClusterObservation['patroni'] =
    shape.patroni === 'down'
      ? PATRONI_DOWN
      : (shape.patroni ?? { ok: true, value: { node: { ...(leads ? PRIMARY_STATUS : REPLICA_STATUS), name: self }, topology } });
  const postgres: ClusterObservation['postgres'] =
    shape.postgres === 'down' ? POSTGRES_DOWN : { ok: true, value: shape.postgres ?? { inRecovery: !leads } };
  // As the watcher: no leader probe beside the leader, or when this node's Patroni did not answer.
  const leader = shape.leader !== undefined ? shape.leader : leads || patroni.ok === false ? null : { ok: true as const, value: PRIMARY_STATUS };
  return { at: T0, patroni, postgres, self: patroni.ok ? self : null, leader };
}

describe('pollTrigger: the leader’s own agent (wasLeader)', () => {
  it('a poll where nothing is wrong does not halt', () => {
    assert.equal(pollTrigger({ observation: observation(), events: [], wasLeader: true }), null);
  });

  it('its own Patroni REST API not answering halts, naming this node’s Patroni', () => {
    assert.deepEqual(pollTrigger({ observation: observation({ patroni: 'down' }), events: [], wasLeader: true }), {
      reason: `the leader is unreachable: this node's Patroni REST API: ${PATRONI_DOWN.message}`,
      events: [],
    });
  });

  it('its own PostgreSQL not answering halts, naming this node’s PostgreSQL', () => {
    assert.deepEqual(pollTrigger({ observation: observation({ postgres: 'down' }), events: [], wasLeader: true }), {
      reason: `the leader is unreachable: this node's PostgreSQL: ${POSTGRES_DOWN.message}`,
      events: [],
    });
  });

  it('Patroni down is named before PostgreSQL down when both are', () => {
    const trigger = pollTrigger({ observation: observation({ patroni: 'down', postgres: 'down' }), events: [], wasLeader: true });
    assert.equal(trigger?.reason, `the leader is unreachable: this node's Patroni REST API: ${PATRONI_DOWN.message}`);
  });

  it('another member holding the lock halts: this node is no longer the leader (with the events of the poll)', () => {
    const topology = shaped({ leader: 'node2' });
    const events = diffTopology(recorded('cluster'), topology);
    // node1's agent, as it polled before node1 lost the lead: its PostgreSQL not yet in recovery.
    const trigger = pollTrigger({ observation: observation({ topology, postgres: { inRecovery: false } }), events, wasLeader: true });
    assert.deepEqual(trigger, {
      reason: 'topology changed: leader_changed; this node is no longer the leader',
      events: [{ type: 'leader_changed', from: 'node1', to: 'node2' }],
    });
  });

  it('its PostgreSQL in recovery while Patroni still lists it as leader halts: this node is no longer the leader', () => {
    assert.deepEqual(pollTrigger({ observation: observation({ postgres: { inRecovery: true } }), events: [], wasLeader: true }), {
      reason: 'this node is no longer the leader',
      events: [],
    });
  });

  it('nobody holding the lock halts both for the events and for this node no longer leading', () => {
    const topology = recorded('cluster-unlocked');
    const events = diffTopology(recorded('cluster'), topology);
    const trigger = pollTrigger({ observation: observation({ topology, postgres: { inRecovery: false } }), events, wasLeader: true });
    assert.equal(trigger?.reason, 'topology changed: leader_lost, lock_released, paused, leader_down(node1); this node is no longer the leader');
  });
});

describe('pollTrigger: a replica’s agent (not wasLeader)', () => {
  const beside = (shape: ObservationShape) => observation({ self: 'node2', ...shape });

  it('a poll where nothing is wrong does not halt', () => {
    assert.equal(pollTrigger({ observation: beside({}), events: [], wasLeader: false }), null);
  });

  it('the leader’s REST API not answering halts, naming the leader', () => {
    const leader = { ok: false as const, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:43627' };
    assert.deepEqual(pollTrigger({ observation: beside({ leader }), events: [], wasLeader: false }), {
      reason: "the leader is unreachable: node1's Patroni REST API: connect ECONNREFUSED 127.0.0.1:43627",
      events: [],
    });
  });

  it('the leader answering that its PostgreSQL is not up halts, with the state it reports', () => {
    const leader = { ok: true as const, value: { ...STOPPED_STATUS, name: 'node1' } };
    assert.deepEqual(pollTrigger({ observation: beside({ leader }), events: [], wasLeader: false }), {
      reason: "the leader is unreachable: node1's PostgreSQL is stopped",
      events: [],
    });
  });

  it('its own Patroni or PostgreSQL down is not a detection: it says nothing about the leader', () => {
    assert.equal(pollTrigger({ observation: beside({ patroni: 'down' }), events: [], wasLeader: false }), null);
    assert.equal(pollTrigger({ observation: beside({ postgres: 'down' }), events: [], wasLeader: false }), null);
    // Even with a (stale) failed leader probe, a poll without its own Patroni names no leader.
    const leader = { ok: false as const, code: 'ECONNREFUSED', message: 'refused' };
    assert.equal(pollTrigger({ observation: beside({ patroni: 'down', leader }), events: [], wasLeader: false }), null);
  });

  it('being a replica is not "no longer the leader" for an agent that did not lead', () => {
    assert.equal(pollTrigger({ observation: beside({ postgres: { inRecovery: true } }), events: [], wasLeader: false }), null);
  });

  for (const version of VERSIONS) {
    it(`Patroni ${version}: halting topology events pass through as they are (the recorded switchover)`, () => {
      const topology = recorded('cluster-after-switchover', version);
      const events = diffTopology(recorded('cluster', version), topology);
      assert.deepEqual(pollTrigger({ observation: beside({ topology }), events, wasLeader: false }), {
        reason: 'topology changed: timeline_changed',
        events: [{ type: 'timeline_changed', from: 1, to: 3 }],
      });
    });
  }

  it('non-halting events alone do not halt', () => {
    const events: TopologyEvent[] = [{ type: 'member_down', member: 'node3', health: 'stopped', wasLeader: false }, { type: 'resumed' }];
    assert.equal(pollTrigger({ observation: beside({}), events, wasLeader: false }), null);
    assert.equal(pollTrigger({ observation: observation(), events, wasLeader: true }), null);
  });
});

describe('isLeaderObservation', () => {
  const cases: Array<[string, ClusterObservation | null, boolean]> = [
    ['no poll yet', null, false],
    ['beside the leader, its PostgreSQL a primary', observation(), true],
    ['its Patroni not answering', observation({ patroni: 'down' }), false],
    ['its PostgreSQL not answering', observation({ postgres: 'down' }), false],
    ['its PostgreSQL in recovery while it holds the lock', observation({ postgres: { inRecovery: true } }), false],
    ['another member holds the lock', observation({ topology: shaped({ leader: 'node2' }), postgres: { inRecovery: false } }), false],
    ['nobody holds the lock', observation({ topology: shaped({ leader: null }), postgres: { inRecovery: false } }), false],
    ['beside a replica', observation({ self: 'node2' }), false],
    ['its member could not be identified', { ...observation(), self: null }, false],
  ];
  for (const [what, input, expected] of cases) {
    it(`${what} → ${expected}`, () => {
      assert.equal(isLeaderObservation(input), expected);
    });
  }
});

describe("pollTrigger: the connection held to the leader's PostgreSQL was lost", () => {
  const lost = { member: 'node1', reason: 'PostgreSQL error 57P01: terminating connection due to unexpected postmaster exit; reconnecting: ECONNREFUSED' };

  it("beside a replica, while the leader's REST API still answers (Patroni has not noticed yet): halts, naming the leader's PostgreSQL", () => {
    const trigger = pollTrigger({ observation: { ...observation({ self: 'node2' }), leaderPostgresLost: lost }, events: [], wasLeader: false });
    assert.deepEqual(trigger, { reason: `the leader is unreachable: node1's PostgreSQL: ${lost.reason}`, events: [] });
  });

  it("beside the leader: halts, naming this node's PostgreSQL", () => {
    const trigger = pollTrigger({ observation: { ...observation(), leaderPostgresLost: lost }, events: [], wasLeader: true });
    assert.deepEqual(trigger, { reason: `the leader is unreachable: this node's PostgreSQL: ${lost.reason}`, events: [] });
  });

  it('a loss of a member that no longer leads halts nothing (the topology events say what changed)', () => {
    const trigger = pollTrigger({
      observation: { ...observation({ self: 'node2' }), leaderPostgresLost: { ...lost, member: 'node3' } },
      events: [],
      wasLeader: false,
    });
    assert.equal(trigger, null);
  });
});
