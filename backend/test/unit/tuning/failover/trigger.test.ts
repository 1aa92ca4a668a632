/** haltTrigger: which polls halt a session, on the recorded topologies of both Patroni versions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffTopology } from '../../../../src/topology/diff.js';
import { haltTrigger } from '../../../../src/tuning/failover/index.js';
import { recorded, shaped, VERSIONS } from './support.js';

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
