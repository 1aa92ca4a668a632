import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelIterationsSinceRepeat, type PhaseItem, phaseItems, phaseState } from '../../../../src/tuning/optimizer/phases.js';
import type { Dimension } from '../../../../src/model/configuration-space.js';

const items: PhaseItem[] = [
  { config: {}, key: 'F', reason: 'first' },
  { config: {}, key: 'D1', reason: 'initial' },
  { config: {}, key: 'D2', reason: 'initial' },
];
const next = (keys: string[]) => phaseState(items, keys).next?.key ?? null;

test('items are proposed in order; a trial equal to an item marks it done wherever it is', () => {
  assert.equal(next([]), 'F');
  assert.equal(next(['F']), 'D1', 'no baseline: the first trial is the first item');
  assert.equal(next(['F', 'D1']), 'D2');
  assert.equal(next(['F', 'D1', 'D2']), null);
  assert.equal(next(['B']), 'F', 'a baseline answers nothing');
  assert.equal(next(['B', 'F', 'D1']), 'D2');
  assert.equal(next(['D1']), 'F', 'a baseline equal to a design point');
  assert.equal(next(['D1', 'F']), 'D2');
});

test('every trial after the first answers the pending item, even when the session changed it', () => {
  assert.equal(next(['B', "F'"]), 'D1');
  assert.equal(next(['B', "F'", "D1'"]), 'D2');
  assert.equal(next(['B', "F'", "D1'", "D2'"]), null);
  assert.equal(next(['B', 'D1']), 'D2', 'answered F (counted) and matched D1');
});

test('lastPhaseTrial is the last trial that answered or matched an item', () => {
  assert.equal(phaseState(items, ['B']).lastPhaseTrial, -1);
  assert.equal(phaseState(items, ['B', 'F', 'D1', 'D2', 'M1', 'M2']).lastPhaseTrial, 3);
  assert.equal(phaseState(items, ['F', 'D1', 'D2', 'M1', 'D1']).lastPhaseTrial, 4);
});

test('phaseItems drops duplicate keys, first candidates before the design', () => {
  const space: Dimension[] = [{ name: 'x', type: 'int', low: 0, high: 9, log: false, specials: [] }];
  const list = phaseItems([{ x: 1 }, { x: 2 }, { x: 1 }], [{ x: 2 }, { x: 3 }], space);
  assert.deepEqual(
    list.map((i) => [i.config.x, i.reason]),
    [
      [1, 'first'],
      [2, 'first'],
      [3, 'initial'],
    ],
  );
});

test('model iterations are counted after the fixed phases and reset by a repeat', () => {
  assert.equal(modelIterationsSinceRepeat(['B', 'D1', 'D2', 'M1', 'M2'], 2), 2);
  assert.equal(modelIterationsSinceRepeat(['D1', 'D2', 'M1', 'M2', 'M1', 'M3'], 1), 1);
  assert.equal(modelIterationsSinceRepeat(['D1', 'D2', 'M1', 'M2', 'D1'], 1), 0);
  assert.equal(modelIterationsSinceRepeat(['M0', 'M1'], -1), 2);
});
