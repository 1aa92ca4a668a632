import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWorkloadProfiles, UnknownWorkloadProfileError, WORKLOAD_PROFILE_NAMES, WORKLOAD_PROFILES } from './profiles.js';
import { chooser } from './transactions.js';

describe('workload profiles', () => {
  it('parses a list in the order given, each profile once, spaces ignored', () => {
    assert.deepEqual(
      parseWorkloadProfiles(' write-heavy,mixed , write-heavy').map((p) => p.name),
      ['write-heavy', 'mixed'],
    );
  });

  it('names the known profiles when one is unknown, and refuses an empty list', () => {
    assert.throws(() => parseWorkloadProfiles('mixed,oltp'), (error: unknown) => {
      assert.ok(error instanceof UnknownWorkloadProfileError);
      assert.equal(error.given, 'oltp');
      assert.match(error.message, /known: mixed, analytic, write-heavy/);
      return true;
    });
    assert.throws(() => parseWorkloadProfiles(' , '), UnknownWorkloadProfileError);
  });

  it('gives each profile a mix the workload runner accepts, and a different character', () => {
    for (const name of WORKLOAD_PROFILE_NAMES) assert.doesNotThrow(() => chooser(WORKLOAD_PROFILES[name].mix), name);
    const reportingShare = (name: keyof typeof WORKLOAD_PROFILES) => {
      const { mix } = WORKLOAD_PROFILES[name];
      return mix.reporting / (mix.oltp + mix.reporting);
    };
    assert.ok(reportingShare('analytic') > 0.9, 'analytic is read-mostly');
    assert.equal(reportingShare('write-heavy'), 0, 'write-heavy runs no reports');
    assert.ok(reportingShare('mixed') > 0 && reportingShare('mixed') < 0.5, 'mixed is mostly OLTP with reports');
    assert.ok(WORKLOAD_PROFILES['write-heavy'].clients > WORKLOAD_PROFILES.mixed.clients, 'write-heavy has more concurrent committers');
  });
});
