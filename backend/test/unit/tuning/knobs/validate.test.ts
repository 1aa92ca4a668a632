import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PgSetting } from '../../../../src/postgres/settings.js';
import { buildKnobCatalogue, currentConfiguration, findKnob } from '../../../../src/tuning/knobs/catalogue.js';
import { decimalString, formatForDisplay } from '../../../../src/tuning/knobs/format.js';
import { settingMatches, toParameterString, validateParameters, type ValidationResult } from '../../../../src/tuning/knobs/validate.js';
import { HOST_16G, settingNamed, settings15, settingsWith } from './fixtures.js';

const settings = settings15();
const catalogue = buildKnobCatalogue(settings, HOST_16G);

function parameters(result: ValidationResult): Record<string, string> {
  assert.ok(result.ok, `expected ok, got ${JSON.stringify(result)}`);
  return result.parameters;
}

function errors(result: ValidationResult): { name: string; message: string }[] {
  assert.ok(!result.ok, `expected errors, got ${JSON.stringify(result)}`);
  return result.errors;
}

/** The one error for one change. */
function rejects(name: string, value: unknown, options = {}): string {
  const found = errors(validateParameters({ [name]: value }, catalogue, options));
  assert.equal(found.length, 1);
  assert.equal(found[0]?.name, name);
  return found[0]?.message ?? '';
}

function converts(name: string, value: unknown, options = {}): string | undefined {
  return parameters(validateParameters({ [name]: value }, catalogue, options))[name];
}

describe('validateParameters: conversion to Patroni parameter strings', () => {
  it('writes integer memory in the largest exact unit', () => {
    assert.equal(converts('work_mem', 16384), '16MB');
    assert.equal(converts('work_mem', 16385), '16385kB');
    assert.equal(converts('work_mem', 1024), '1MB');
    assert.equal(converts('work_mem', 28569), '28569kB');
    assert.equal(converts('max_wal_size', 4096), '4GB');
    assert.equal(converts('max_wal_size', 16384), '16GB');
    assert.equal(converts('min_wal_size', 80, { allowOutsideSearchRange: true }), '80MB');
  });

  it('converts 8kB pages to kB (or larger) exactly', () => {
    assert.equal(converts('effective_cache_size', 1572864), '12GB'); // 12 GiB in pages
    assert.equal(converts('effective_cache_size', 1572865), '12582920kB');
    assert.equal(converts('effective_cache_size', 524288), '4GB');
    assert.equal(converts('effective_cache_size', 524289), '4194312kB');
  });

  it('writes times in the largest exact unit', () => {
    assert.equal(converts('bgwriter_delay', 200), '200ms');
    assert.equal(converts('bgwriter_delay', 1000), '1s');
    assert.equal(converts('bgwriter_delay', 10), '10ms');
    assert.equal(converts('checkpoint_timeout', 300), '5min');
    assert.equal(converts('checkpoint_timeout', 301), '301s');
    assert.equal(converts('checkpoint_timeout', 3600), '1h');
    assert.equal(converts('autovacuum_vacuum_cost_delay', 2), '2ms');
    assert.equal(converts('autovacuum_vacuum_cost_delay', 2.5), '2.5ms');
  });

  it('writes reals as plain decimals, unitless integers as integers', () => {
    assert.equal(converts('random_page_cost', 1.1), '1.1');
    assert.equal(converts('random_page_cost', 1.1000000000000001), '1.1');
    assert.equal(converts('seq_page_cost', 0.1 + 0.2 + 0.7), '1');
    assert.equal(converts('parallel_tuple_cost', 0.001), '0.001');
    assert.equal(converts('parallel_tuple_cost', 0.0012345678901234), '0.00123456789012');
    assert.equal(converts('jit_above_cost', 1e7), '10000000');
    assert.equal(converts('checkpoint_completion_target', 0.9), '0.9');
    assert.equal(converts('effective_io_concurrency', 200), '200');
    assert.equal(converts('commit_delay', 10), '10');
  });

  it('writes specials without a unit', () => {
    assert.equal(converts('effective_io_concurrency', 0), '0');
    assert.equal(converts('jit_above_cost', -1), '-1');
    assert.equal(converts('commit_delay', 0), '0');
    assert.equal(converts('autovacuum_vacuum_cost_delay', -1), '-1');
    assert.equal(converts('autovacuum_vacuum_cost_delay', 0), '0');
    assert.equal(converts('autovacuum_vacuum_cost_limit', -1), '-1');
    assert.equal(converts('bgwriter_lru_maxpages', 0), '0');
  });

  it('writes booleans on/off and enums as themselves', () => {
    assert.equal(converts('jit', false), 'off');
    assert.equal(converts('jit', true), 'on');
    assert.equal(converts('wal_compression', 'lz4'), 'lz4');
    assert.equal(converts('wal_compression', 'off'), 'off');
    const pg14 = buildKnobCatalogue(
      settingsWith({ wal_compression: { vartype: 'bool', setting: 'off', boot_val: 'off', reset_val: 'off', enumvals: null } }),
      HOST_16G,
    );
    assert.deepEqual(parameters(validateParameters({ wal_compression: true }, pg14)), { wal_compression: 'on' });
    assert.match(errors(validateParameters({ wal_compression: 'lz4' }, pg14))[0]?.message ?? '', /^wal_compression: expected a boolean/);
  });

  it('converts a whole configuration, the baseline included', () => {
    const baseline = parameters(validateParameters(currentConfiguration(catalogue), catalogue, { allowOutsideSearchRange: true }));
    assert.deepEqual(baseline, {
      work_mem: '4MB',
      random_page_cost: '4',
      seq_page_cost: '1',
      checkpoint_completion_target: '0.9',
      effective_io_concurrency: '1',
      max_parallel_workers: '8',
      max_parallel_workers_per_gather: '2',
      max_wal_size: '1GB',
      min_wal_size: '80MB',
      bgwriter_lru_maxpages: '100',
      bgwriter_delay: '200ms',
      effective_cache_size: '4GB',
      jit: 'on',
      jit_above_cost: '100000',
      parallel_setup_cost: '1000',
      parallel_tuple_cost: '0.1',
      commit_delay: '0',
      commit_siblings: '5',
      default_statistics_target: '100',
      checkpoint_timeout: '5min',
      wal_compression: 'off',
      autovacuum_vacuum_cost_delay: '2ms',
      autovacuum_vacuum_cost_limit: '-1',
    });
  });

  it('matches names case-insensitively and answers in pg_settings spelling', () => {
    assert.deepEqual(parameters(validateParameters({ WORK_MEM: 4096 }, catalogue)), { work_mem: '4MB' });
    const duplicate = errors(validateParameters({ work_mem: 4096, Work_Mem: 8192 }, catalogue));
    assert.deepEqual(duplicate, [{ name: 'Work_Mem', message: 'Work_Mem: given more than once (parameter names are case-insensitive)' }]);
  });

  it('accepts an empty change', () => {
    assert.deepEqual(validateParameters({}, catalogue), { ok: true, parameters: {} });
  });
});

describe('validateParameters: rejections', () => {
  it('rejects unknown names', () => {
    assert.equal(rejects('no_such_parameter', 1), "no_such_parameter: unknown parameter (not in this server's pg_settings)");
  });

  it('rejects excluded names with their reason', () => {
    assert.equal(rejects('shared_buffers', 16384), 'shared_buffers: not tunable (restart_required): context postmaster: needs a restart (DESIGN §4 rule 3)');
    assert.equal(rejects('max_connections', 100), 'max_connections: not tunable (patroni_managed): managed by Patroni (DESIGN §4 rule 4)');
    assert.equal(rejects('fsync', false), 'fsync: not tunable (durability): durability or crash safety (DESIGN §4 rule 5)');
    assert.equal(rejects('FSYNC', false), 'FSYNC: not tunable (durability): durability or crash safety (DESIGN §4 rule 5)');
    assert.equal(rejects('synchronous_commit', 'off'), 'synchronous_commit: not tunable (durability): durability or crash safety (DESIGN §4 rule 5)');
    assert.equal(rejects('maintenance_work_mem', 65536), 'maintenance_work_mem: not tunable (not_in_search_space): reload-only but not in the search space (DESIGN §5)');
    assert.match(rejects('log_min_duration_statement', 100), /\(logging\)/);
    assert.match(rejects('ssl', true), /\(security\)/);
    assert.match(rejects('tcp_keepalives_idle', 60), /\(connection\)/);
    assert.match(rejects('jit_debugging_support', true), /\(not_reloadable\)/);
    const old = buildKnobCatalogue(settingsWith({ jit: null }), HOST_16G);
    assert.equal(errors(validateParameters({ jit: false }, old))[0]?.message, "jit: not tunable (not_available): not in this server's pg_settings");
  });

  it('never passes any excluded name of the fixture, whatever the value (property loop)', () => {
    const valuesFor = (setting: PgSetting): unknown[] => [setting.setting, setting.bootVal, 0, 1, -1, true, false, 'on', 'off', '1'];
    let checked = 0;
    for (const entry of catalogue.excluded) {
      const setting = settings.find((s) => s.name === entry.name);
      assert.ok(setting, entry.name);
      for (const value of valuesFor(setting)) {
        for (const allowOutsideSearchRange of [false, true]) {
          for (const name of [entry.name, entry.name.toUpperCase()]) {
            const result = validateParameters({ [name]: value, work_mem: 4096 }, catalogue, { allowOutsideSearchRange });
            assert.ok(!result.ok, `${name}=${String(value)} passed`);
            assert.equal(result.errors.length, 1);
            assert.equal(result.errors[0]?.name, name);
            assert.ok(result.errors[0]?.message.startsWith(`${name}: not tunable (${entry.reason})`), result.errors[0]?.message);
            checked += 1;
          }
        }
      }
    }
    assert.equal(checked, catalogue.excluded.length * 10 * 2 * 2);
  });

  it('rejects wrong types, naming the parameter', () => {
    assert.equal(rejects('work_mem', '16MB'), 'work_mem: expected a number (in kB), got "16MB"');
    assert.equal(rejects('work_mem', 1500.5), 'work_mem: expected an integer (in kB), got 1500.5');
    assert.equal(rejects('work_mem', Number.NaN), 'work_mem: expected a finite number, got NaN');
    assert.equal(rejects('random_page_cost', Number.POSITIVE_INFINITY), 'random_page_cost: expected a finite number, got Infinity');
    assert.equal(rejects('random_page_cost', '1.1'), 'random_page_cost: expected a number, got "1.1"');
    assert.equal(rejects('work_mem', null), 'work_mem: expected a number (in kB), got null');
    assert.equal(rejects('work_mem', undefined), 'work_mem: expected a number (in kB), got undefined');
    assert.equal(rejects('work_mem', [4096]), 'work_mem: expected a number (in kB), got an array');
    assert.equal(rejects('work_mem', { value: 4096 }), 'work_mem: expected a number (in kB), got a object');
    assert.equal(rejects('jit', 'on'), 'jit: expected a boolean, got "on"');
    assert.equal(rejects('jit', 1), 'jit: expected a boolean, got 1');
    assert.equal(rejects('wal_compression', 'gzip'), 'wal_compression: "gzip" is not one of pglz, lz4, zstd, on, off');
    assert.equal(rejects('wal_compression', 'LZ4'), 'wal_compression: "LZ4" is not one of pglz, lz4, zstd, on, off');
    assert.equal(rejects('wal_compression', true), 'wal_compression: expected one of pglz, lz4, zstd, on, off, got true');
    assert.equal(rejects('max_parallel_workers', 2.5), 'max_parallel_workers: expected an integer, got 2.5');
  });

  it('rejects values outside pg_settings min/max even when the search range may be left', () => {
    const outside = { allowOutsideSearchRange: true };
    assert.equal(rejects('work_mem', 32, outside), 'work_mem: 32 is outside pg_settings min..max 64..2147483647 (in kB)');
    assert.equal(rejects('work_mem', 2147483648, outside), 'work_mem: 2147483648 is outside pg_settings min..max 64..2147483647 (in kB)');
    assert.equal(rejects('random_page_cost', -0.5, outside), 'random_page_cost: -0.5 is outside pg_settings min..max 0..1.79769e+308');
    assert.equal(rejects('checkpoint_completion_target', 1.5, outside), 'checkpoint_completion_target: 1.5 is outside pg_settings min..max 0..1');
    assert.equal(rejects('effective_io_concurrency', 1001, outside), 'effective_io_concurrency: 1001 is outside pg_settings min..max 0..1000');
    assert.equal(rejects('jit_above_cost', -2, outside), 'jit_above_cost: -2 is outside pg_settings min..max -1..1.79769e+308');
    assert.equal(rejects('bgwriter_delay', 5, outside), 'bgwriter_delay: 5 is outside pg_settings min..max 10..10000 (in ms)');
  });

  it('rejects values outside the search range unless allowed', () => {
    assert.equal(rejects('work_mem', 512), 'work_mem: 512 is outside the search range 1024..34649 (in kB)');
    assert.equal(converts('work_mem', 512, { allowOutsideSearchRange: true }), '512kB');
    assert.equal(rejects('random_page_cost', 0.9), 'random_page_cost: 0.9 is outside the search range 1..4');
    assert.equal(converts('random_page_cost', 0.9, { allowOutsideSearchRange: true }), '0.9');
    assert.equal(rejects('bgwriter_lru_maxpages', 5), 'bgwriter_lru_maxpages: 5 is outside the search range 10..1000 or one of 0');
    assert.equal(rejects('jit_above_cost', 100), 'jit_above_cost: 100 is outside the search range 10000..10000000 or one of -1');
    assert.equal(rejects('wal_compression', 'on'), 'wal_compression: "on" is not one of the search choices pglz, lz4, zstd, off');
    assert.equal(converts('wal_compression', 'on', { allowOutsideSearchRange: true }), 'on');
  });

  it('tolerates float noise at the edges of a real range, not beyond', () => {
    assert.equal(converts('random_page_cost', 4 * (1 + 1e-12)), '4');
    assert.equal(converts('parallel_tuple_cost', 0.001 * (1 - 1e-12)), '0.001');
    assert.equal(converts('checkpoint_completion_target', 1 + 1e-12, { allowOutsideSearchRange: true }), '1'); // pg max 1
    assert.equal(converts('parallel_tuple_cost', 0.000999, { allowOutsideSearchRange: true }), '0.000999');
    assert.match(rejects('random_page_cost', 4.0001), /outside the search range/);
    assert.match(rejects('work_mem', 34650), /outside the search range 1024\.\.34649/);
  });

  it('collects every error of a change, and sends nothing when any value is bad', () => {
    const result = validateParameters({ work_mem: 4096, fsync: false, jit: 'off', random_page_cost: 2, nope: 1 }, catalogue);
    assert.deepEqual(
      errors(result).map((error) => error.name),
      ['fsync', 'jit', 'nope'],
    );
  });

  it('toParameterString converts one value or throws', () => {
    const workMem = findKnob(catalogue, 'work_mem');
    assert.ok(workMem);
    assert.equal(toParameterString(workMem, 2048), '2MB');
    assert.throws(() => toParameterString(workMem, 100), /^RangeError: work_mem: 100 is outside the search range 1024\.\.34649/);
    assert.equal(toParameterString(workMem, 100, { allowOutsideSearchRange: true }), '100kB');
  });
});

describe('settingMatches', () => {
  const row = (name: string) => settingNamed(settings, name);

  it('compares integers exactly, in pg_settings units', () => {
    assert.equal(settingMatches(4096, row('work_mem')), true);
    assert.equal(settingMatches(4097, row('work_mem')), false);
    assert.equal(settingMatches('4096', row('work_mem')), false);
    assert.equal(settingMatches(524288, row('effective_cache_size')), true);
    assert.equal(settingMatches(200, row('bgwriter_delay')), true);
  });

  it('compares reals with the precision pg_settings prints (%g, 6 digits)', () => {
    const [printed] = settingsWith({ random_page_cost: { setting: '1.23457' } }).filter((s) => s.name === 'random_page_cost');
    assert.ok(printed);
    assert.equal(settingMatches(1.234567, printed), true);
    assert.equal(settingMatches(1.2346, printed), false);
    assert.equal(settingMatches(4, row('random_page_cost')), true);
    assert.equal(settingMatches(4.00001, row('random_page_cost')), true);
    assert.equal(settingMatches(4.001, row('random_page_cost')), false);
    assert.equal(settingMatches(0.1, row('parallel_tuple_cost')), true);
    assert.equal(settingMatches(2, row('autovacuum_vacuum_cost_delay')), true);
    assert.equal(settingMatches(Number.NaN, row('random_page_cost')), false);
  });

  it('compares booleans, enums and strings', () => {
    assert.equal(settingMatches(true, row('jit')), true);
    assert.equal(settingMatches(false, row('jit')), false);
    assert.equal(settingMatches('on', row('jit')), true);
    assert.equal(settingMatches('off', row('wal_compression')), true);
    assert.equal(settingMatches('OFF', row('wal_compression')), true);
    assert.equal(settingMatches('lz4', row('wal_compression')), false);
    assert.equal(settingMatches('ISO, MDY', row('DateStyle')), true);
    assert.equal(settingMatches(1, row('DateStyle')), false);
  });

  it('verifies every value validation accepts for the baseline against its own row', () => {
    const current = currentConfiguration(catalogue);
    for (const [name, value] of Object.entries(current)) assert.equal(settingMatches(value, row(name)), true, name);
  });
});

describe('formatting', () => {
  it('formats values for display like SHOW', () => {
    assert.equal(formatForDisplay(16384, 'kB'), '16MB');
    assert.equal(formatForDisplay(28569, 'kB'), '28569kB');
    assert.equal(formatForDisplay(2314133, '8kB'), '18513064kB');
    assert.equal(formatForDisplay(393216, '8kB'), '3GB');
    assert.equal(formatForDisplay(300, 's'), '5min');
    assert.equal(formatForDisplay(86400, 's'), '1d');
    assert.equal(formatForDisplay(1.1), '1.1');
    assert.equal(formatForDisplay(0.123456789), '0.123457');
    assert.equal(formatForDisplay(2.5, 'ms'), '2.5ms');
    assert.equal(formatForDisplay(-1, 'ms'), '-1');
    assert.equal(formatForDisplay(0, 'kB'), '0');
    assert.equal(formatForDisplay(true), 'on');
    assert.equal(formatForDisplay(false), 'off');
    assert.equal(formatForDisplay('lz4'), 'lz4');
    assert.equal(formatForDisplay(16777216, 'B'), '16MB');
    assert.equal(formatForDisplay(100, 'weird'), '100');
  });

  it('prints decimals without exponent notation', () => {
    assert.equal(decimalString(1e-7), '0.0000001');
    assert.equal(decimalString(-1.5e-7), '-0.00000015');
    assert.equal(decimalString(1e21), '1000000000000000000000');
    assert.equal(decimalString(1.79769e308).length, 309);
    assert.equal(decimalString(0.1 + 0.2), '0.3');
    assert.equal(decimalString(-0), '0');
    assert.equal(decimalString(123456789.123), '123456789.123');
    assert.equal(decimalString(0.000123), '0.000123');
    assert.throws(() => decimalString(Number.NaN), RangeError);
  });
});
