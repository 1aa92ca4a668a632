/**
 * The acceptance test of the optimizer: on synthetic functions shaped like tuning problems, over
 * fixed seeds, it finds better configurations than random search within 30 evaluations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featureLayout } from '../../../../src/tuning/optimizer/encoding.js';
import { summarizeHistory } from '../../../../src/tuning/optimizer/history.js';
import type { Trial } from '../../../../src/model/configuration-space.js';
import { BENCHMARK_SEEDS, memoryBowl, runBenchmark, runOptimizer, runRandomSearch, SYNTHETIC_FUNCTIONS, median } from './synthetic.js';

const BUDGET = 30;

for (const fn of SYNTHETIC_FUNCTIONS) {
  test(`${fn.name}: the optimizer beats random search at ${BUDGET} evaluations`, (t) => {
    const row = runBenchmark(fn, BENCHMARK_SEEDS, BUDGET);
    t.diagnostic(
      `${fn.name}: median best after ${BUDGET}: optimizer ${row.medianOptimizer.toFixed(4)}, random ${row.medianRandom.toFixed(4)}; optimizer better on ${row.wins}/${BENCHMARK_SEEDS.length} seeds`,
    );
    assert.ok(row.wins >= 7, `optimizer better on only ${row.wins}/${BENCHMARK_SEEDS.length} seeds: ${JSON.stringify(row)}`);
    assert.ok(row.medianOptimizer < row.medianRandom, JSON.stringify(row));
  });
}

test('with 3× the noise and re-measuring every 5 model iterations it still beats random search', (t) => {
  const noisy = { ...memoryBowl, name: 'memory-bowl-noisy', noise: 3 * memoryBowl.noise };
  const optimizer = BENCHMARK_SEEDS.map((s) => runOptimizer(noisy, s, BUDGET, { remeasureEvery: 5 }));
  const random = BENCHMARK_SEEDS.map((s) => runRandomSearch(noisy, s, BUDGET));
  // Judge by the true value of the configuration each method would keep: the best mean over its repeats.
  const pick = (trials: readonly Trial[]): number => {
    const incumbent = summarizeHistory(trials, noisy.space, featureLayout(noisy.space)).incumbent;
    assert.ok(incumbent);
    return noisy.evaluate(incumbent.config);
  };
  const o = optimizer.map((r) => pick(r.trials));
  const r = random.map((run) => pick(run.trials));
  const wins = o.filter((v, i) => v < r[i]!).length;
  t.diagnostic(`${noisy.name}: median true value of the pick: optimizer ${median(o).toFixed(4)}, random ${median(r).toFixed(4)}; better on ${wins}/${BENCHMARK_SEEDS.length}`);
  assert.ok(wins >= 7 && median(o) < median(r), `${wins} ${median(o)} ${median(r)}`);
});
