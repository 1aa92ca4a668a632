/**
 * The halt an agent detected, shown before any store records it (a new leader's store is writable
 * only after the election): a replica's agent whose session record still says `running` shows
 * `detectedHalt` at once; it goes when the record is halted, or when the session's executor is seen
 * leading again, healthy (the episode was a blip and the session went on).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { managerHarness, NODE1_API, recordedJson, storedSession, waitFor } from './manager-support.js';

const LEADER_DOWN = `the leader is unreachable: node1's Patroni REST API: GET ${NODE1_API}/patroni: unreachable (ECONNREFUSED)`;

/** A replica's agent (beside node2) whose store holds a session node1 runs. */
async function besideReplicaWithRunningSession() {
  const h = await managerHarness({ self: 'node2' });
  const session = await storedSession(h.store, 'running-1', 'running');
  return { h, session };
}

describe('SessionManager.detectedHalt / detectedHalts', () => {
  it("a replica's agent that sees the leader go shows the halt at once, while the record still says running", async () => {
    const { h, session } = await besideReplicaWithRunningSession();
    assert.equal(h.manager.detectedHalt(session), null, 'nothing detected yet');
    assert.deepEqual(await h.manager.detectedHalts(), []);

    h.clock.advance(1_000);
    const seenAt = h.clock.now();
    h.patroni.others.delete(`${NODE1_API}/patroni`);
    await h.poll();
    const expected = { at: seenAt, reason: LEADER_DOWN, recorded: false };
    assert.deepEqual(h.manager.detectedHalt(session), expected);
    assert.deepEqual(await h.manager.detectedHalts(), [{ sessionId: session.id, ...expected }]);

    // Still no leader answering, or the DCS dropping the dead leader: the same detection holds.
    h.clock.advance(1_000);
    h.patroni.answer(recordedJson('patroni-replica-unlocked.json'), recordedJson('cluster-unlocked.json'));
    await h.poll();
    assert.deepEqual(h.manager.detectedHalt(session), expected);

    // Once the record says halted, the record is what shows.
    const halted = await h.store.updateSession(session.id, { state: 'halted', reason: LEADER_DOWN });
    assert.equal(h.manager.detectedHalt(halted), null);
    assert.deepEqual(await h.manager.detectedHalts(), []);
    await h.manager.close();
  });

  it('a session started after the detection, or one that is not active, shows none', async () => {
    const h = await managerHarness({ self: 'node2' });
    h.clock.advance(1_000);
    h.patroni.others.delete(`${NODE1_API}/patroni`);
    await h.poll();
    h.clock.advance(1_000);
    const later = await storedSession(h.store, 'later-1', 'running');
    assert.equal(h.manager.detectedHalt(later), null, 'a detection before the session started is not its halt');
    const completed = { ...later, state: 'completed' as const, createdAt: new Date(0) };
    assert.equal(h.manager.detectedHalt(completed), null);
    await h.manager.close();
  });

  it("a blip: the executor answering again, leading and healthy, ends the episode and the detection shows no more", async () => {
    const { h, session } = await besideReplicaWithRunningSession();
    h.clock.advance(1_000);
    h.patroni.others.delete(`${NODE1_API}/patroni`);
    await h.poll();
    assert.notEqual(h.manager.detectedHalt(session), null);

    h.clock.advance(1_000);
    h.patroni.others.set(`${NODE1_API}/patroni`, recordedJson('patroni-primary.json'));
    await h.poll();
    assert.equal(h.manager.detectedHalt(session), null);
    assert.deepEqual(await h.manager.detectedHalts(), []);
    await h.manager.close();
  });
});

describe("the connection held to the leader's PostgreSQL lost: one path to the halt", () => {
  it("beside a replica, with the leader's REST API still answering: the out-of-band poll detects the halt, no interval elapsing", async () => {
    let lost: { member: string; reason: string } | null = null;
    const h = await managerHarness({ self: 'node2', leaderPostgresLost: () => lost });
    const session = await storedSession(h.store, 'running-2', 'running');
    h.clock.advance(250);
    lost = { member: 'node1', reason: 'terminating connection due to unexpected postmaster exit; a new connection failed: ECONNREFUSED' };
    h.watcher.pollNow();
    await waitFor(() => h.manager.detectedHalt(session) !== null, 'the halt to be detected by the poll pollNow() started');
    assert.deepEqual(h.manager.detectedHalt(session), {
      at: h.clock.now(),
      reason: `the leader is unreachable: node1's PostgreSQL: ${lost.reason}`,
      recorded: false,
    });
    await h.manager.close();
  });
});
