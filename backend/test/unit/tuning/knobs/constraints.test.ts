import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildKnobCatalogue, type KnobCatalogue, toSearchSpace } from '../../../../src/tuning/knobs/catalogue.js';
import { constraintViolations, repairConfiguration } from '../../../../src/tuning/knobs/constraints.js';
import type { Configuration, ConfigurationValue } from '../../../../src/model/configuration-space.js';
import { HOST_16G, MIB, settings15, settingsWith } from './fixtures.js';

const catalogue = buildKnobCatalogue(settings15(), HOST_16G);

/** A valid full configuration: the baseline of the fixture moved into range. */
const VALID: Configuration = {
  work_mem: 4096,
  random_page_cost: 1.1,
  seq_page_cost: 1,
  checkpoint_completion_target: 0.9,
  effective_io_concurrency: 200,
  max_parallel_workers: 8,
  max_parallel_workers_per_gather: 2,
  max_wal_size: 4096,
  min_wal_size: 1024,
  bgwriter_lru_maxpages: 100,
  bgwriter_delay: 200,
  effective_cache_size: 1572864,
  jit: false,
  jit_above_cost: 100000,
  parallel_setup_cost: 1000,
  parallel_tuple_cost: 0.1,
  commit_delay: 0,
  commit_siblings: 5,
  default_statistics_target: 100,
  checkpoint_timeout: 300,
  wal_compression: 'lz4',
  autovacuum_vacuum_cost_delay: 2,
  autovacuum_vacuum_cost_limit: -1,
};

describe('repairConfiguration', () => {
  it('leaves a configuration that satisfies every rule alone', () => {
    const result = repairConfiguration(VALID, catalogue);
    assert.deepEqual(result, { config: VALID, repairs: [] });
    assert.notEqual(result.config, VALID); // a copy, the input is not mutated
    assert.deepEqual(constraintViolations(VALID, catalogue), []);
  });

  it('raises random_page_cost to seq_page_cost', () => {
    const result = repairConfiguration({ ...VALID, random_page_cost: 1.2, seq_page_cost: 1.5 }, catalogue);
    assert.equal(result.config.random_page_cost, 1.5);
    assert.equal(result.config.seq_page_cost, 1.5);
    assert.deepEqual(result.repairs, [{ rule: 'random_page_cost_at_least_seq_page_cost', name: 'random_page_cost', from: 1.2, to: 1.5 }]);
    // equal is allowed ("setting them equal makes sense if the database fits in memory")
    assert.deepEqual(repairConfiguration({ ...VALID, random_page_cost: 1.5, seq_page_cost: 1.5 }, catalogue).repairs, []);
  });

  it('lowers seq_page_cost to the top of random_page_cost range first when it is above it', () => {
    const result = repairConfiguration({ ...VALID, random_page_cost: 1, seq_page_cost: 6 }, catalogue);
    assert.deepEqual(result.repairs, [
      { rule: 'random_page_cost_at_least_seq_page_cost', name: 'seq_page_cost', from: 6, to: 4 },
      { rule: 'random_page_cost_at_least_seq_page_cost', name: 'random_page_cost', from: 1, to: 4 },
    ]);
  });

  it('compares with the current value of a knob the configuration leaves out, and changes only given knobs', () => {
    // current seq_page_cost 1, random_page_cost 4
    assert.deepEqual(repairConfiguration({ random_page_cost: 0.8 }, catalogue), {
      config: { random_page_cost: 1 },
      repairs: [{ rule: 'random_page_cost_at_least_seq_page_cost', name: 'random_page_cost', from: 0.8, to: 1 }],
    });
    assert.deepEqual(repairConfiguration({ seq_page_cost: 5 }, catalogue), {
      config: { seq_page_cost: 4 },
      repairs: [{ rule: 'random_page_cost_at_least_seq_page_cost', name: 'seq_page_cost', from: 5, to: 4 }],
    });
    // current min_wal_size 80MB
    assert.deepEqual(repairConfiguration({ max_wal_size: 64 }, catalogue).config, { max_wal_size: 80 });
    // current max_wal_size 1024MB
    assert.deepEqual(repairConfiguration({ min_wal_size: 2048 }, catalogue).config, { min_wal_size: 1024 });
    // current per-gather 2, max_parallel_workers 8
    assert.deepEqual(repairConfiguration({ max_parallel_workers: 1 }, catalogue).config, { max_parallel_workers: 2 });
    assert.deepEqual(repairConfiguration({ max_parallel_workers_per_gather: 9 }, catalogue).config, { max_parallel_workers_per_gather: 8 });
    assert.deepEqual(repairConfiguration({ work_mem: 2048 }, catalogue), { config: { work_mem: 2048 }, repairs: [] });
  });

  it('lowers min_wal_size to max_wal_size', () => {
    const result = repairConfiguration({ ...VALID, min_wal_size: 2048, max_wal_size: 512 }, catalogue);
    assert.deepEqual(result.repairs, [{ rule: 'min_wal_size_at_most_max_wal_size', name: 'min_wal_size', from: 2048, to: 512 }]);
  });

  it('keeps both WAL sizes at two segments or more', () => {
    const result = repairConfiguration({ ...VALID, min_wal_size: 16, max_wal_size: 20 }, catalogue);
    assert.deepEqual(result.repairs, [
      { rule: 'wal_size_at_least_two_segments', name: 'min_wal_size', from: 16, to: 32 },
      { rule: 'wal_size_at_least_two_segments', name: 'max_wal_size', from: 20, to: 32 },
    ]);
    const bigSegments = buildKnobCatalogue(settingsWith({ wal_segment_size: { setting: String(64 * MIB) } }), HOST_16G);
    const big = repairConfiguration({ ...VALID, min_wal_size: 100, max_wal_size: 4096 }, bigSegments);
    assert.deepEqual(big.repairs, [{ rule: 'wal_size_at_least_two_segments', name: 'min_wal_size', from: 100, to: 128 }]);
  });

  it('lowers max_parallel_workers_per_gather to max_parallel_workers, 0 included', () => {
    const result = repairConfiguration({ ...VALID, max_parallel_workers: 2, max_parallel_workers_per_gather: 6 }, catalogue);
    assert.deepEqual(result.repairs, [{ rule: 'per_gather_at_most_max_parallel_workers', name: 'max_parallel_workers_per_gather', from: 6, to: 2 }]);
    const off = repairConfiguration({ ...VALID, max_parallel_workers: 0, max_parallel_workers_per_gather: 3 }, catalogue);
    assert.equal(off.config.max_parallel_workers_per_gather, 0);
  });

  it('reports violations without changing anything', () => {
    const broken = { ...VALID, random_page_cost: 1, seq_page_cost: 2, min_wal_size: 2048, max_wal_size: 256 };
    assert.deepEqual(constraintViolations(broken, catalogue), ['random_page_cost_at_least_seq_page_cost', 'min_wal_size_at_most_max_wal_size']);
    assert.equal(broken.random_page_cost, 1);
  });

  it('skips values that are not numbers (validation reports them)', () => {
    assert.deepEqual(repairConfiguration({ random_page_cost: 'x', seq_page_cost: 2 }, catalogue).repairs, []);
  });

  it('always yields a configuration that satisfies the rules, and is idempotent (seeded random configurations)', () => {
    const space = toSearchSpace(catalogue);
    let state = 12345;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const pick = (c: KnobCatalogue): Configuration => {
      const config: Record<string, ConfigurationValue> = {};
      for (const dimension of toSearchSpace(c)) {
        if (dimension.type === 'categorical') {
          config[dimension.name] = dimension.choices[Math.floor(random() * dimension.choices.length)] ?? false;
        } else if (dimension.specials.length > 0 && random() < 0.2) {
          config[dimension.name] = dimension.specials[0] ?? 0;
        } else {
          const value = dimension.low + random() * (dimension.high - dimension.low);
          config[dimension.name] = dimension.type === 'int' ? Math.round(value) : value;
        }
      }
      return config;
    };
    assert.equal(space.length, 23);
    let repaired = 0;
    for (let i = 0; i < 500; i += 1) {
      const config = pick(catalogue);
      const once = repairConfiguration(config, catalogue);
      if (once.repairs.length > 0) repaired += 1;
      const c = once.config as Record<string, number>;
      assert.ok(c.random_page_cost! >= c.seq_page_cost!, JSON.stringify(c));
      assert.ok(c.min_wal_size! <= c.max_wal_size! && c.min_wal_size! >= 32, JSON.stringify(c));
      assert.ok(c.max_parallel_workers_per_gather! <= c.max_parallel_workers!, JSON.stringify(c));
      assert.deepEqual(repairConfiguration(once.config, catalogue).repairs, [], 'idempotent');
      for (const key of Object.keys(config)) {
        if (!once.repairs.some((repair) => repair.name === key)) assert.equal(once.config[key], config[key], key);
      }
    }
    assert.ok(repaired > 50, `only ${repaired} of 500 random configurations needed a repair`);
  });
});
