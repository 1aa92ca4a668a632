/** The fakes themselves: the runner's tests are only as good as the cluster they run against. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PgSettingRow } from '../../../../src/postgres/settings.js';
import type { Configuration } from '../../../../src/model/configuration-space.js';
import { FakeClock, FakeCluster, fixtureRows, parseParameterValue, scriptedOptimizer, T0 } from './fakes.js';

function row(name: string): PgSettingRow {
  const found = fixtureRows().find((r) => r.name === name);
  if (found === undefined) throw new Error(`no row ${name}`);
  return found;
}

describe('parseParameterValue', () => {
  it('converts Patroni value strings into the pg_settings unit of the setting', () => {
    assert.deepEqual(parseParameterValue('16MB', row('work_mem')), { ok: true, setting: '16384' });
    assert.deepEqual(parseParameterValue('8192kB', row('work_mem')), { ok: true, setting: '8192' });
    assert.deepEqual(parseParameterValue('8192', row('work_mem')), { ok: true, setting: '8192' });
    assert.deepEqual(parseParameterValue('1GB', row('effective_cache_size')), { ok: true, setting: '131072' });
    assert.deepEqual(parseParameterValue('200ms', row('bgwriter_delay')), { ok: true, setting: '200' });
    assert.deepEqual(parseParameterValue('1s', row('bgwriter_delay')), { ok: true, setting: '1000' });
    assert.deepEqual(parseParameterValue('10min', row('checkpoint_timeout')), { ok: true, setting: '600' });
    assert.deepEqual(parseParameterValue('1GB', row('max_wal_size')), { ok: true, setting: '1024' });
    assert.deepEqual(parseParameterValue('1.1', row('random_page_cost')), { ok: true, setting: '1.1' });
    assert.deepEqual(parseParameterValue('0.5ms', row('autovacuum_vacuum_cost_delay')), { ok: true, setting: '0.5' });
    assert.deepEqual(parseParameterValue('-1', row('autovacuum_vacuum_cost_limit')), { ok: true, setting: '-1' });
    assert.deepEqual(parseParameterValue(100, row('max_connections')), { ok: true, setting: '100' });
  });

  it('reads booleans and enum values as PostgreSQL does', () => {
    assert.deepEqual(parseParameterValue('off', row('jit')), { ok: true, setting: 'off' });
    assert.deepEqual(parseParameterValue('true', row('jit')), { ok: true, setting: 'on' });
    assert.deepEqual(parseParameterValue(false, row('jit')), { ok: true, setting: 'off' });
    assert.deepEqual(parseParameterValue('LZ4', row('wal_compression')), { ok: true, setting: 'lz4' });
  });

  it('refuses what PostgreSQL would refuse', () => {
    assert.equal(parseParameterValue('16XB', row('work_mem')).ok, false);
    assert.equal(parseParameterValue('200ms', row('work_mem')).ok, false, 'a time for a memory setting');
    assert.equal(parseParameterValue('8MB', row('random_page_cost')).ok, false, 'a unit for a unitless setting');
    assert.equal(parseParameterValue('1.5', row('work_mem')).ok, false, 'a fraction of an integer setting');
    assert.equal(parseParameterValue('5', row('bgwriter_delay')).ok, false, 'below min_val 10');
    assert.equal(parseParameterValue('maybe', row('jit')).ok, false);
    assert.equal(parseParameterValue('brotli', row('wal_compression')).ok, false);
  });
});

describe('FakeClock', () => {
  it('advances at once and rejects with the reason of an aborted signal', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    await clock.sleep(1500, controller.signal);
    assert.equal(clock.now(), T0 + 1500);
    const reason = new Error('stop');
    clock.onSleep = () => controller.abort(reason);
    await assert.rejects(clock.sleep(10, controller.signal), (error) => error === reason);
    clock.onSleep = null;
    await assert.rejects(clock.sleep(10, controller.signal), (error) => error === reason);
    assert.equal(clock.now(), T0 + 1510, 'an already aborted sleep does not advance');
    clock.abortStyle = 'abort-error';
    await assert.rejects(clock.sleep(10, controller.signal), (error) => error instanceof Error && error.name === 'AbortError' && error.cause === reason);
  });
});

describe('FakeCluster', () => {
  it('merges PATCH bodies into the DCS (null removes) and shows them on every member', async () => {
    const cluster = new FakeCluster(new FakeClock());
    assert.equal(cluster.valueOn('node2', 'work_mem'), 4096);
    await cluster.patchConfig({ postgresql: { parameters: { work_mem: '16MB', max_wal_size: null, jit: 'off' } } });
    const { max_wal_size: _removed, ...kept } = cluster.initialDcs;
    assert.deepEqual(cluster.dcs, { ...kept, work_mem: '16MB', jit: 'off' });
    assert.equal(cluster.valueOn('node1', 'max_wal_size'), 1024, 'back to the configuration file value');
    for (const member of ['node1', 'node2', 'node3']) {
      assert.equal(cluster.valueOn(member, 'work_mem'), 16384);
      assert.equal(cluster.valueOn(member, 'jit'), false);
    }
    assert.equal((await cluster.getConfig()).postgresql?.parameters?.work_mem, '16MB');
    assert.deepEqual(cluster.invalid, []);
  });

  it('lags, fails, reports pending restarts and restart-only changes', async () => {
    const cluster = new FakeCluster(new FakeClock());
    cluster.setLagging('node3');
    cluster.member('node2').pendingRestart = ['shared_buffers'];
    await cluster.patchConfig({ postgresql: { parameters: { work_mem: '8MB', shared_buffers: '256MB' } } });
    assert.equal(cluster.valueOn('node3', 'work_mem'), 4096);
    const read = await cluster.readMemberSettings(['work_mem']);
    assert.deepEqual(
      read.map((m) => (m.ok ? [m.member, m.settings.map((s) => `${s.name}=${String(s.setting)}${s.pendingRestart ? '*' : ''}`)] : [m.member, m.error])),
      [
        ['node1', ['shared_buffers=16384*', 'work_mem=8192']],
        ['node2', ['shared_buffers=16384*', 'work_mem=8192']],
        ['node3', ['work_mem=4096']],
      ],
    );
    cluster.member('node1').unreachable = true;
    assert.deepEqual((await cluster.readMemberSettings(['work_mem']))[0], { member: 'node1', ok: false, error: 'connection to node1 refused' });
    cluster.failPatches = 1;
    await assert.rejects(cluster.patchConfig({ postgresql: { parameters: { work_mem: '1MB' } } }), /503/);
    assert.equal(cluster.dcs.work_mem, '8MB');
    assert.deepEqual(cluster.patches.map((p) => p.ok), [true, false]);
  });

  it('applies auto.conf overrides on the leader only, and advances the workload by the model', async () => {
    const clock = new FakeClock();
    const cluster = new FakeCluster(clock, { autoconf: { work_mem: '64MB' } });
    assert.equal(cluster.valueOn('node1', 'work_mem'), 65536);
    assert.equal(cluster.valueOn('node2', 'work_mem'), 4096);
    await cluster.resetAutoconf(['work_mem'], new AbortController().signal);
    assert.equal(cluster.valueOn('node1', 'work_mem'), 4096);

    const first = await cluster.workloadSnapshot();
    clock.advance(10_000);
    const second = await cluster.workloadSnapshot();
    assert.equal(second.takenAtMs - first.takenAtMs, 10_000);
    assert.equal(second.statements!.calls - first.statements!.calls, 1000);
    assert.equal(second.statements!.totalExecTimeSeconds - first.statements!.totalExecTimeSeconds, 12.5, '12.5 ms each at the recorded settings');
    assert.equal(second.transactions - first.transactions, 500);
    await cluster.patchConfig({ postgresql: { parameters: { commit_delay: '10000' } } });
    clock.advance(10_000);
    const third = await cluster.workloadSnapshot();
    assert.equal(third.statements!.totalExecTimeSeconds - second.statements!.totalExecTimeSeconds, 37.5, 'three times slower at the extreme');
    cluster.idle = true;
    clock.advance(10_000);
    const fourth = await cluster.workloadSnapshot();
    assert.deepEqual(fourth.statements, third.statements);
    assert.equal(fourth.transactions, third.transactions);
  });

  it('the scripted optimizer proposes its changes over the baseline, then refuses', () => {
    const { optimizer, calls } = scriptedOptimizer([{ changes: { work_mem: 8192 }, reason: 'first' }]);
    const context = { seed: 1, budget: 2, firstCandidates: [], repair: (config: Configuration) => config };
    assert.deepEqual(optimizer([{ config: { work_mem: 4096, jit: true }, score: 12.5 }], [], context), {
      config: { work_mem: 8192, jit: true },
      reason: 'first',
    });
    assert.throws(() => optimizer([{ config: { work_mem: 4096 }, score: 1 }], [], context), /no step 2/);
    assert.equal(calls.length, 2);
  });
});
