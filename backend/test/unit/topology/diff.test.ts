import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeCluster } from '../../../src/patroni/normalize.js';
import { diffTopology } from '../../../src/topology/diff.js';
import type { Member, MemberHealth, Topology } from '../../../src/topology/model.js';
import { readFixture } from '../../fixtures/patroni/load.js';

function member(name: string, health: MemberHealth = 'up', isLeader = false): Member {
  return {
    name,
    role: isLeader ? 'primary' : 'replica',
    health,
    state: health === 'up' ? 'running' : health,
    isLeader,
    isSync: false,
    apiUrl: `http://${name}:8008/patroni`,
    host: name,
    port: 5432,
    timeline: health === 'up' ? 3 : null,
    lagBytes: isLeader ? null : 0,
    pendingRestart: false,
    tags: {},
  };
}

/** A cluster whose leader is the member marked leader; `unlocked` follows it unless given. */
function cluster(members: Member[], fields: Partial<Topology> = {}): Topology {
  const leader = members.find((candidate) => candidate.isLeader)?.name ?? null;
  return { scope: 'demo', members, leader, timeline: 3, paused: false, unlocked: leader === null, ...fields };
}

const healthy = cluster([member('node1', 'up', true), member('node2'), member('node3')]);

describe('diffTopology', () => {
  it('the first observation gives no events', () => {
    assert.deepEqual(diffTopology(null, healthy), []);
  });

  it('identical topologies give no events', () => {
    assert.deepEqual(diffTopology(healthy, healthy), []);
    assert.deepEqual(diffTopology(healthy, structuredClone(healthy)), []);
  });

  it('changes outside leader, lock, timeline, pause and health give no events', () => {
    const next = cluster(
      [member('node1', 'up', true), { ...member('node2'), lagBytes: 4096, pendingRestart: true }, member('node3')],
      { scope: 'other' },
    );
    assert.deepEqual(diffTopology(healthy, next), []);
  });

  it('switchover: a new leader name and timeline in one poll', () => {
    const next = cluster([member('node1'), member('node2', 'up', true), member('node3')], { timeline: 4 });
    assert.deepEqual(diffTopology(healthy, next), [
      { type: 'leader_changed', from: 'node1', to: 'node2' },
      { type: 'timeline_changed', from: 3, to: 4 },
    ]);
  });

  it('failover: the lock is released, then a new leader takes it, then the old one rejoins', () => {
    const unlocked = cluster([member('node1', 'stopped'), member('node2'), member('node3')]);
    const promoted = cluster([member('node1', 'stopped'), member('node2', 'up', true), member('node3')], { timeline: 4 });
    const rejoined = cluster([member('node1'), member('node2', 'up', true), member('node3')], { timeline: 4 });

    assert.deepEqual(diffTopology(healthy, unlocked), [
      { type: 'leader_lost', from: 'node1' },
      { type: 'lock_released' },
      { type: 'member_down', member: 'node1', health: 'stopped', wasLeader: true },
    ]);
    assert.deepEqual(diffTopology(unlocked, promoted), [
      { type: 'leader_acquired', to: 'node2' },
      { type: 'lock_acquired' },
      { type: 'timeline_changed', from: 3, to: 4 },
    ]);
    assert.deepEqual(diffTopology(promoted, rejoined), [
      { type: 'member_up', member: 'node1', previousHealth: 'stopped' },
    ]);
  });

  it('a leader vanishing from the list: leader lost, lock released, member down', () => {
    const next = cluster([member('node2'), member('node3')]);
    assert.deepEqual(diffTopology(healthy, next), [
      { type: 'leader_lost', from: 'node1' },
      { type: 'lock_released' },
      { type: 'member_down', member: 'node1', health: null, wasLeader: true },
    ]);
  });

  it("the leader's PostgreSQL going down while it keeps the lock is only a member event", () => {
    const next = cluster([member('node1', 'failed', true), member('node2'), member('node3')]);
    assert.deepEqual(diffTopology(healthy, next), [
      { type: 'member_down', member: 'node1', health: 'failed', wasLeader: true },
    ]);
  });

  it('the lock flag moves on its own when the agent learns of it apart from /cluster', () => {
    const dcsLost = { ...healthy, unlocked: true };
    assert.deepEqual(diffTopology(healthy, dcsLost), [{ type: 'lock_released' }]);
    assert.deepEqual(diffTopology(dcsLost, healthy), [{ type: 'lock_acquired' }]);
  });

  it('a replica restarting goes down, then up', () => {
    const restarting = cluster([member('node1', 'up', true), member('node2', 'starting'), member('node3')]);
    assert.deepEqual(diffTopology(healthy, restarting), [
      { type: 'member_down', member: 'node2', health: 'starting', wasLeader: false },
    ]);
    assert.deepEqual(diffTopology(restarting, healthy), [
      { type: 'member_up', member: 'node2', previousHealth: 'starting' },
    ]);
  });

  it('a member joining while up is up; a removed member that served is down', () => {
    const four = cluster([...healthy.members, member('node4')]);
    assert.deepEqual(diffTopology(healthy, four), [{ type: 'member_up', member: 'node4', previousHealth: null }]);
    assert.deepEqual(diffTopology(four, healthy), [
      { type: 'member_down', member: 'node4', health: null, wasLeader: false },
    ]);
  });

  it('a member joining or leaving while not serving gives no event until it serves', () => {
    const creating = cluster([...healthy.members, member('node4', 'starting')]);
    const ready = cluster([...healthy.members, member('node4')]);
    const crashed = cluster([...healthy.members, member('node4', 'failed')]);
    assert.deepEqual(diffTopology(healthy, creating), []);
    assert.deepEqual(diffTopology(creating, ready), [
      { type: 'member_up', member: 'node4', previousHealth: 'starting' },
    ]);
    assert.deepEqual(diffTopology(crashed, healthy), []);
  });

  it('pause and resume', () => {
    const paused = { ...healthy, paused: true };
    assert.deepEqual(diffTopology(healthy, paused), [{ type: 'paused' }]);
    assert.deepEqual(diffTopology(paused, paused), []);
    assert.deepEqual(diffTopology(paused, healthy), [{ type: 'resumed' }]);
  });

  it('no timeline event when either timeline is unknown', () => {
    assert.deepEqual(diffTopology(healthy, { ...healthy, timeline: null }), []);
    assert.deepEqual(diffTopology({ ...healthy, timeline: null }, { ...healthy, timeline: 5 }), []);
  });

  it('orders events: leader, lock, timeline, pause, then members by name', () => {
    const prev = cluster([member('b'), member('a', 'up', true), member('c', 'stopped')]);
    const next = cluster([member('a', 'stopped'), member('c'), member('d'), member('e', 'up', true)], {
      timeline: 9,
      paused: true,
      unlocked: true,
    });
    assert.deepEqual(diffTopology(prev, next), [
      { type: 'leader_changed', from: 'a', to: 'e' },
      { type: 'lock_released' },
      { type: 'timeline_changed', from: 3, to: 9 },
      { type: 'paused' },
      { type: 'member_down', member: 'a', health: 'stopped', wasLeader: true },
      { type: 'member_down', member: 'b', health: null, wasLeader: false },
      { type: 'member_up', member: 'c', previousHealth: 'stopped' },
      { type: 'member_up', member: 'd', previousHealth: null },
      { type: 'member_up', member: 'e', previousHealth: null },
    ]);
  });

  it('on the 4.1.5 fixtures: the leader stops and the lock goes', () => {
    const before = normalizeCluster(readFixture('4.1.5', 'cluster.json'));
    assert.deepEqual(diffTopology(before, normalizeCluster(readFixture('4.1.5', 'cluster-unlocked.json'))), [
      { type: 'leader_lost', from: 'node2' },
      { type: 'lock_released' },
      { type: 'member_down', member: 'node2', health: 'stopped', wasLeader: true },
    ]);
    const paused = normalizeCluster(readFixture('4.1.5', 'cluster-paused.json'));
    assert.deepEqual(diffTopology(before, paused), [{ type: 'paused' }]);
    assert.deepEqual(diffTopology(before, normalizeCluster(readFixture('4.1.5', 'cluster-lag-unknown.json'))), [
      { type: 'member_down', member: 'node3', health: 'starting', wasLeader: false },
    ]);
  });

  it('on the 3.0.2 fixtures: the same happenings give the same events as on 4.1.5', () => {
    const before = normalizeCluster(readFixture('3.0.2', 'cluster.json'));
    assert.deepEqual(diffTopology(before, normalizeCluster(readFixture('3.0.2', 'cluster-unlocked.json'))), [
      { type: 'leader_lost', from: 'node1' },
      { type: 'lock_released' },
      { type: 'member_down', member: 'node1', health: 'stopped', wasLeader: true },
    ]);
    const paused = normalizeCluster(readFixture('3.0.2', 'cluster-paused.json'));
    assert.deepEqual(diffTopology(before, paused), [{ type: 'paused' }]);
  });
});
