import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confirmDrift, type Drift, detectDrift, type DriftInput } from '../../../src/drift/detect.js';
import { autoconf, nodeSettings } from './fixtures.js';

function detect(input: Partial<DriftInput>): Drift[] {
  return detectDrift({ settings: nodeSettings(), overrides: [], dcsParameters: {}, tunerValues: new Map(), ...input });
}

describe('detectDrift: overrides in postgresql.auto.conf', () => {
  it('reports an override of a tunable parameter, with the DCS value or null', () => {
    assert.deepEqual(detect({ overrides: [autoconf('work_mem', '64MB')], dcsParameters: { work_mem: '16MB' } }), [
      { name: 'work_mem', kind: 'autoconf_override', expected: '16MB', actual: '64MB', origin: 'other' },
    ]);
    assert.deepEqual(detect({ overrides: [autoconf('random_page_cost', '1.1')] }), [
      { name: 'random_page_cost', kind: 'autoconf_override', expected: null, actual: '1.1', origin: 'other' },
    ]);
  });

  it('reports an override whatever its value, even one equal to the DCS value', () => {
    const drifts = detect({
      overrides: [autoconf('work_mem', '16MB')],
      dcsParameters: { work_mem: '16MB' },
      tunerValues: new Map([['work_mem', ['16MB']]]),
    });
    assert.deepEqual(drifts, [{ name: 'work_mem', kind: 'autoconf_override', expected: '16MB', actual: '16MB', origin: 'other' }]);
  });

  it('takes the last line naming a parameter and skips lines PostgreSQL could not parse', () => {
    const drifts = detect({ overrides: [autoconf('work_mem', '8MB'), autoconf(null, null), autoconf('WORK_MEM', '32MB')] });
    assert.deepEqual(drifts.map((drift) => drift.actual), ['32MB']);
  });

  it('ignores overrides of parameters that are not tunable', () => {
    const drifts = detect({
      overrides: [autoconf('max_connections', '500'), autoconf('port', '5433'), autoconf('shared_buffers', '1GB'), autoconf('log_min_duration_statement', '0'), autoconf('no_such_parameter', '1')],
    });
    assert.deepEqual(drifts, []);
  });

  it('prefers the override over a value mismatch of the same parameter', () => {
    const drifts = detect({
      settings: nodeSettings({ work_mem: '65536' }),
      overrides: [autoconf('work_mem', '64MB')],
      dcsParameters: { work_mem: '16MB' },
    });
    assert.deepEqual(drifts.map((drift) => [drift.name, drift.kind]), [['work_mem', 'autoconf_override']]);
  });
});

describe('detectDrift: effective values against the DCS', () => {
  it('reports a tunable parameter whose effective value differs from the DCS value, with its unit', () => {
    assert.deepEqual(detect({ dcsParameters: { work_mem: '16MB' } }), [
      { name: 'work_mem', kind: 'value_mismatch', expected: '16MB', actual: '4096 kB', origin: 'other' },
    ]);
    assert.deepEqual(detect({ dcsParameters: { random_page_cost: '1.1', jit: false, effective_cache_size: '1GB' } }), [
      { name: 'effective_cache_size', kind: 'value_mismatch', expected: '1GB', actual: '524288 8kB', origin: 'other' },
      { name: 'jit', kind: 'value_mismatch', expected: 'off', actual: 'on', origin: 'other' },
      { name: 'random_page_cost', kind: 'value_mismatch', expected: '1.1', actual: '4', origin: 'other' },
    ]);
  });

  it('finds no drift when the node has the DCS values, however they are written', () => {
    const settings = nodeSettings({ work_mem: '16384', random_page_cost: '1.1', jit: 'off', wal_compression: 'pglz', checkpoint_timeout: '900' });
    const dcsParameters = { work_mem: '16MB', random_page_cost: 1.1, jit: 'false', wal_compression: 'on', checkpoint_timeout: '15min' };
    assert.deepEqual(detect({ settings, dcsParameters }), []);
  });

  it('counts a DCS value that cannot be parsed as differing', () => {
    assert.deepEqual(detect({ dcsParameters: { work_mem: 'lots' } }), [
      { name: 'work_mem', kind: 'value_mismatch', expected: 'lots', actual: '4096 kB', origin: 'other' },
    ]);
  });

  it('ignores parameters that are not tunable, and parameters the DCS does not set', () => {
    const settings = nodeSettings({ work_mem: '65536' }, { jit_above_cost: { setting: '500', source: 'command line' } });
    const dcsParameters = { max_connections: 200, port: 5433, shared_buffers: '1GB', jit_above_cost: '100000', no_such_parameter: 'x' };
    assert.deepEqual(detect({ settings, dcsParameters }), []);
  });

  it('matches DCS names to pg_settings case-insensitively and reports pg_settings spelling', () => {
    assert.deepEqual(detect({ dcsParameters: { WORK_MEM: '16MB', Work_Mem2: '1' } }).map((drift) => drift.name), ['work_mem']);
    assert.deepEqual(detect({ settings: nodeSettings({ work_mem: '16384' }), dcsParameters: { Work_Mem: '16MB' } }), []);
  });

  it('sorts by name', () => {
    const drifts = detect({ dcsParameters: { work_mem: '16MB', bgwriter_delay: '100ms' }, overrides: [autoconf('random_page_cost', '1.1')] });
    assert.deepEqual(drifts.map((drift) => drift.name), ['bgwriter_delay', 'random_page_cost', 'work_mem']);
  });
});

describe('detectDrift: origin', () => {
  it('is never the tuner for an override, even one equal to a value the tuner once sent (the tuner never writes postgresql.auto.conf)', () => {
    const overrides = [autoconf('work_mem', '8MB')];
    const dcsParameters = { work_mem: '16MB' };
    const origin = (sent: string[]) => detect({ overrides, dcsParameters, tunerValues: new Map([['work_mem', sent]]) })[0]?.origin;
    assert.equal(origin(['32MB', '8192kB']), 'other');
    assert.equal(origin(['32MB', '16MB']), 'other');
    assert.equal(origin([]), 'other');
    assert.equal(detect({ overrides, tunerValues: new Map([['work_mem', ['8MB']]]) })[0]?.origin, 'other', 'the DCS sets nothing');
  });

  it('is the tuner for an effective value the tuner sent that the DCS no longer has', () => {
    const settings = nodeSettings({ work_mem: '8192' });
    const dcsParameters = { work_mem: '16MB' };
    assert.equal(detect({ settings, dcsParameters, tunerValues: new Map([['WORK_MEM', ['8MB', '16MB']]]) })[0]?.origin, 'tuner');
    assert.equal(detect({ settings, dcsParameters, tunerValues: new Map([['work_mem', ['32MB']]]) })[0]?.origin, 'other');
    assert.equal(detect({ settings, dcsParameters, tunerValues: new Map([['random_page_cost', ['8MB']]]) })[0]?.origin, 'other');
  });
});

describe('confirmDrift', () => {
  const drift: Drift = { name: 'work_mem', kind: 'value_mismatch', expected: '16MB', actual: '4096 kB', origin: 'other' };

  it('confirms nothing without a previous check', () => {
    assert.deepEqual(confirmDrift(null, [drift]), []);
  });

  it('confirms drifts seen identical on both checks', () => {
    const other: Drift = { ...drift, name: 'random_page_cost', expected: '1.1', actual: '4' };
    assert.deepEqual(confirmDrift([drift], [drift, other]), [drift]);
    assert.deepEqual(confirmDrift([drift, other], [other]), [other]);
  });

  it('does not confirm a drift whose kind, expected or actual value changed', () => {
    assert.deepEqual(confirmDrift([drift], [{ ...drift, actual: '8192 kB' }]), []);
    assert.deepEqual(confirmDrift([drift], [{ ...drift, expected: '32MB' }]), []);
    assert.deepEqual(confirmDrift([drift], [{ ...drift, kind: 'autoconf_override' }]), []);
    assert.deepEqual(confirmDrift([drift], [{ ...drift, expected: null }]), []);
  });

  it('answers with the current drift when only its origin changed', () => {
    const current: Drift = { ...drift, origin: 'tuner' };
    assert.deepEqual(confirmDrift([drift], [current]), [current]);
  });
});
