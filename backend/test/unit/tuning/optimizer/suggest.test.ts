import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialDesign } from '../../../../src/tuning/optimizer/design.js';
import { configurationKey, isInSpace } from '../../../../src/tuning/optimizer/encoding.js';
import { OptimizerInputError, SearchSpaceError } from '../../../../src/tuning/optimizer/errors.js';
import { featureLayout } from '../../../../src/tuning/optimizer/encoding.js';
import { summarizeHistory } from '../../../../src/tuning/optimizer/history.js';
import { defaultInitialDesign, type OptimizerOptions } from '../../../../src/tuning/optimizer/options.js';
import { createPrng } from '../../../../src/tuning/optimizer/prng.js';
import { sampleConfiguration } from '../../../../src/tuning/optimizer/sampling.js';
import { suggest } from '../../../../src/tuning/optimizer/suggest.js';
import type { Configuration, Dimension, Suggestion, Trial } from '../../../../src/model/configuration-space.js';
import { mixedObjective, mixedSpace, violations } from './fixtures.js';

/** Runs the loop: suggest, score with `objective` (null = failed), append. */
function run(
  space: readonly Dimension[],
  options: OptimizerOptions,
  steps: number,
  objective: (c: Configuration) => number | null,
  history: Trial[] = [],
): { history: Trial[]; suggestions: Suggestion[] } {
  const suggestions: Suggestion[] = [];
  for (let i = 0; i < steps; i++) {
    const s = suggest(history, space, options);
    suggestions.push(s);
    history.push({ config: s.config, score: objective(s.config) });
  }
  return { history, suggestions };
}

test('the same history, space and options give the same suggestion; different seeds differ', () => {
  const { history } = run(mixedSpace, { seed: 1 }, 14, mixedObjective);
  const a = suggest(history, mixedSpace, { seed: 1 });
  const b = suggest(structuredClone(history), structuredClone(mixedSpace) as Dimension[], { seed: 1 });
  assert.equal(a.reason, 'model');
  assert.deepEqual(a, b);
  // A model proposal says what the model expects of it, in the scores' own units.
  const scores = history.map((t) => t.score!);
  assert.ok(a.prediction !== undefined && Number.isFinite(a.prediction.score) && a.prediction.sd > 0);
  assert.ok(a.prediction.score > Math.min(...scores) - 3 * (Math.max(...scores) - Math.min(...scores)));
  const others = [2, 3, 4].map((seed) => suggest(history, mixedSpace, { seed }));
  assert.ok(others.some((o) => configurationKey(o.config, mixedSpace) !== configurationKey(a.config, mixedSpace)));
  assert.notDeepEqual(suggest([], mixedSpace, { seed: 1 }), suggest([], mixedSpace, { seed: 2 }));
  // Whole runs are reproducible.
  assert.deepEqual(run(mixedSpace, { seed: 9 }, 14, mixedObjective).suggestions, run(mixedSpace, { seed: 9 }, 14, mixedObjective).suggestions);
});

test('first candidates come first, then the Latin-hypercube design, then the model', () => {
  const first: Configuration[] = [
    { ...sampleConfiguration(mixedSpace, createPrng(100)), work_mem: 10 }, // below the range: moved into it
    sampleConfiguration(mixedSpace, createPrng(101)),
  ];
  const options: OptimizerOptions = { seed: 3, firstCandidates: first, initialDesign: 5 };
  const { suggestions } = run(mixedSpace, options, 9, mixedObjective);
  assert.deepEqual(
    suggestions.map((s) => s.reason),
    ['first', 'first', 'initial', 'initial', 'initial', 'initial', 'initial', 'model', 'model'],
  );
  assert.deepEqual(suggestions[0]!.config, { ...first[0], work_mem: 64 });
  assert.deepEqual(suggestions[1]!.config, first[1]);
  assert.deepEqual(
    suggestions.slice(2, 7).map((s) => s.config),
    initialDesign(mixedSpace, 5, 3, 0.2),
  );
});

test('a first candidate equal to the baseline is not proposed again', () => {
  const first = sampleConfiguration(mixedSpace, createPrng(7));
  const design = initialDesign(mixedSpace, 3, 5, 0.2);
  const history: Trial[] = [{ config: first, score: 1 }]; // the session measured it as the baseline
  const { suggestions } = run(mixedSpace, { seed: 5, initialDesign: 3, firstCandidates: [first] }, 4, mixedObjective, history);
  assert.deepEqual(
    suggestions.map((s) => s.reason),
    ['initial', 'initial', 'initial', 'model'],
  );
  assert.deepEqual(
    suggestions.slice(0, 3).map((s) => s.config),
    design,
  );
});

test('suggestions the session alters before measuring (a repair it did not pass) are not proposed again', () => {
  const alter = (c: Configuration): Configuration => ({ ...c, max_parallel_workers_per_gather: Math.min(c.max_parallel_workers_per_gather as number, 1) });
  const first = [{ ...sampleConfiguration(mixedSpace, createPrng(8)), max_parallel_workers_per_gather: 6 }];
  const history: Trial[] = [{ config: sampleConfiguration(mixedSpace, createPrng(9)), score: 6 }]; // baseline
  const suggestions: Suggestion[] = [];
  for (let i = 0; i < 9; i++) {
    const s = suggest(history, mixedSpace, { seed: 2, initialDesign: 6, firstCandidates: first });
    suggestions.push(s);
    history.push({ config: alter(s.config), score: mixedObjective(alter(s.config)) });
  }
  assert.deepEqual(
    suggestions.map((s) => s.reason),
    ['first', 'initial', 'initial', 'initial', 'initial', 'initial', 'initial', 'model', 'model'],
  );
  assert.equal(new Set(suggestions.map((s) => configurationKey(s.config, mixedSpace))).size, 9);
});

test('with options.repair every suggestion is repaired and the history matches the suggestions', () => {
  // A cross-knob rule: random_page_cost ≥ 2 × checkpoint_completion_target (made up, but of the catalogue's kind).
  const repair = (c: Configuration): Configuration => {
    const floor = Math.ceil(2000 * (c.checkpoint_completion_target as number)) / 1000;
    return (c.random_page_cost as number) >= floor ? c : { ...c, random_page_cost: floor };
  };
  const first = [{ ...sampleConfiguration(mixedSpace, createPrng(8)), random_page_cost: 1, checkpoint_completion_target: 0.9 }];
  const { history, suggestions } = run(mixedSpace, { seed: 4, initialDesign: 5, firstCandidates: first, repair, candidates: 300 }, 12, mixedObjective);
  for (const s of suggestions) {
    assert.ok((s.config.random_page_cost as number) >= 2 * (s.config.checkpoint_completion_target as number), JSON.stringify(s));
  }
  assert.equal(suggestions[0]!.config.random_page_cost, 1.8);
  assert.equal(new Set(history.map((t) => configurationKey(t.config, mixedSpace))).size, 12);
  assert.equal(suggestions.filter((s) => s.reason === 'model').length, 6);
  assert.throws(() => suggest([], mixedSpace, { seed: 1, repair: 'no' as never }), /options.repair: must be a function/);
});

test('default initial design: 10 or fewer, at most a third of the budget', () => {
  assert.equal(defaultInitialDesign(8), 10);
  assert.equal(defaultInitialDesign(2), 4);
  assert.equal(defaultInitialDesign(8, 12), 4);
  assert.equal(defaultInitialDesign(8, 1), 1);
  const { suggestions } = run(mixedSpace, { seed: 1 }, 11, mixedObjective);
  assert.equal(suggestions.filter((s) => s.reason === 'initial').length, 10);
  assert.equal(suggestions[10]!.reason, 'model');
});

test('suggestions always lie in the space: ints integral, choices among the choices, specials allowed', () => {
  const outside: Configuration = { ...sampleConfiguration(mixedSpace, createPrng(1)), work_mem: 4, random_page_cost: 40 };
  const history: Trial[] = [{ config: outside, score: 6 }];
  let specials = 0;
  for (const seed of [1, 2]) {
    const { suggestions } = run(
      mixedSpace,
      { seed, initialDesign: 6, remeasureEvery: 4, candidates: 300 },
      24,
      (c) => (c.work_mem as number) > 500_000 ? null : mixedObjective(c),
      structuredClone(history),
    );
    for (const s of suggestions) {
      assert.deepEqual(violations(s.config, mixedSpace), [], JSON.stringify(s));
      assert.ok(isInSpace(s.config, mixedSpace));
      if (s.config.effective_io_concurrency === 0 || s.config.jit_above_cost === -1) specials++;
    }
  }
  assert.ok(specials > 0, 'special values are proposed');
});

test('the special-value bias is about 20 % per dimension', () => {
  const rng = createPrng(4);
  let hits = 0;
  const n = 5000;
  for (let i = 0; i < n; i++) if (sampleConfiguration(mixedSpace, rng).effective_io_concurrency === 0) hits++;
  assert.ok(Math.abs(hits / n - 0.2) < 0.02, String(hits / n));
  const none = createPrng(4);
  for (let i = 0; i < 200; i++) assert.notEqual(sampleConfiguration(mixedSpace, none, 0).effective_io_concurrency, 0);
});

test('the incumbent is re-measured after every k model iterations, up to maxMeasurements', () => {
  const space: Dimension[] = [
    { name: 'a', type: 'float', low: 0, high: 1, log: false, specials: [] },
    { name: 'b', type: 'float', low: 0, high: 1, log: false, specials: [] },
  ];
  let noise = createPrng(17);
  const objective = (c: Configuration): number => ((c.a as number) - 0.3) ** 2 + ((c.b as number) - 0.7) ** 2 + 0.01 * noise.normal();
  const { history, suggestions } = run(space, { seed: 2, initialDesign: 4, remeasureEvery: 3 }, 24, objective);
  const reasons = suggestions.map((s) => s.reason);
  assert.deepEqual(reasons.slice(0, 8), ['initial', 'initial', 'initial', 'initial', 'model', 'model', 'model', 'remeasure']);
  let sinceRemeasure = 0;
  reasons.slice(4).forEach((reason, i) => {
    const index = 4 + i;
    if (reason === 'remeasure') {
      assert.ok(sinceRemeasure >= 3, `remeasure at ${index} after ${sinceRemeasure} model steps`);
      sinceRemeasure = 0;
      const before = summarizeHistory(history.slice(0, index), space, featureLayout(space));
      assert.deepEqual(suggestions[index]!.config, before.incumbent?.config, 'the incumbent by mean');
    } else {
      assert.equal(reason, 'model');
      sinceRemeasure++;
    }
  });
  assert.ok(reasons.filter((r) => r === 'remeasure').length >= 3);
  const counts = new Map<string, number>();
  for (const t of history) counts.set(configurationKey(t.config, space), (counts.get(configurationKey(t.config, space)) ?? 0) + 1);
  assert.ok(Math.max(...counts.values()) <= 3, 'maxMeasurements (3) respected');
  // Without remeasureEvery nothing is repeated.
  noise = createPrng(17);
  const plain = run(space, { seed: 2, initialDesign: 4 }, 16, objective);
  assert.ok(plain.suggestions.every((s) => s.reason !== 'remeasure'));
  assert.equal(new Set(plain.history.map((t) => configurationKey(t.config, space))).size, 16);
});

test('failed trials are treated as bad: the model steers away from the region where they failed', () => {
  // The optimum (x = 1) lies in a region where every trial fails (x ≥ 0.7): the best reachable is the edge.
  const space: Dimension[] = [{ name: 'x', type: 'float', low: 0, high: 1, log: false, specials: [] }];
  const objective = (c: Configuration): number | null => ((c.x as number) >= 0.7 ? null : ((c.x as number) - 1) ** 2);
  let inFailingRegion = 0;
  let modelSteps = 0;
  for (const seed of [1, 2, 3, 4, 5]) {
    const { history, suggestions } = run(space, { seed, initialDesign: 6 }, 14, objective);
    for (const s of suggestions.slice(6)) {
      modelSteps++;
      if ((s.config.x as number) >= 0.7) inFailingRegion++;
    }
    const best = Math.min(...history.filter((t) => t.score !== null).map((t) => t.score as number));
    assert.ok(best < 0.2, `seed ${seed}: best ${best} (x > 0.55, towards the edge at 0.7)`);
  }
  // Uniform sampling would put 30 % of the steps there.
  assert.ok(inFailingRegion / modelSteps <= 0.15, `${inFailingRegion}/${modelSteps} model steps in the failing region`);
});

test('a history of only failures still yields new suggestions', () => {
  const { suggestions } = run(mixedSpace, { seed: 4, initialDesign: 3 }, 6, () => null);
  assert.deepEqual(
    suggestions.map((s) => s.reason),
    ['initial', 'initial', 'initial', 'model', 'model', 'model'],
  );
  assert.equal(new Set(suggestions.map((s) => configurationKey(s.config, mixedSpace))).size, 6);
});

test('without an initial design and history the first suggestion is a random point', () => {
  const s = suggest([], mixedSpace, { seed: 1, initialDesign: 0 });
  assert.equal(s.reason, 'initial');
  assert.ok(isInSpace(s.config, mixedSpace));
});

test('an exhausted discrete space re-measures the incumbent', () => {
  const space: Dimension[] = [
    { name: 'jit', type: 'categorical', choices: [true, false] },
    { name: 'n', type: 'int', low: 1, high: 2, log: false, specials: [] },
  ];
  const { suggestions } = run(space, { seed: 1, initialDesign: 2 }, 6, (c) => (c.jit ? 1 : 0) + (c.n as number));
  assert.equal(new Set(suggestions.slice(0, 4).map((s) => configurationKey(s.config, space))).size, 4);
  assert.equal(suggestions[4]!.reason, 'remeasure');
  assert.deepEqual(suggestions[4]!.config, { jit: false, n: 1 });
});

test('bad inputs are refused with typed errors', () => {
  assert.throws(() => suggest([], [{ name: 'x', type: 'float', low: 5, high: 1, log: false, specials: [] }], { seed: 1 }), SearchSpaceError);
  assert.throws(() => suggest([], mixedSpace, { seed: 1.5 }), /options.seed: must be a safe integer, got 1.5/);
  assert.throws(() => suggest([], mixedSpace, { seed: 1, candidates: 0 }), /options.candidates: must be at least 1/);
  assert.throws(() => suggest([], mixedSpace, { seed: 1, remeasureEvery: -1 }), OptimizerInputError);
  assert.throws(() => suggest([], mixedSpace, { seed: 1, specialProbability: 2 }), /options.specialProbability: must be in \[0, 1\], got 2/);
  assert.throws(
    () => suggest([], mixedSpace, { seed: 1, firstCandidates: [{ work_mem: 1024 }] }),
    /options.firstCandidates\[0\].random_page_cost: missing/,
  );
  assert.throws(() => suggest([{ config: { work_mem: 1024 }, score: 1 }], mixedSpace, { seed: 1 }), /history\[0\].config.random_page_cost: missing/);
});

test('a call with 30 points is fast', () => {
  const { history } = run(mixedSpace, { seed: 6 }, 30, mixedObjective);
  const started = performance.now();
  for (let i = 0; i < 5; i++) suggest(history, mixedSpace, { seed: i });
  const perCall = (performance.now() - started) / 5;
  assert.ok(perCall < 100, `${perCall.toFixed(1)} ms per call`); // ~10 ms on an idle 2-core machine; loose for CI noise
});
