import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PostgresUnexpectedResultError } from '../../../src/postgres/errors.js';
import {
  type PgSettingRow,
  parseSettingRow,
  readSettings,
  settingInBaseUnits,
} from '../../../src/postgres/settings.js';
import { FakeQueryable } from './fake-queryable.js';

/** Rows as PostgreSQL 15 returns them from pg_settings. */
const WORK_MEM: PgSettingRow = {
  name: 'work_mem',
  setting: '4096',
  unit: 'kB',
  vartype: 'integer',
  context: 'user',
  min_val: '64',
  max_val: '2147483647',
  enumvals: null,
  source: 'default',
  sourcefile: null,
  pending_restart: false,
  boot_val: '4096',
  reset_val: '4096',
};
const SHARED_BUFFERS: PgSettingRow = {
  ...WORK_MEM,
  name: 'shared_buffers',
  setting: '16384',
  unit: '8kB',
  context: 'postmaster',
  min_val: '16',
  max_val: '1073741823',
  source: 'configuration file',
  sourcefile: '/var/lib/postgresql/15/main/postgresql.conf',
  boot_val: '1024',
  reset_val: '16384',
};
const RANDOM_PAGE_COST: PgSettingRow = {
  ...WORK_MEM,
  name: 'random_page_cost',
  setting: '1.1',
  unit: null,
  vartype: 'real',
  min_val: '0',
  max_val: '1.79769e+308',
  boot_val: '4',
  reset_val: '1.1',
};
const JIT: PgSettingRow = {
  ...WORK_MEM,
  name: 'jit',
  setting: 'on',
  unit: null,
  vartype: 'bool',
  min_val: null,
  max_val: null,
  boot_val: 'on',
  reset_val: 'off',
};
const WAL_COMPRESSION: PgSettingRow = {
  ...WORK_MEM,
  name: 'wal_compression',
  setting: 'off',
  unit: null,
  vartype: 'enum',
  context: 'superuser',
  min_val: null,
  max_val: null,
  enumvals: ['pglz', 'lz4', 'zstd', 'on', 'off'],
  boot_val: 'off',
  reset_val: 'off',
};
const APPLICATION_NAME: PgSettingRow = {
  ...WORK_MEM,
  name: 'application_name',
  setting: '',
  unit: null,
  vartype: 'string',
  min_val: null,
  max_val: null,
  source: 'client',
  boot_val: '',
  reset_val: 'psql',
};

describe('pg_settings rows', () => {
  it('parses integer settings into numbers with range, unit and context', () => {
    assert.deepEqual(parseSettingRow(WORK_MEM), {
      name: 'work_mem',
      vartype: 'integer',
      setting: 4096,
      bootVal: 4096,
      resetVal: 4096,
      minVal: 64,
      maxVal: 2147483647,
      unit: 'kB',
      context: 'user',
      source: 'default',
      sourcefile: null,
      pendingRestart: false,
    });
    const sharedBuffers = parseSettingRow({ ...SHARED_BUFFERS, pending_restart: true });
    assert.equal(sharedBuffers.context, 'postmaster');
    assert.equal(sharedBuffers.pendingRestart, true);
    assert.equal(sharedBuffers.sourcefile, '/var/lib/postgresql/15/main/postgresql.conf');
  });

  it('parses real settings, including the huge max_val', () => {
    const setting = parseSettingRow(RANDOM_PAGE_COST);
    assert.equal(setting.vartype, 'real');
    assert.equal(setting.setting, 1.1);
    assert.equal(setting.vartype === 'real' && setting.maxVal, 1.79769e308);
  });

  it('parses booleans from on/off', () => {
    const setting = parseSettingRow(JIT);
    assert.deepEqual([setting.vartype, setting.setting, setting.bootVal, setting.resetVal], ['bool', true, true, false]);
  });

  it('keeps enum values as a string list', () => {
    const setting = parseSettingRow(WAL_COMPRESSION);
    assert.equal(setting.vartype, 'enum');
    assert.equal(setting.setting, 'off');
    assert.deepEqual(setting.vartype === 'enum' && setting.enumvals, ['pglz', 'lz4', 'zstd', 'on', 'off']);
  });

  it('keeps strings as they are, empty ones included', () => {
    const setting = parseSettingRow(APPLICATION_NAME);
    assert.deepEqual([setting.vartype, setting.setting, setting.resetVal], ['string', '', 'psql']);
  });

  it('refuses a row it does not understand rather than guessing', () => {
    assert.throws(() => parseSettingRow({ ...WORK_MEM, context: 'reload-maybe' }), PostgresUnexpectedResultError);
    assert.throws(() => parseSettingRow({ ...WORK_MEM, vartype: 'int8' }), PostgresUnexpectedResultError);
    assert.throws(() => parseSettingRow({ ...WORK_MEM, setting: 'lots' }), /work_mem: setting "lots" is not a number/);
    assert.throws(() => parseSettingRow({ ...JIT, setting: 'true' }), /jit: setting "true" is not on\/off/);
  });

  it('reads every row through one query', async () => {
    const db = new FakeQueryable([[/FROM pg_settings/, [WORK_MEM, JIT]]]);
    const settings = await readSettings(db);
    assert.deepEqual(
      settings.map((s) => s.name),
      ['work_mem', 'jit'],
    );
    assert.equal(db.statements.length, 1);
  });
});

describe('settingInBaseUnits', () => {
  it('gives bytes for memory settings', () => {
    assert.deepEqual(settingInBaseUnits(parseSettingRow(WORK_MEM)), { value: 4 * 1024 ** 2, baseUnit: 'bytes' });
    assert.deepEqual(settingInBaseUnits(parseSettingRow(SHARED_BUFFERS)), { value: 128 * 1024 ** 2, baseUnit: 'bytes' });
  });

  it('gives seconds for time settings', () => {
    const checkpointTimeout = parseSettingRow({ ...WORK_MEM, name: 'checkpoint_timeout', setting: '300', unit: 's' });
    assert.deepEqual(settingInBaseUnits(checkpointTimeout), { value: 300, baseUnit: 'seconds' });
    const bgwriterDelay = parseSettingRow({ ...WORK_MEM, name: 'bgwriter_delay', setting: '200', unit: 'ms' });
    assert.deepEqual(settingInBaseUnits(bgwriterDelay), { value: 0.2, baseUnit: 'seconds' });
    const autovacuumNaptime = parseSettingRow({ ...WORK_MEM, name: 'autovacuum_naptime', setting: '1', unit: 'min' });
    assert.deepEqual(settingInBaseUnits(autovacuumNaptime), { value: 60, baseUnit: 'seconds' });
  });

  it('is null without a unit or for non-numeric settings', () => {
    assert.equal(settingInBaseUnits(parseSettingRow(RANDOM_PAGE_COST)), null);
    assert.equal(settingInBaseUnits(parseSettingRow(JIT)), null);
    assert.equal(settingInBaseUnits(parseSettingRow(WAL_COMPRESSION)), null);
  });
});
