import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesSetting, parseParameterValue, sameValue } from '../../../src/drift/parameter-value.js';
import { setting } from './fixtures.js';

function parse(text: string, name: string): unknown {
  return parseParameterValue(text, setting(name));
}

describe('parseParameterValue: numbers with units (into the setting unit)', () => {
  it('reads memory units as powers of 1024 into kB, 8kB blocks, MB and B', () => {
    assert.equal(parse('4MB', 'work_mem'), 4096);
    assert.equal(parse('4096kB', 'work_mem'), 4096);
    assert.equal(parse('512', 'work_mem'), 512);
    assert.equal(parse('1GB', 'work_mem'), 1024 * 1024);
    assert.equal(parse('1TB', 'work_mem'), 1024 ** 3);
    assert.equal(parse('1GB', 'effective_cache_size'), 131072);
    assert.equal(parse('8kB', 'effective_cache_size'), 1);
    assert.equal(parse('1GB', 'max_wal_size'), 1024);
    assert.equal(parse('1kB', 'track_activity_query_size'), 1024);
    assert.equal(parse('2048B', 'work_mem'), 2);
  });

  it('reads time units us, ms, s, min, h, d', () => {
    assert.equal(parse('200ms', 'bgwriter_delay'), 200);
    assert.equal(parse('1s', 'bgwriter_delay'), 1000);
    assert.equal(parse('1min', 'bgwriter_delay'), 60000);
    assert.equal(parse('5min', 'checkpoint_timeout'), 300);
    assert.equal(parse('1h', 'checkpoint_timeout'), 3600);
    assert.equal(parse('1d', 'checkpoint_timeout'), 86400);
    assert.equal(parse('1d', 'log_rotation_age'), 1440);
    assert.equal(parse('2000us', 'bgwriter_delay'), 2);
  });

  it('rounds integers to the nearest integer in the setting unit, halves to even as C rint does', () => {
    assert.equal(parse('2.5', 'work_mem'), 2);
    assert.equal(parse('3.5', 'work_mem'), 4);
    assert.equal(parse('1.5kB', 'work_mem'), 2);
    assert.equal(parse('0.3kB', 'work_mem'), 0);
    assert.equal(parse('1500us', 'bgwriter_delay'), 2);
    assert.equal(parse('90s', 'log_rotation_age'), 2);
    assert.equal(parse('0.5GB', 'max_wal_size'), 512);
    assert.equal(parse('200ms', 'checkpoint_timeout'), 0);
  });

  it('keeps reals fractional, rounding only to the next smaller unit', () => {
    assert.equal(parse('1.1', 'random_page_cost'), 1.1);
    assert.equal(parse('0.9', 'checkpoint_completion_target'), 0.9);
    assert.equal(parse('-1', 'autovacuum_vacuum_cost_delay'), -1);
    assert.equal(parse('0.5ms', 'autovacuum_vacuum_cost_delay'), 0.5);
    assert.equal(parse('1500us', 'autovacuum_vacuum_cost_delay'), 1.5);
    assert.equal(parse('0.0001ms', 'autovacuum_vacuum_cost_delay'), 0);
    assert.equal(parse('1e5', 'jit_above_cost'), 100000);
  });

  it('accepts C number syntax: spaces around and before the unit, octal, hex, exponents', () => {
    assert.equal(parse(' 4 MB ', 'work_mem'), 4096);
    assert.equal(parse('010', 'work_mem'), 8);
    assert.equal(parse('0x10', 'work_mem'), 16);
    assert.equal(parse('1e3', 'work_mem'), 1000);
    assert.equal(parse('.5', 'work_mem'), 0);
    assert.equal(parse('5.', 'work_mem'), 5);
    assert.equal(parse('+7', 'work_mem'), 7);
    assert.equal(parse('0x1.8p1', 'random_page_cost'), 3);
  });

  it('returns null for what PostgreSQL refuses', () => {
    for (const text of ['', ' ', 'lots', '4mb', '4 MB x', '4XB', '4s', '4 M B', '08', '1e', '3000000000', '-', 'nan']) {
      assert.equal(parse(text, 'work_mem'), null, JSON.stringify(text));
    }
    assert.equal(parse('10kB', 'bgwriter_delay'), null);
    assert.equal(parse('1.1ms', 'random_page_cost'), null, 'a unit for a unitless setting');
    assert.equal(parse('10ms', 'commit_delay'), null, 'a unit for a unitless setting');
    assert.equal(parse('inf', 'random_page_cost'), null);
    assert.equal(parse('1e400', 'random_page_cost'), null);
    assert.equal(parse('1e-400', 'random_page_cost'), null);
  });
});

describe('parseParameterValue: booleans, enums, strings', () => {
  it('reads booleans as parse_bool does: words, unique prefixes, 1/0, any case', () => {
    for (const text of ['on', 'ON', 'true', 't', 'TRU', 'yes', 'y', '1']) assert.equal(parse(text, 'jit'), true, text);
    for (const text of ['off', 'Of', 'false', 'f', 'no', 'N', '0']) assert.equal(parse(text, 'jit'), false, text);
    for (const text of ['o', '', ' on', 'onn', 'truex', '2', '01']) assert.equal(parse(text, 'jit'), null, JSON.stringify(text));
  });

  it('matches enums case-insensitively and answers with the spelling pg_settings shows', () => {
    assert.equal(parse('LZ4', 'wal_compression'), 'lz4');
    assert.equal(parse('off', 'wal_compression'), 'off');
    // "on" and the hidden true/yes/1 are pglz, which pg_settings lists first for the same value.
    assert.equal(parse('on', 'wal_compression'), 'pglz');
    assert.equal(parse('True', 'wal_compression'), 'pglz');
    assert.equal(parse('1', 'wal_compression'), 'pglz');
    assert.equal(parse('no', 'wal_compression'), 'off');
    assert.equal(parse('brotli', 'wal_compression'), null);
    assert.equal(parse('lz', 'wal_compression'), null, 'no prefixes for enums');
    assert.equal(parse('SQL_Standard', 'IntervalStyle'), 'sql_standard');
    assert.equal(parse('yes', 'IntervalStyle'), null, 'hidden boolean spellings only for on/off enums');
  });

  it('takes strings as given', () => {
    assert.equal(parse('ISO, DMY', 'DateStyle'), 'ISO, DMY');
  });
});

describe('sameValue and matchesSetting', () => {
  it('compares in the setting unit', () => {
    const workMem = setting('work_mem');
    assert.equal(sameValue('4MB', '4096kB', workMem), true);
    assert.equal(sameValue('4MB', '4096', workMem), true);
    assert.equal(sameValue('4MB', '5MB', workMem), false);
    assert.equal(sameValue('1.5kB', '2', workMem), true);
  });

  it('compares reals within pg_settings precision, booleans and enums by meaning', () => {
    assert.equal(sameValue('1.1', '1.100001', setting('random_page_cost')), true);
    assert.equal(sameValue('1.1', '1.2', setting('random_page_cost')), false);
    assert.equal(sameValue('on', 'TRUE', setting('jit')), true);
    assert.equal(sameValue('on', 'off', setting('jit')), false);
    assert.equal(sameValue('on', 'pglz', setting('wal_compression')), true);
    assert.equal(sameValue('lz4', 'pglz', setting('wal_compression')), false);
  });

  it('is false when either side cannot be parsed', () => {
    assert.equal(sameValue('lots', 'lots', setting('work_mem')), false);
    assert.equal(sameValue('4MB', '4mb', setting('work_mem')), false);
  });

  it('matches a string against the effective value', () => {
    assert.equal(matchesSetting('4MB', setting('work_mem')), true);
    assert.equal(matchesSetting('16MB', setting('work_mem', '16384')), true);
    assert.equal(matchesSetting('16MB', setting('work_mem')), false);
    assert.equal(matchesSetting('on', setting('wal_compression', 'pglz')), true);
    assert.equal(matchesSetting('lots', setting('work_mem')), false);
  });
});
