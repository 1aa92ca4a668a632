/**
 * The halt an agent detected, shown before any store records it (a new leader's store is writable
 * only after the election): a replica's agent whose session record still says `running` shows
 * `detectedHalt` at once; it goes when the record is halted, or when the session's executor is seen
 * leading again, healthy (the episode was a blip and the session went on).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gate } from '../../observer/fakes.js';
import { holdAtSnapshot, managerHarness, NODE1_API, recordedJson, REQUEST, storedSession } from './manager-support.js';

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
  const lost = { member: 'node1', reason: 'terminating connection due to unexpected postmaster exit; a new connection failed: ECONNREFUSED' };

  it("beside a replica: detected at once, while the poll still waits for Patroni (it took over a second on the lab)", async () => {
    const h = await managerHarness({ self: 'node2' });
    const session = await storedSession(h.store, 'running-2', 'running');
    const slowPatroni = gate();
    h.patroni.gate = slowPatroni.promise;
    h.clock.advance(250);
    h.watcher.observeLost(lost);
    assert.deepEqual(h.manager.detectedHalt(session), {
      at: h.clock.now(),
      reason: `the leader is unreachable: node1's PostgreSQL: ${lost.reason}`,
      recorded: false,
    });
    slowPatroni.release();
    await h.manager.close();
  });

  it('beside the leader: the running session is halted at once, no interval elapsing and no Patroni answer awaited', async () => {
    const h = await managerHarness();
    const hold = holdAtSnapshot(h.cluster, 3);
    const session = await h.manager.start(REQUEST);
    await hold.reached;
    const slowPatroni = gate();
    h.patroni.gate = slowPatroni.promise;
    h.watcher.observeLost(lost);
    assert.deepEqual(
      h.logs.filter((line) => line.level === 'warn').map((line) => line.message),
      [`halting tuning session: the leader is unreachable: this node's PostgreSQL: ${lost.reason}`],
    );
    hold.release();
    slowPatroni.release();
    const final = await h.manager.settled();
    assert.equal(final?.id, session.id);
    assert.equal(final?.state, 'halted');
    assert.equal(h.cluster.patches.length, 1, 'nothing sent after the halt');
    await h.manager.close();
  });
});
