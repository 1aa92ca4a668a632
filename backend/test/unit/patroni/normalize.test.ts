import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PatroniInvalidResponseError } from '../../../src/patroni/errors.js';
import {
  normalizeCluster,
  normalizeConfig,
  normalizeHealth,
  normalizeHistory,
  normalizeNodeStatus,
  normalizeRole,
} from '../../../src/patroni/normalize.js';
import type { NodeStatus } from '../../../src/patroni/responses.js';
import type { Member, Topology } from '../../../src/topology/model.js';
import { allFixtures, isAtLeast, readFixture } from '../../fixtures/patroni/load.js';

const REASON = 'no recovery target specified';

const PRIMARY_3_0_2: NodeStatus = {
  name: null,
  scope: 'demo',
  role: 'primary',
  health: 'up',
  state: 'running',
  isSync: false,
  timeline: 3,
  pendingRestart: false,
  paused: false,
  clusterUnlocked: false,
  failsafeActive: false,
  patroniVersion: '3.0.2',
  serverVersion: 150008,
  walLocation: 83886432,
  receivedLocation: null,
  replayedLocation: null,
  dcsLastSeen: 1714644960,
  replicationState: null,
};

const PRIMARY_4_1_5: NodeStatus = {
  name: 'node2',
  scope: 'demo',
  role: 'primary',
  health: 'up',
  state: 'running',
  isSync: false,
  timeline: 4,
  pendingRestart: false,
  paused: false,
  clusterUnlocked: false,
  failsafeActive: false,
  patroniVersion: '4.1.5',
  serverVersion: 170006,
  walLocation: 117440608,
  receivedLocation: null,
  replayedLocation: null,
  dcsLastSeen: 1758182590,
  replicationState: null,
};

describe('normalizeNodeStatus (GET /patroni)', () => {
  it('3.0.2 primary: role master is primary, no member name', () => {
    assert.deepEqual(normalizeNodeStatus(readFixture('3.0.2', 'patroni-primary.json')), PRIMARY_3_0_2);
  });

  it('3.0.2 replica: received and replayed positions, no replication_state yet', () => {
    assert.deepEqual(normalizeNodeStatus(readFixture('3.0.2', 'patroni-replica.json')), {
      ...PRIMARY_3_0_2,
      role: 'replica',
      walLocation: null,
      receivedLocation: 83886432,
      replayedLocation: 83869696,
      dcsLastSeen: 1714644961,
    });
  });

  it('3.0.2 replica of an unlocked cluster', () => {
    assert.deepEqual(normalizeNodeStatus(readFixture('3.0.2', 'patroni-unlocked.json')), {
      ...PRIMARY_3_0_2,
      role: 'replica',
      clusterUnlocked: true,
      walLocation: null,
      receivedLocation: 83886432,
      replayedLocation: 83886432,
      dcsLastSeen: 1714645210,
    });
  });

  it('4.1.5 primary: role primary, member name', () => {
    assert.deepEqual(normalizeNodeStatus(readFixture('4.1.5', 'patroni-primary.json')), PRIMARY_4_1_5);
  });

  it('4.1.5 paused primary', () => {
    assert.deepEqual(normalizeNodeStatus(readFixture('4.1.5', 'patroni-paused.json')), {
      ...PRIMARY_4_1_5,
      paused: true,
      dcsLastSeen: 1758182650,
    });
  });

  it('4.1.5 sync replica: streaming, pending restart', () => {
    assert.deepEqual(normalizeNodeStatus(readFixture('4.1.5', 'patroni-replica.json')), {
      ...PRIMARY_4_1_5,
      name: 'node1',
      role: 'replica',
      isSync: true,
      pendingRestart: true,
      walLocation: null,
      receivedLocation: 117440608,
      replayedLocation: 117440608,
      dcsLastSeen: 1758182591,
      replicationState: 'streaming',
    });
  });

  it('4.1.5 stopped, demoted node: only state, role and DCS facts', () => {
    assert.deepEqual(normalizeNodeStatus(readFixture('4.1.5', 'patroni-stopped.json')), {
      ...PRIMARY_4_1_5,
      role: 'transitional',
      health: 'stopped',
      state: 'stopped',
      timeline: null,
      clusterUnlocked: true,
      serverVersion: null,
      walLocation: null,
      dcsLastSeen: 1758182702,
    });
  });

  it('reads failsafe mode and quorum standby, ignores unknown fields', () => {
    const status = normalizeNodeStatus({
      state: 'running',
      role: 'replica',
      quorum_standby: true,
      failsafe_mode_is_active: true,
      something_new: { nested: 1 },
    });
    assert.equal(status.isSync, true);
    assert.equal(status.failsafeActive, true);
    assert.equal(status.scope, null);
    assert.equal(status.patroniVersion, null);
    assert.equal(status.dcsLastSeen, null);
  });

  it('rejects a body without state or role', () => {
    assertInvalid(() => normalizeNodeStatus({ role: 'primary' }), '/patroni has no state or role');
    assertInvalid(() => normalizeNodeStatus({ state: 'running' }), '/patroni has no state or role');
    assertInvalid(() => normalizeNodeStatus([]), '/patroni is not a JSON object');
    assertInvalid(() => normalizeNodeStatus(null), '/patroni is not a JSON object');
  });
});

const CLUSTER_3_0_2: Topology = {
  scope: null,
  leader: 'node1',
  timeline: 3,
  paused: false,
  unlocked: false,
  members: [
    {
      name: 'node1',
      role: 'primary',
      health: 'up',
      state: 'running',
      isLeader: true,
      isSync: false,
      apiUrl: 'http://127.0.0.1:8008/patroni',
      host: '127.0.0.1',
      port: 5432,
      timeline: 3,
      lagBytes: null,
      pendingRestart: false,
      tags: {},
    },
    {
      name: 'node2',
      role: 'replica',
      health: 'up',
      state: 'running',
      isLeader: false,
      isSync: false,
      apiUrl: 'http://127.0.0.1:8009/patroni',
      host: '127.0.0.1',
      port: 5433,
      timeline: 3,
      lagBytes: 0,
      pendingRestart: false,
      tags: {},
    },
    {
      name: 'node3',
      role: 'replica',
      health: 'up',
      state: 'running',
      isLeader: false,
      isSync: false,
      apiUrl: 'http://127.0.0.1:8010/patroni',
      host: '127.0.0.1',
      port: 5434,
      timeline: 3,
      lagBytes: 16736,
      pendingRestart: false,
      tags: { clonefrom: true },
    },
  ],
};

const CLUSTER_4_1_5: Topology = {
  scope: 'demo',
  leader: 'node2',
  timeline: 4,
  paused: false,
  unlocked: false,
  members: [
    {
      name: 'node1',
      role: 'replica',
      health: 'up',
      state: 'streaming',
      isLeader: false,
      isSync: true,
      apiUrl: 'http://127.0.0.1:8008/patroni',
      host: '127.0.0.1',
      port: 5432,
      timeline: 4,
      lagBytes: 0,
      pendingRestart: true,
      tags: {},
    },
    {
      name: 'node2',
      role: 'primary',
      health: 'up',
      state: 'running',
      isLeader: true,
      isSync: false,
      apiUrl: 'http://127.0.0.1:8009/patroni',
      host: '127.0.0.1',
      port: 5433,
      timeline: 4,
      lagBytes: null,
      pendingRestart: false,
      tags: {},
    },
    {
      name: 'node3',
      role: 'replica',
      health: 'up',
      state: 'streaming',
      isLeader: false,
      isSync: false,
      apiUrl: 'http://127.0.0.1:8010/patroni',
      host: '127.0.0.1',
      port: 5434,
      timeline: 4,
      lagBytes: 8192,
      pendingRestart: false,
      tags: { nofailover: true },
    },
  ],
};

/** The fixture member `name` of `topology`, changed by `changes`. */
function memberOf(topology: Topology, name: string, changes: Partial<Member>): Member {
  const member = topology.members.find((candidate) => candidate.name === name);
  assert.ok(member, `no member ${name} in the expected topology`);
  return { ...member, ...changes };
}

describe('normalizeCluster (GET /cluster)', () => {
  it('3.0.2: three members, no scope, replicas running', () => {
    assert.deepEqual(normalizeCluster(readFixture('3.0.2', 'cluster.json')), CLUSTER_3_0_2);
  });

  it('3.0.2: takes the scope from /patroni when /cluster has none', () => {
    assert.equal(normalizeCluster(readFixture('3.0.2', 'cluster.json'), 'demo').scope, 'demo');
  });

  it('3.0.2 paused', () => {
    assert.deepEqual(normalizeCluster(readFixture('3.0.2', 'cluster-paused.json')), { ...CLUSTER_3_0_2, paused: true });
  });

  it('3.0.2 unlocked: no leader, the old leader stopped with lag unknown', () => {
    assert.deepEqual(normalizeCluster(readFixture('3.0.2', 'cluster-unlocked.json')), {
      ...CLUSTER_3_0_2,
      leader: null,
      unlocked: true,
      members: [
        memberOf(CLUSTER_3_0_2, 'node1', {
          role: 'replica',
          health: 'stopped',
          state: 'stopped',
          isLeader: false,
          timeline: null,
        }),
        memberOf(CLUSTER_3_0_2, 'node2', {}),
        memberOf(CLUSTER_3_0_2, 'node3', {}),
      ],
    });
  });

  it('4.1.5: scope, streaming replicas, sync standby, pending restart', () => {
    assert.deepEqual(normalizeCluster(readFixture('4.1.5', 'cluster.json')), CLUSTER_4_1_5);
  });

  it('4.1.5: its own scope wins over the fallback', () => {
    assert.equal(normalizeCluster(readFixture('4.1.5', 'cluster.json'), 'other').scope, 'demo');
  });

  it('4.1.5 paused', () => {
    assert.deepEqual(normalizeCluster(readFixture('4.1.5', 'cluster-paused.json')), { ...CLUSTER_4_1_5, paused: true });
  });

  it('4.1.5 unlocked: leader stopped, timeline from the remaining members', () => {
    assert.deepEqual(normalizeCluster(readFixture('4.1.5', 'cluster-unlocked.json')), {
      ...CLUSTER_4_1_5,
      leader: null,
      unlocked: true,
      members: [
        memberOf(CLUSTER_4_1_5, 'node1', { state: 'in archive recovery' }),
        memberOf(CLUSTER_4_1_5, 'node2', {
          role: 'replica',
          health: 'stopped',
          state: 'stopped',
          isLeader: false,
          timeline: null,
        }),
        memberOf(CLUSTER_4_1_5, 'node3', { state: 'running' }),
      ],
    });
  });

  it('4.1.5 lag unknown on a starting member', () => {
    assert.deepEqual(normalizeCluster(readFixture('4.1.5', 'cluster-lag-unknown.json')), {
      ...CLUSTER_4_1_5,
      members: [
        memberOf(CLUSTER_4_1_5, 'node1', {}),
        memberOf(CLUSTER_4_1_5, 'node2', {}),
        memberOf(CLUSTER_4_1_5, 'node3', { health: 'starting', state: 'starting', timeline: null, lagBytes: null }),
      ],
    });
  });

  it('sorts members by code point and takes the highest timeline without a leader', () => {
    const topology = normalizeCluster({
      members: [
        { name: 'b', role: 'replica', state: 'running', timeline: 7 },
        { name: 'B', role: 'replica', state: 'running', timeline: 9 },
        { name: 'a', role: 'replica', state: 'stopped' },
      ],
    });
    assert.deepEqual(
      topology.members.map((member) => member.name),
      ['B', 'a', 'b'],
    );
    assert.equal(topology.timeline, 9);
    assert.equal(topology.leader, null);
    assert.equal(topology.unlocked, true);
  });

  it('a standby leader holds the lock; a leader without timeline falls back to the members', () => {
    const topology = normalizeCluster({
      members: [
        { name: 'n1', role: 'standby_leader', state: 'running' },
        { name: 'n2', role: 'replica', state: 'streaming', timeline: 5, lag: 'unknown' },
      ],
    });
    assert.equal(topology.leader, 'n1');
    assert.equal(topology.unlocked, false);
    assert.equal(topology.timeline, 5);
    assert.equal(topology.members[0]?.role, 'standby_leader');
  });

  it('is lenient with absent optional fields', () => {
    const topology = normalizeCluster({ members: [{ name: 'n1' }], scheduled_switchover: { at: 'x' } });
    assert.deepEqual(topology, {
      scope: null,
      leader: null,
      timeline: null,
      paused: false,
      unlocked: true,
      members: [
        {
          name: 'n1',
          role: 'unknown',
          health: 'unknown',
          state: '',
          isLeader: false,
          isSync: false,
          apiUrl: null,
          host: null,
          port: null,
          timeline: null,
          lagBytes: null,
          pendingRestart: false,
          tags: {},
        },
      ],
    });
  });

  it('rejects a body without a members array, or a member without a name', () => {
    assertInvalid(() => normalizeCluster({}), '/cluster has no members array');
    assertInvalid(() => normalizeCluster({ members: {} }), '/cluster has no members array');
    assertInvalid(() => normalizeCluster('members'), '/cluster has no members array');
    assertInvalid(
      () => normalizeCluster({ members: [{ name: 'a' }, { role: 'leader' }] }),
      '/cluster members[1] has no name',
    );
  });
});

describe('normalizeConfig (GET and PATCH /config)', () => {
  it('keeps the document as Patroni stores it', () => {
    const raw = readFixture('4.1.5', 'config.json');
    const config = normalizeConfig(raw);
    assert.equal(config, raw);
    assert.deepEqual(config.postgresql?.parameters, {
      max_connections: 120,
      wal_level: 'replica',
      work_mem: '8MB',
      random_page_cost: 1.1,
      effective_io_concurrency: 200,
      checkpoint_completion_target: 0.9,
      jit: false,
    });
  });

  it('accepts a config without postgresql section', () => {
    assert.deepEqual(normalizeConfig({ ttl: 30 }), { ttl: 30 });
  });

  it('rejects what cannot be a configuration', () => {
    assertInvalid(() => normalizeConfig([]), '/config is not a JSON object');
    assertInvalid(() => normalizeConfig({ postgresql: 'x' }), '/config postgresql is not an object');
    assertInvalid(
      () => normalizeConfig({ postgresql: { parameters: { work_mem: { value: '4MB' } } } }),
      '/config postgresql.parameters is not an object of scalar values',
    );
  });
});

describe('normalizeHistory (GET /history)', () => {
  it('3.0.2: an old line without time and leader, then a full one', () => {
    assert.deepEqual(normalizeHistory(readFixture('3.0.2', 'history.json')), [
      { timeline: 1, lsn: 25166000, reason: REASON, promotedAt: null, newLeader: null },
      { timeline: 2, lsn: 50331808, reason: REASON, promotedAt: '2024-05-02T10:15:02.114263+00:00', newLeader: 'node1' },
    ]);
  });

  it('4.1.5: three switches', () => {
    assert.deepEqual(normalizeHistory(readFixture('4.1.5', 'history.json')), [
      { timeline: 1, lsn: 25166104, reason: REASON, promotedAt: '2025-09-17T14:20:45.118203+00:00', newLeader: 'node1' },
      { timeline: 2, lsn: 67109024, reason: REASON, promotedAt: '2025-09-18T07:41:12.803321+00:00', newLeader: 'node3' },
      { timeline: 3, lsn: 100663456, reason: REASON, promotedAt: '2025-09-18T08:02:13.210457+00:00', newLeader: 'node2' },
    ]);
  });

  it('an empty history is empty', () => {
    assert.deepEqual(normalizeHistory([]), []);
  });

  it('rejects what cannot be a history', () => {
    assertInvalid(() => normalizeHistory({}), '/history is not a JSON array');
    assertInvalid(() => normalizeHistory([[1, 2, 'x'], ['2', 3]]), '/history line 1 is not [timeline, lsn, …]');
  });
});

describe('role and state names of every version', () => {
  it('maps roles', () => {
    const roles = {
      master: 'primary',
      primary: 'primary',
      leader: 'primary',
      standby_leader: 'standby_leader',
      replica: 'replica',
      sync_standby: 'replica',
      quorum_standby: 'replica',
      demoted: 'transitional',
      uninitialized: 'transitional',
      promoted: 'transitional',
      constructor: 'unknown',
      '': 'unknown',
    };
    for (const [raw, expected] of Object.entries(roles)) assert.equal(normalizeRole(raw), expected, raw);
    assert.equal(normalizeRole(undefined), 'unknown');
  });

  it('maps states', () => {
    const states = {
      running: 'up',
      streaming: 'up',
      'in archive recovery': 'up',
      starting: 'starting',
      restarting: 'starting',
      'starting after custom bootstrap': 'starting',
      'creating replica': 'starting',
      'initializing new cluster': 'starting',
      'running custom bootstrap script': 'starting',
      stopping: 'stopping',
      stopped: 'stopped',
      'stop failed': 'failed',
      crashed: 'failed',
      'start failed': 'failed',
      'restart failed': 'failed',
      'restart failed (pg_ctl exited with 1)': 'failed',
      'initdb failed': 'failed',
      'custom bootstrap failed': 'failed',
      unknown: 'unknown',
      '': 'unknown',
    };
    for (const [raw, expected] of Object.entries(states)) assert.equal(normalizeHealth(raw), expected, raw);
    assert.equal(normalizeHealth(null), 'unknown');
  });
});

// Hand-written and lab-recorded alike: every fixture of every version folder. The file name states
// what the response shows (primary, replica, paused, unlocked, stopped); the checks hold it to that.
describe('every fixture of every version folder', () => {
  for (const fixture of allFixtures()) {
    const label = `${fixture.version}/${fixture.file}`;
    const tags = fixture.file.split('/').at(-1) ?? '';
    switch (fixture.endpoint) {
      case 'patroni':
        it(`${label} normalises as a node status`, () => {
          const status = normalizeNodeStatus(fixture.json);
          assert.equal(status.patroniVersion, fixture.version);
          assert.notEqual(status.scope, null);
          assert.equal(status.name !== null, isAtLeast(fixture.version, '3.2.0'), 'name from 3.2 on');
          assert.notEqual(status.role, 'unknown');
          assert.notEqual(status.health, 'unknown');
          if (tags.includes('primary')) assert.equal(status.role, 'primary');
          if (tags.includes('replica')) assert.equal(status.role, 'replica');
          // No check for `paused`: /patroni reports the pause from the HA loop's cached cluster, so it
          // lags the DCS by up to loop_wait (3.0.2/recorded/patroni-primary-paused.json shows none).
          if (tags.includes('unlocked')) assert.equal(status.clusterUnlocked, true);
          if (tags.includes('stopped')) assert.equal(status.health, 'stopped');
          if (status.health === 'up') assert.notEqual(status.timeline, null);
        });
        break;
      case 'cluster':
        it(`${label} normalises as a topology`, () => {
          const topology = normalizeCluster(fixture.json);
          const names = topology.members.map((member) => member.name);
          assert.deepEqual(names, [...new Set(names)].sort());
          assert.equal(topology.scope !== null, isAtLeast(fixture.version, '3.2.0'), 'scope from 3.2 on');
          assert.equal(topology.unlocked, topology.leader === null);
          if (tags.includes('paused')) assert.equal(topology.paused, true);
          assert.equal(topology.leader === null, tags.includes('unlocked'));
          assert.notEqual(topology.timeline, null);
          for (const member of topology.members) {
            assert.notEqual(member.role, 'unknown', member.name);
            assert.notEqual(member.health, 'unknown', member.name);
            assert.equal(member.isLeader, member.name === topology.leader, member.name);
          }
        });
        break;
      case 'config':
        it(`${label} normalises as a configuration`, () => {
          assert.equal(typeof normalizeConfig(fixture.json).postgresql?.parameters, 'object');
        });
        break;
      case 'history':
        it(`${label} normalises as a history, timelines ascending`, () => {
          const timelines = normalizeHistory(fixture.json).map((line) => line.timeline);
          assert.ok(timelines.length > 0);
          assert.deepEqual(timelines, [...timelines].sort((a, b) => a - b));
        });
        break;
      case null:
        break;
    }
  }
});

function assertInvalid(fn: () => unknown, detail: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof PatroniInvalidResponseError);
    assert.equal(error.code, 'PGT_PATRONI_ERR_INVALID_RESPONSE');
    assert.equal(error.detail, detail);
    assert.equal(error.target, null);
    return true;
  });
}
