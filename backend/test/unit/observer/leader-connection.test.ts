/**
 * LeaderConnection with a fake opener: which PostgreSQL it holds a connection to as the topology
 * moves; a drop that cannot reconnect is a loss, reported once, at once, and kept until a connection
 * opens again; deliberate closes, drops that reconnect and connections never opened are no loss.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterObservation } from '../../../src/observer/observation.js';
import { heldTarget, LeaderConnection, type HeldConnection } from '../../../src/observer/leader-connection.js';
import { normalizeCluster, normalizeNodeStatus } from '../../../src/patroni/normalize.js';
import { PostgresUnreachableError } from '../../../src/postgres/errors.js';
import { readFixture } from '../../fixtures/patroni/load.js';
import { editedCluster } from './fakes.js';

const OWN_URL = 'postgres://tuner:secret@127.0.0.1:5432/postgres';

class FakeHeld implements HeldConnection {
  #drop!: (reason: Error) => void;
  readonly dropped = new Promise<Error>((resolve) => (this.#drop = resolve));
  ended = false;

  constructor(readonly connectionString: string) {}

  drop(reason: Error): void {
    this.#drop(reason);
  }

  async end(): Promise<void> {
    this.ended = true;
  }
}

/** Opens FakeHeld connections; `refuse` makes the next opens fail; `hold` keeps the next open pending until released. */
class FakeOpener {
  readonly opened: FakeHeld[] = [];
  readonly attempts: string[] = [];
  refuse: Error | null = null;
  #held: Array<() => void> = [];
  holdNext = false;

  readonly open = async (connectionString: string): Promise<HeldConnection> => {
    this.attempts.push(connectionString);
    if (this.holdNext) {
      this.holdNext = false;
      await new Promise<void>((resolve) => this.#held.push(resolve));
    }
    if (this.refuse) throw this.refuse;
    const held = new FakeHeld(connectionString);
    this.opened.push(held);
    return held;
  };

  releaseHeld(): void {
    for (const release of this.#held.splice(0)) release();
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const target = (member: string, port: number) => ({ member, connectionString: `postgres://tuner:secret@10.0.0.${port % 10}:${port}/postgres` });

function rig() {
  const opener = new FakeOpener();
  const drops: Array<{ member: string; reason: string }> = [];
  const connection = new LeaderConnection({ ownDatabaseUrl: OWN_URL, open: opener.open, onLost: (lost) => drops.push(lost) });
  return { opener, drops, connection };
}

describe('LeaderConnection', () => {
  it('holds one connection to the target; following the same target again opens nothing more', async () => {
    const { opener, connection } = rig();
    connection.follow(target('node1', 5432));
    connection.follow(target('node1', 5432));
    await turn();
    connection.follow(target('node1', 5432));
    await turn();
    assert.deepEqual(opener.attempts, [target('node1', 5432).connectionString]);
    assert.deepEqual(connection.status, { member: 'node1', state: 'connected' });
    await connection.close();
  });

  it('a drop that cannot reconnect is a loss: reported at once, once, and kept until a later follow reconnects', async () => {
    const { opener, drops, connection } = rig();
    connection.follow(target('node1', 5432));
    await turn();
    opener.refuse = new PostgresUnreachableError('PostgreSQL unreachable: ECONNREFUSED');
    opener.opened[0]!.drop(new PostgresUnreachableError('PostgreSQL error 57P01: terminating connection due to unexpected postmaster exit'));
    await turn();
    const lost = {
      member: 'node1',
      reason: 'PostgreSQL error 57P01: terminating connection due to unexpected postmaster exit; a new connection failed: PostgreSQL unreachable: ECONNREFUSED',
    };
    assert.deepEqual(drops, [lost]);
    assert.deepEqual(connection.lost, lost);
    assert.deepEqual(connection.status, { member: 'node1', state: 'lost' });
    assert.equal(opener.attempts.length, 2, 'one immediate reconnect, no loop');

    connection.follow(target('node1', 5432));
    await turn();
    assert.deepEqual(connection.lost, lost, 'still refused: still lost, not reported again');
    assert.equal(drops.length, 1);

    opener.refuse = null;
    connection.follow(target('node1', 5432));
    await turn();
    assert.equal(connection.lost, null);
    assert.deepEqual(connection.status, { member: 'node1', state: 'connected' });
    assert.equal(drops.length, 1);
    await connection.close();
  });

  it('a drop that reconnects at once (a person terminated the backend) is no loss', async () => {
    const { opener, drops, connection } = rig();
    connection.follow(target('node1', 5432));
    await turn();
    opener.opened[0]!.drop(new PostgresUnreachableError('PostgreSQL error 57P01: terminating connection due to administrator command'));
    await turn();
    assert.deepEqual(drops, []);
    assert.equal(connection.lost, null);
    assert.deepEqual(connection.status, { member: 'node1', state: 'connected' });
    assert.equal(opener.opened.length, 2);
    await connection.close();
  });

  it('a new target closes the old connection (not a drop) and opens one to the new leader', async () => {
    const { opener, drops, connection } = rig();
    connection.follow(target('node1', 5432));
    await turn();
    connection.follow(target('node3', 5433));
    await turn();
    assert.equal(opener.opened[0]!.ended, true);
    opener.opened[0]!.drop(new Error('Connection terminated'));
    await turn();
    assert.deepEqual(drops, [], 'closing on purpose is no drop');
    assert.deepEqual(opener.attempts, [target('node1', 5432).connectionString, target('node3', 5433).connectionString]);
    assert.deepEqual(connection.status, { member: 'node3', state: 'connected' });
    await connection.close();
  });

  it('no leader: the connection is closed and nothing is held', async () => {
    const { opener, drops, connection } = rig();
    connection.follow(target('node1', 5432));
    await turn();
    connection.follow(null);
    await turn();
    assert.equal(opener.opened[0]!.ended, true);
    assert.equal(connection.status, null);
    assert.deepEqual(drops, []);
  });

  it('a connection never opened (refused, say by pg_hba) is no loss, so it cannot halt anything; the next follow tries again', async () => {
    const { opener, drops, connection } = rig();
    opener.refuse = new PostgresUnreachableError('PostgreSQL error 28000: no pg_hba.conf entry');
    connection.follow(target('node1', 5432));
    await turn();
    assert.deepEqual(connection.status, { member: 'node1', state: 'unavailable' });
    assert.equal(connection.lost, null);
    assert.deepEqual(drops, []);
    opener.refuse = null;
    connection.follow(target('node1', 5432));
    await turn();
    assert.deepEqual(connection.status, { member: 'node1', state: 'connected' });
    await connection.close();
  });

  it('a connect that completes after the target moved on is closed at once and never reported', async () => {
    const { opener, drops, connection } = rig();
    opener.holdNext = true;
    connection.follow(target('node1', 5432));
    await turn();
    connection.follow(target('node3', 5433));
    await turn();
    opener.releaseHeld();
    await turn();
    const stale = opener.opened.find((held) => held.connectionString === target('node1', 5432).connectionString)!;
    assert.equal(stale.ended, true);
    stale.drop(new Error('Connection terminated'));
    await turn();
    assert.deepEqual(drops, []);
    assert.deepEqual(connection.status, { member: 'node3', state: 'connected' });
    await connection.close();
  });

  it('close() ends the connection; a drop after it is not reported, and follow() opens nothing', async () => {
    const { opener, drops, connection } = rig();
    connection.follow(target('node1', 5432));
    await turn();
    await connection.close();
    assert.equal(opener.opened[0]!.ended, true);
    opener.opened[0]!.drop(new Error('Connection terminated'));
    await turn();
    connection.follow(target('node1', 5432));
    await turn();
    assert.deepEqual(drops, []);
    assert.equal(opener.attempts.length, 1);
  });
});

describe('heldTarget and observe()', () => {
  const recorded = (file: string) => readFixture('4.1.5', `recorded/${file}`);
  function observation(self: string, cluster: unknown = recorded('cluster.json')): ClusterObservation {
    return {
      at: 0,
      patroni: { ok: true, value: { node: normalizeNodeStatus(recorded('patroni-primary.json')), topology: normalizeCluster(cluster) } },
      postgres: { ok: true, value: { inRecovery: self !== 'node1' } },
      self,
      leader: null,
    };
  }
  const topologyOf = (o: ClusterObservation) => (o.patroni.ok ? o.patroni.value.topology : assert.fail('no topology'));
  const leaderAddress = () => normalizeCluster(recorded('cluster.json')).members.find((m) => m.name === 'node1')!;

  it("beside the leader: this node's own PostgreSQL, as configured", () => {
    assert.deepEqual(heldTarget(topologyOf(observation('node1')), 'node1', OWN_URL), { member: 'node1', connectionString: OWN_URL });
  });

  it("beside a replica: the leader's PostgreSQL at its /cluster address, with this agent's credentials", () => {
    const leader = leaderAddress();
    assert.deepEqual(heldTarget(topologyOf(observation('node2')), 'node2', OWN_URL), {
      member: 'node1',
      connectionString: `postgres://tuner:secret@${leader.host}:${leader.port}/postgres`,
    });
  });

  it('no leader: nothing to hold', () => {
    const unlocked = editedCluster(recorded('cluster.json'), (cluster) => {
      for (const member of cluster.members) member.role = 'replica';
    });
    assert.equal(heldTarget(topologyOf(observation('node2', unlocked)), 'node2', OWN_URL), null);
  });

  it("observe() follows each poll's leader; a poll without Patroni keeps what is held", async () => {
    const { opener, connection } = rig();
    connection.observe(observation('node2'));
    await turn();
    const leader = leaderAddress();
    assert.deepEqual(opener.attempts, [`postgres://tuner:secret@${leader.host}:${leader.port}/postgres`]);
    connection.observe({ ...observation('node2'), patroni: { ok: false, code: 'PGT_PATRONI_ERR_UNREACHABLE', message: 'down' } });
    await turn();
    assert.equal(opener.opened[0]!.ended, false);
    assert.deepEqual(connection.status, { member: 'node1', state: 'connected' });
    await connection.close();
  });
});
