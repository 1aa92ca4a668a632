import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIGRATIONS, validateMigrations } from '../../../src/store/migrations.js';

describe('migration list', () => {
  it('starts at version 1 with the initial schema, then the failover state, scoped commands and pending changes', () => {
    assert.deepEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
      [
        { version: 1, name: 'initial schema' },
        { version: 2, name: 'failover protocol state' },
        { version: 3, name: 'commands scoped by cluster, with an expiry' },
        { version: 4, name: 'approval mode: pending changes' },
      ],
    );
    assert.doesNotThrow(() => validateMigrations(MIGRATIONS));
  });

  it('refuses versions that are not positive and strictly increasing, and empty names', () => {
    const m = (version: number, name = `m${version}`) => ({ version, name, sql: 'SELECT 1' });
    assert.throws(() => validateMigrations([m(1), m(3), m(2)]), /strictly increasing: 2 follows 3/);
    assert.throws(() => validateMigrations([m(1), m(1)]), /strictly increasing: 1 follows 1/);
    assert.throws(() => validateMigrations([m(0)]), /strictly increasing: 0 follows 0/);
    assert.throws(() => validateMigrations([m(1.5)]), /strictly increasing/);
    assert.throws(() => validateMigrations([m(1, ' ')]), /migration 1 has no name/);
    assert.doesNotThrow(() => validateMigrations([m(1), m(2), m(10)]));
    assert.doesNotThrow(() => validateMigrations([]));
  });
});
