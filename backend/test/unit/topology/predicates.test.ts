import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeCluster } from '../../../src/patroni/normalize.js';
import { hasHealthyLeader, isUp, leaderMember } from '../../../src/topology/predicates.js';
import type { Topology } from '../../../src/topology/model.js';
import { readFixture } from '../../fixtures/patroni/load.js';

const healthy = normalizeCluster(readFixture('4.1.5', 'cluster.json'));
const unlocked = normalizeCluster(readFixture('4.1.5', 'cluster-unlocked.json'));

/** `healthy` with the leader's health replaced. */
function withLeaderHealth(health: 'failed' | 'starting'): Topology {
  return {
    ...healthy,
    members: healthy.members.map((member) => (member.isLeader ? { ...member, health } : member)),
  };
}

describe('topology predicates', () => {
  it('isUp: only health up serves', () => {
    assert.deepEqual(
      unlocked.members.map((member) => [member.name, isUp(member)]),
      [
        ['node1', true],
        ['node2', false],
        ['node3', true],
      ],
    );
  });

  it('leaderMember: the lock holder, or null', () => {
    assert.equal(leaderMember(healthy)?.name, 'node2');
    assert.equal(leaderMember(unlocked), null);
    assert.equal(leaderMember({ ...healthy, members: [] }), null);
  });

  it('hasHealthyLeader: a leader holds the lock and serves', () => {
    assert.equal(hasHealthyLeader(healthy), true);
    assert.equal(hasHealthyLeader(unlocked), false);
    assert.equal(hasHealthyLeader(withLeaderHealth('failed')), false);
    assert.equal(hasHealthyLeader(withLeaderHealth('starting')), false);
    assert.equal(hasHealthyLeader({ ...healthy, unlocked: true }), false);
  });
});
