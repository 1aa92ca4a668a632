import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKnobCatalogue, findKnob, type NumericKnob } from '../../../../src/tuning/knobs/catalogue.js';
import { pgtuneFirstCandidate } from '../../../../src/tuning/knobs/pgtune.js';
import { searchPriors, withPriors, type WorkloadSignals } from '../../../../src/tuning/knobs/priors.js';
import { HOST_16G, settings15 } from './fixtures.js';

const catalogue = buildKnobCatalogue(settings15(), { ...HOST_16G, storage: 'hdd' });
const base = pgtuneFirstCandidate(catalogue);
const quiet: WorkloadSignals = { blocksHit: 1000, blocksRead: 1000, tempFiles: 0, tempBytes: 0, checkpointsTimed: 10, checkpointsRequested: 0, jit: null, bufferWrites: null };
const numeric = (name: string) => findKnob(catalogue, name) as NumericKnob;

describe('searchPriors', () => {
  it('nothing stands out: no prior, PGTune stays the only first candidate', () => {
    assert.deepEqual(searchPriors(quiet, catalogue, base), []);
  });

  it('a cached data set brings random_page_cost next to seq_page_cost and effective_cache_size to its top', () => {
    const priors = searchPriors({ ...quiet, blocksHit: 995_000, blocksRead: 5_000 }, catalogue, base);
    assert.equal(base['random_page_cost'], 4, 'PGTune on HDD');
    assert.deepEqual(
      priors.map((p) => [p.knob, p.value]),
      [
        ['random_page_cost', Number(base['seq_page_cost']) * 1.1],
        ['effective_cache_size', numeric('effective_cache_size').high],
      ],
    );
    assert.match(priors[0]!.signal, /^99\.5 % of 1000000 block accesses hit shared_buffers/);
    // Below the share or the volume, the cache says nothing.
    assert.deepEqual(searchPriors({ ...quiet, blocksHit: 980_000, blocksRead: 20_000 }, catalogue, base), []);
    assert.deepEqual(searchPriors({ ...quiet, blocksHit: 99_999, blocksRead: 0 }, catalogue, base), []);
  });

  it('spilling sorts raise work_mem to twice the mean temporary file, within the range', () => {
    // 12 MiB files: 24 MiB of work_mem, above PGTune's and below the range's top on this host.
    assert.ok(Number(base['work_mem']) < 24 * 1024 && numeric('work_mem').high > 24 * 1024);
    const priors = searchPriors({ ...quiet, tempFiles: 10, tempBytes: 10 * 12 * 1024 * 1024 }, catalogue, base);
    assert.deepEqual(priors.map((p) => [p.knob, p.value]), [['work_mem', 24 * 1024]]);
    assert.match(priors[0]!.signal, /^10 temporary files of 12288 kB on average/);
    const huge = searchPriors({ ...quiet, tempFiles: 1, tempBytes: 1024 ** 4 }, catalogue, base);
    assert.deepEqual(huge.map((p) => p.value), [numeric('work_mem').high]);
    // Files smaller than what work_mem already allows move nothing.
    assert.deepEqual(searchPriors({ ...quiet, tempFiles: 3, tempBytes: 3 * 1024 }, catalogue, base), []);
  });

  it('requested checkpoints grow max_wal_size fourfold, within the range', () => {
    const priors = searchPriors({ ...quiet, checkpointsTimed: 6, checkpointsRequested: 4 }, catalogue, base);
    assert.deepEqual(priors.map((p) => [p.knob, p.value]), [['max_wal_size', Math.min(Number(base['max_wal_size']) * 4, numeric('max_wal_size').high)]]);
    assert.deepEqual(searchPriors({ ...quiet, checkpointsTimed: 1, checkpointsRequested: 3 }, catalogue, base), [], 'too few checkpoints');
  });

  it('JIT compilation taking 5 % or more of the statements\' time turns jit off, unless it is off already', () => {
    const withJit = { ...base, jit: true };
    const priors = searchPriors({ ...quiet, jit: { jitMs: 600, execMs: 9_400 } }, catalogue, withJit);
    assert.deepEqual(priors.map((p) => [p.knob, p.value]), [['jit', false]]);
    assert.match(priors[0]!.signal, /^JIT compilation took 6\.0 % of the statements' time/);
    assert.deepEqual(searchPriors({ ...quiet, jit: { jitMs: 400, execMs: 9_600 } }, catalogue, withJit), [], 'below the share');
    assert.deepEqual(searchPriors({ ...quiet, jit: { jitMs: 300, execMs: 2_000 } }, catalogue, withJit), [], 'too little time to judge');
    assert.equal(base['jit'], false, 'PGTune turns jit off for a mixed workload');
    assert.deepEqual(searchPriors({ ...quiet, jit: { jitMs: 5_000, execMs: 5_000 } }, catalogue, base), []);
  });

  it('backends writing a fifth of the buffers themselves make the background writer write more, more often', () => {
    const behind = { byCheckpoints: 50_000, byBgwriter: 10_000, byBackends: 40_000 };
    const priors = searchPriors({ ...quiet, bufferWrites: behind }, catalogue, base);
    assert.deepEqual(
      priors.map((p) => [p.knob, p.value]),
      [
        ['bgwriter_lru_maxpages', Math.min(Number(base['bgwriter_lru_maxpages']) * 4, numeric('bgwriter_lru_maxpages').high)],
        ['bgwriter_delay', Math.max(Number(base['bgwriter_delay']) / 2, numeric('bgwriter_delay').low)],
      ],
    );
    assert.match(priors[0]!.signal, /^backends wrote 40\.0 % of 100000 buffers themselves/);
    assert.deepEqual(searchPriors({ ...quiet, bufferWrites: { byCheckpoints: 90_000, byBgwriter: 0, byBackends: 10_000 } }, catalogue, base), [], 'a tenth');
    assert.deepEqual(searchPriors({ ...quiet, bufferWrites: { byCheckpoints: 10, byBgwriter: 0, byBackends: 9_000 } }, catalogue, base), [], 'too few writes');
    assert.deepEqual(searchPriors({ ...quiet, bufferWrites: behind }, catalogue, { ...base, bgwriter_lru_maxpages: 0 }).map((p) => p.knob), ['bgwriter_delay'], 'background writing switched off stays off');
  });

  it('withPriors changes only the knobs the priors name', () => {
    const priors = searchPriors({ ...quiet, tempFiles: 10, tempBytes: 10 * 64 * 1024 * 1024 }, catalogue, base);
    const candidate = withPriors(base, priors);
    assert.deepEqual(Object.keys(candidate).filter((k) => candidate[k] !== base[k]), ['work_mem']);
  });
});
