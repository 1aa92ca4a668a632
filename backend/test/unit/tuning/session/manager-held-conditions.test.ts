/**
 * SessionManager holds the start conditions (DESIGN.md §4 rule 10), not only the edges of the
 * topology: a pause seen by a poll while the session is being created, when no runner exists yet to
 * halt, still halts it before anything is changed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holdAtSnapshot, managerHarness, recordedJson, REQUEST, type ManagerHarness } from './manager-support.js';

const PAUSED_REASON = 'the start conditions no longer hold: the cluster is paused (maintenance mode)';

/** Holds store.createSession (after the start checks, before the runner exists) until released. */
function holdCreateSession(h: ManagerHarness): { reached: Promise<void>; release(): void } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const original = h.store.createSession.bind(h.store);
  Object.assign(h.store, {
    createSession: async (...args: Parameters<typeof original>) => {
      reach();
      await released;
      return original(...args);
    },
  });
  return { reached, release };
}

describe('SessionManager: the start conditions are held', () => {
  it('a poll showing pause between the start checks and the runner halts the session before its first change', async () => {
    const h = await managerHarness({ cluster: { autoconf: { work_mem: '8MB' } } });
    const hold = holdCreateSession(h);
    const starting = h.manager.start(REQUEST);
    await hold.reached;
    h.clock.advance(1_000);
    h.patroni.answer(recordedJson('patroni-primary-paused.json'), recordedJson('cluster-paused.json'));
    await h.poll();
    hold.release();
    const session = await starting;

    const final = await h.manager.settled();
    assert.equal(final?.state, 'halted');
    assert.equal(final?.reason, PAUSED_REASON);
    assert.deepEqual(h.cluster.patches, [], 'no PATCH');
    assert.deepEqual(h.cluster.resetCalls, [], 'no ALTER SYSTEM RESET, no reload');
    assert.equal(h.cluster.log.includes('alterSystem'), false);
    assert.deepEqual(await h.store.listPatches(session.id), []);
    assert.ok(
      h.logs.some((line) => line.level === 'warn' && line.message === `halting tuning session: ${PAUSED_REASON}`),
      'the halt is logged with its reason',
    );
    await h.manager.close();
  });

  it('a poll showing a replica stopped while the session runs halts it: nothing more is sent', async () => {
    const h = await managerHarness();
    const hold = holdAtSnapshot(h.cluster, 3);
    await h.manager.start(REQUEST);
    await hold.reached;
    const cluster = structuredClone(recordedJson('cluster.json')) as { members: Array<{ name: string; state: string }> };
    cluster.members.find((m) => m.name === 'node3')!.state = 'stopped';
    h.clock.advance(1_000);
    h.patroni.answer(recordedJson('patroni-primary.json'), cluster);
    await h.poll();
    const patchesAtHalt = h.cluster.patches.length;
    hold.release();

    const final = await h.manager.settled();
    assert.equal(final?.state, 'halted');
    assert.equal(final?.reason, 'the start conditions no longer hold: member node3 is stopped');
    assert.equal(h.cluster.patches.length, patchesAtHalt, 'nothing sent after the halt');
    await h.manager.close();
  });
});
