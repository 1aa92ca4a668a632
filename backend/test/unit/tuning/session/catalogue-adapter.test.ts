/** sessionCatalogue (the knob catalogue as the runner sees it) and changedValues, on real PostgreSQL 15 settings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettingRow } from '../../../../src/postgres/settings.js';
import { sessionCatalogue, UnknownKnobError } from '../../../../src/tuning/session/catalogue-adapter.js';
import { changedValues } from '../../../../src/tuning/session/runner.js';
import { fixtureRows, fixtureSettings, HOST_16G } from './fakes.js';

function setting(name: string) {
  const found = fixtureSettings().find((s) => s.name === name);
  if (found === undefined) throw new Error(`no ${name}`);
  return found;
}

describe('sessionCatalogue', () => {
  it('limits the knobs to the session, in catalogue order; refuses unknown or excluded ones', () => {
    const catalogue = sessionCatalogue(fixtureSettings(), HOST_16G, ['random_page_cost', 'work_mem'], null);
    assert.deepEqual(catalogue.names, ['work_mem', 'random_page_cost']);
    assert.deepEqual(
      catalogue.space.map((d) => d.name),
      ['work_mem', 'random_page_cost'],
    );
    assert.deepEqual(catalogue.currentValues(fixtureSettings()), { work_mem: 4096, random_page_cost: 4 });
    assert.deepEqual(Object.keys(catalogue.firstCandidates[0]!).sort(), ['random_page_cost', 'work_mem']);
    assert.throws(() => sessionCatalogue(fixtureSettings(), HOST_16G, ['work_mem', 'shared_buffers', 'fsync'], null), (error: unknown) => {
      return error instanceof UnknownKnobError && error.message === 'not tunable here: shared_buffers, fsync';
    });
  });

  it('currentValues reads whichever settings it is given', () => {
    const catalogue = sessionCatalogue(fixtureSettings(), HOST_16G, ['work_mem'], null);
    const changed = fixtureRows().map((row) => parseSettingRow(row.name === 'work_mem' ? { ...row, setting: '65536' } : row));
    assert.deepEqual(catalogue.currentValues(changed), { work_mem: 65536 });
  });

  it('validates into Patroni strings; a restore may leave the search range but not pg_settings', () => {
    const catalogue = sessionCatalogue(fixtureSettings(), HOST_16G, [], null);
    assert.deepEqual(catalogue.validate({ work_mem: 16384, random_page_cost: 1.1, bgwriter_delay: 100, checkpoint_timeout: 600, jit: false }), {
      ok: true,
      parameters: { work_mem: '16MB', random_page_cost: '1.1', bgwriter_delay: '100ms', checkpoint_timeout: '10min', jit: 'off' },
    });
    const outside = catalogue.validate({ random_page_cost: 10 });
    assert.equal(outside.ok, false);
    assert.deepEqual(catalogue.validate({ random_page_cost: 10 }, { restore: true }), { ok: true, parameters: { random_page_cost: '10' } });
    assert.equal(catalogue.validate({ bgwriter_delay: 5 }, { restore: true }).ok, false, 'below pg_settings min_val');
    assert.equal(catalogue.validate({ shared_buffers: 32768 }, { restore: true }).ok, false, 'never a restart-only parameter');
  });

  it('repairs cross-knob rules and matches members’ settings', () => {
    const catalogue = sessionCatalogue(fixtureSettings(), HOST_16G, [], null);
    assert.equal(catalogue.repair({ random_page_cost: 1, seq_page_cost: 2 }).random_page_cost, 2);
    assert.equal(catalogue.matches(4096, setting('work_mem')), true);
    assert.equal(catalogue.matches(8192, setting('work_mem')), false);
    assert.equal(catalogue.matches(4.000001, setting('random_page_cost')), true);
    assert.equal(catalogue.matches(true, setting('jit')), true);
    assert.equal(catalogue.matches('OFF', setting('wal_compression')), true);
  });
});

describe('sessionCatalogue: search priors', () => {
  const quiet = { blocksHit: 10, blocksRead: 10, tempFiles: 0, tempBytes: 0, checkpointsTimed: 10, checkpointsRequested: 0, jit: null, bufferWrites: null };

  it('PGTune alone when the signals show nothing, or were not read', () => {
    for (const signals of [quiet, null]) {
      const catalogue = sessionCatalogue(fixtureSettings(), HOST_16G, [], signals);
      assert.equal(catalogue.firstCandidates.length, 1);
      assert.deepEqual(catalogue.priors, []);
    }
  });

  it('a second first candidate: PGTune moved by the signals, repaired, and the priors that moved it', () => {
    const catalogue = sessionCatalogue(fixtureSettings(), HOST_16G, [], { ...quiet, blocksHit: 999_000, blocksRead: 1_000 });
    const [pgtune, informed] = catalogue.firstCandidates;
    assert.ok(catalogue.priors.length > 0, 'a cached data set moves effective_cache_size at least');
    assert.deepEqual(
      catalogue.priors.map((p) => p.knob),
      ['random_page_cost', 'effective_cache_size'].filter((name) => pgtune![name] !== informed![name]),
    );
    assert.ok(Number(informed!['random_page_cost']) >= Number(informed!['seq_page_cost']), 'repaired: random_page_cost ≥ seq_page_cost');
    assert.deepEqual(catalogue.repair(informed!), informed, 'already repaired');
  });
});

describe('changedValues', () => {
  it('keeps only the knobs whose value differs, with the new value', () => {
    assert.deepEqual(
      changedValues({ work_mem: 4096, random_page_cost: 4, jit: true }, { work_mem: 8192, random_page_cost: 4, jit: false }),
      { work_mem: 8192, jit: false },
    );
    assert.deepEqual(changedValues({ work_mem: 4096 }, { work_mem: 4096 }), {});
    assert.deepEqual(changedValues({}, { wal_compression: 'lz4' }), { wal_compression: 'lz4' });
  });
});
