/** startBlockers on topologies normalised from recorded (and hand-written) Patroni /cluster answers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeCluster } from '../../../../src/patroni/normalize.js';
import { startBlockers } from '../../../../src/tuning/apply/preconditions.js';
import { readFixture } from '../../../fixtures/patroni/load.js';

function topology(version: string, file: string, edit: (raw: { members: Array<Record<string, unknown>> } & Record<string, unknown>) => void = () => {}) {
  const raw = structuredClone(readFixture(version, file)) as { members: Array<Record<string, unknown>> } & Record<string, unknown>;
  edit(raw);
  return normalizeCluster(raw);
}

describe('startBlockers', () => {
  it('a healthy cluster has none (Patroni 3.0.2 and 4.1.5, recorded, also after a switchover)', () => {
    assert.deepEqual(startBlockers(topology('3.0.2', 'recorded/cluster.json')), []);
    assert.deepEqual(startBlockers(topology('4.1.5', 'recorded/cluster.json')), []);
    assert.deepEqual(startBlockers(topology('4.1.5', 'recorded/cluster-after-switchover.json')), []);
  });

  it('no leader, and the member that stopped', () => {
    // The 4.1.5 lab recording: the old leader stopped, nobody took the lock yet, and paused.
    assert.deepEqual(startBlockers(topology('4.1.5', 'recorded/cluster-unlocked.json')), [
      'the cluster has no leader',
      'the cluster is paused (maintenance mode)',
      'member node1 is stopped',
    ]);
    assert.deepEqual(startBlockers(topology('3.0.2', 'cluster-unlocked.json')), ['the cluster has no leader', 'member node1 is stopped']);
  });

  it('a paused cluster (maintenance mode)', () => {
    assert.deepEqual(startBlockers(topology('3.0.2', 'recorded/cluster-paused.json')), ['the cluster is paused (maintenance mode)']);
    assert.deepEqual(startBlockers(topology('4.1.5', 'recorded/cluster-paused.json')), ['the cluster is paused (maintenance mode)']);
  });

  it('a member that is not up', () => {
    const starting = topology('4.1.5', 'recorded/cluster.json', (raw) => {
      raw.members[2]!.state = 'starting';
    });
    assert.deepEqual(startBlockers(starting), ['member node3 is starting']);
    const failed = topology('3.0.2', 'recorded/cluster.json', (raw) => {
      raw.members[1]!.state = 'restart failed (restarting)';
    });
    assert.deepEqual(startBlockers(failed), ['member node2 is restart failed (restarting)']);
  });

  it('a member waiting for a restart', () => {
    assert.deepEqual(startBlockers(topology('4.1.5', 'cluster.json')), ['member node1 has a pending restart']);
    const both = topology('4.1.5', 'recorded/cluster.json', (raw) => {
      raw.members[1]!.pending_restart = true;
      raw.members[1]!.state = 'stopped';
    });
    assert.deepEqual(startBlockers(both), ['member node2 is stopped', 'member node2 has a pending restart']);
  });

  it('lists every blocker at once', () => {
    assert.deepEqual(startBlockers(topology('4.1.5', 'cluster-lag-unknown.json')), [
      'member node1 has a pending restart',
      'member node3 is starting',
    ]);
  });
});
