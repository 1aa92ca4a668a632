import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBaseUnits, unitScale } from '../../../src/postgres/units.js';

describe('setting units', () => {
  it('converts memory units to bytes (powers of 1024, with block multipliers)', () => {
    assert.deepEqual(toBaseUnits(16384, '8kB'), { value: 128 * 1024 ** 2, baseUnit: 'bytes' });
    assert.deepEqual(toBaseUnits(4096, 'kB'), { value: 4 * 1024 ** 2, baseUnit: 'bytes' });
    assert.deepEqual(toBaseUnits(1024, 'MB'), { value: 1024 ** 3, baseUnit: 'bytes' });
    assert.deepEqual(toBaseUnits(512, 'B'), { value: 512, baseUnit: 'bytes' });
    assert.deepEqual(toBaseUnits(64, '16MB'), { value: 1024 ** 3, baseUnit: 'bytes' });
  });

  it('converts time units to seconds', () => {
    assert.deepEqual(toBaseUnits(200, 'ms'), { value: 0.2, baseUnit: 'seconds' });
    assert.deepEqual(toBaseUnits(300, 's'), { value: 300, baseUnit: 'seconds' });
    assert.deepEqual(toBaseUnits(5, 'min'), { value: 300, baseUnit: 'seconds' });
    assert.deepEqual(toBaseUnits(1, 'h'), { value: 3600, baseUnit: 'seconds' });
  });

  it('keeps negative sentinels negative', () => {
    assert.deepEqual(toBaseUnits(-1, 'kB'), { value: -1024, baseUnit: 'bytes' });
  });

  it('has no base unit for a missing or unknown unit', () => {
    assert.equal(toBaseUnits(10, null), null);
    assert.equal(unitScale('furlong'), null);
    assert.equal(unitScale('8 kB x'), null);
  });
});
