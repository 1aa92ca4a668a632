/**
 * BaselineRestorer against the fake cluster (DESIGN.md §4 rule 12): the restore puts back only knobs
 * whose DCS value is still the one the tuner last sent (compared as PostgreSQL reads them); a knob a
 * person changed after the halt is left as it is, reported as changed by someone else, and not
 * expected to show the baseline.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PatroniConfigPatch } from '../../../../src/patroni/responses.js';
import { MemoryStore } from '../../../../src/store/memory-store.js';
import { BaselineRestorer } from '../../../../src/tuning/apply/baseline-restore.js';
import { sessionCatalogue } from '../../../../src/tuning/session/catalogue-adapter.js';
import { FakeClock, FakeCluster, HOST_16G, SESSION_OPTIONS } from '../session/fakes.js';

const SESSION = 'session-1';
const KNOBS = ['work_mem', 'random_page_cost', 'jit', 'effective_io_concurrency'];

async function world() {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock: () => new Date(clock.now()) });
  const cluster = new FakeCluster(clock, { dcs: { max_connections: 100, work_mem: '4MB', random_page_cost: '4' } });
  await store.createSession({ id: SESSION, scope: 'lab', options: { ...SESSION_OPTIONS, knobs: KNOBS }, executor: 'node1' });
  const settings = await cluster.readSettings();
  const catalogue = sessionCatalogue(settings, HOST_16G, KNOBS, null);
  await store.saveBaseline({ sessionId: SESSION, dcsParameters: { ...cluster.dcs }, effective: catalogue.currentValues(settings), recordedAt: new Date(clock.now()) });
  const restorer = new BaselineRestorer({
    store,
    leader: cluster,
    config: cluster,
    cluster,
    clock,
    catalogue: (s, knobs) => sessionCatalogue(s, HOST_16G, knobs, null),
    verifyTimeoutMs: 2_000,
    verifyPollMs: 500,
  });
  /** The tuner sends a PATCH, recorded as the runner records it; `fail` makes Patroni refuse it. */
  const tunerSends = async (parameters: Record<string, string | null>, options: { fail?: boolean; applied?: boolean } = {}) => {
    const body: PatroniConfigPatch = { postgresql: { parameters } };
    const id = await store.recordPatch({ sessionId: SESSION, iteration: 1, body, sentAt: new Date(clock.now()) });
    if (options.fail) {
      // Patroni answered an error; with `applied` the change went through all the same (a timeout after the write).
      if (options.applied) await cluster.patchConfig(body);
      await store.completePatch(id, 'error', 'Patroni answered 503');
      return;
    }
    await cluster.patchConfig(body);
    await store.completePatch(id, 'ok', null);
  };
  /** A person edits the DCS (patronictl edit-config), not through the tuner. */
  const personSets = async (parameters: Record<string, string | null>) => cluster.patchConfig({ postgresql: { parameters } });
  return { clock, store, cluster, restorer, tunerSends, personSets };
}

const restoreBodies = (cluster: FakeCluster) => cluster.patches.slice(-1).map((p) => p.body.postgresql?.parameters);

describe('BaselineRestorer: a person’s settings win', () => {
  it('a knob a person changed in the DCS after the halt is not restored, reported as changed_by_someone_else, and not verified against the baseline', async () => {
    const w = await world();
    await w.tunerSends({ work_mem: '8MB', random_page_cost: '1.1', jit: 'off' });
    // During stabilisation and grace a person sets random_page_cost and effective_io_concurrency.
    await w.personSets({ random_page_cost: '2', effective_io_concurrency: '100' });

    const restored = await w.restorer.restore(SESSION, [], new AbortController().signal);

    assert.deepEqual(restoreBodies(w.cluster), [{ work_mem: '4MB', jit: null }], 'only what the tuner last sent is put back');
    assert.deepEqual(restored.changedBySomeoneElse, [
      { name: 'effective_io_concurrency', dcs: '100', lastSentByTuner: null },
      { name: 'random_page_cost', dcs: '2', lastSentByTuner: '1.1' },
    ]);
    assert.deepEqual(restored.unverified, []);
    assert.equal(w.cluster.dcs.random_page_cost, '2');
    assert.equal(w.cluster.dcs.effective_io_concurrency, '100');
    assert.equal(w.cluster.dcs.work_mem, '4MB');
    // Verified: every member shows the baseline for what was restored, the person's values for the rest.
    assert.ok(restored.verification.every((v) => v.verified));
    assert.deepEqual(await w.restorer.verifiedMembers(SESSION, ['node1', 'node2', 'node3']), ['node1', 'node2', 'node3']);
  });

  it('the same value written another way (8192kB for 8MB, ON for on) is still the tuner’s', async () => {
    const w = await world();
    await w.tunerSends({ work_mem: '8MB', jit: 'off' });
    await w.personSets({ work_mem: '8192kB', jit: 'OFF' });
    const restored = await w.restorer.restore(SESSION, [], new AbortController().signal);
    assert.deepEqual(restoreBodies(w.cluster), [{ work_mem: '4MB', jit: null }]);
    assert.deepEqual(restored.changedBySomeoneElse, []);
  });

  it('a last PATCH that failed may or may not have been applied: the value before it and the one sent both count as the tuner’s', async () => {
    for (const applied of [false, true]) {
      const w = await world();
      await w.tunerSends({ work_mem: '8MB' });
      await w.tunerSends({ work_mem: '16MB' }, { fail: true, applied });
      const restored = await w.restorer.restore(SESSION, [], new AbortController().signal);
      assert.deepEqual(restoreBodies(w.cluster), [{ work_mem: '4MB' }], `applied: ${applied}`);
      assert.deepEqual(restored.changedBySomeoneElse, []);
    }
  });

  it('a value that is neither the one sent nor the one before a failed PATCH is someone else’s', async () => {
    const w = await world();
    await w.tunerSends({ work_mem: '8MB' });
    await w.tunerSends({ work_mem: '16MB' }, { fail: true });
    await w.personSets({ work_mem: '32MB' });
    const restored = await w.restorer.restore(SESSION, [], new AbortController().signal);
    assert.deepEqual(restored.changedBySomeoneElse, [{ name: 'work_mem', dcs: '32MB', lastSentByTuner: '16MB' }]);
    assert.equal(w.cluster.dcs.work_mem, '32MB');
  });

  it('a person removing a knob the tuner set is a change too; nothing left to restore sends nothing', async () => {
    const w = await world();
    await w.tunerSends({ work_mem: '8MB' });
    await w.personSets({ work_mem: null });
    const before = w.cluster.patches.length;
    const restored = await w.restorer.restore(SESSION, [], new AbortController().signal);
    assert.equal(w.cluster.patches.length, before, 'no PATCH: every tuned knob is someone else’s now');
    assert.deepEqual(restored.changedBySomeoneElse, [{ name: 'work_mem', dcs: null, lastSentByTuner: '8MB' }]);
  });
});
