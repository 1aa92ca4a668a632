import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchConverged } from '../../../src/tuning/convergence.js';
import { suggest } from '../../../src/tuning/optimizer/index.js';
import type { Configuration, Dimension, Trial } from '../../../src/model/configuration-space.js';

const low = { improvement: 0.05, incumbent: 10 };
const high = { improvement: 0.5, incumbent: 10 };

test('three model proposals in a row expecting under 1 % of the incumbent: converged', () => {
  assert.equal(searchConverged([low, low]), false, 'too few');
  assert.equal(searchConverged([low, low, low]), true);
  assert.equal(searchConverged([high, low, low, low]), true, 'only the latest count');
  assert.equal(searchConverged([low, low, high]), false);
  assert.equal(searchConverged([low, high, low, low]), false);
  assert.equal(searchConverged([{ improvement: 0, incumbent: 0 }, low, low]), false, 'a zero incumbent says nothing');
  assert.equal(searchConverged([low, low], { share: 0.01, consecutive: 2 }), true);
});

test("on a synthetic bowl the optimizer's own expectations fall until the search converges, near the minimum", () => {
  const space: Dimension[] = [
    { name: 'x', type: 'float', low: 0, high: 10, log: false, specials: [] },
    { name: 'y', type: 'float', low: 0, high: 10, log: false, specials: [] },
  ];
  const score = (c: Configuration) => 10 + (Number(c['x']) - 3) ** 2 + (Number(c['y']) - 7) ** 2;
  const history: Trial[] = [];
  const expectations: Array<{ improvement: number; incumbent: number }> = [];
  let stoppedAt: number | null = null;
  for (let i = 0; i < 40 && stoppedAt === null; i += 1) {
    const suggestion = suggest(history, space, { seed: 7, budget: 40 });
    history.push({ config: suggestion.config, score: score(suggestion.config) });
    if (suggestion.reason === 'model' && suggestion.expected) {
      expectations.push(suggestion.expected);
      if (searchConverged(expectations)) stoppedAt = i + 1;
    }
  }
  assert.ok(stoppedAt !== null && stoppedAt < 40, `converged within 40 suggestions (after ${stoppedAt})`);
  const best = Math.min(...history.map((t) => t.score!));
  assert.ok(best < 10.5, `the best found (${best.toFixed(3)}) is within 5 % of the minimum 10`);
  assert.ok(expectations[0]!.improvement > expectations.at(-1)!.improvement, 'the expectations fell');
});
