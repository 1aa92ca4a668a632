/** Recommendations without applying: PGTune's advice and the best measured configuration, as patronictl and PATCH bodies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import type { BaselineRecord, IterationRecord, SessionRecord } from '../../../src/model/records.js';
import { buildKnobCatalogue, currentConfiguration } from '../../../src/tuning/knobs/index.js';
import { bestMeasured, pgtuneAdvice, recommend } from '../../../src/tuning/recommendation.js';
import { fixtureSettings, HOST_16G } from './session/fakes.js';

/** YAML through Debian's python3-yaml, as the provisioning tests read it (the project takes no npm YAML parser). */
function parse(yaml: string): unknown {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: yaml, encoding: 'utf8' }));
}

const catalogue = buildKnobCatalogue(fixtureSettings(), HOST_16G);
const AT = new Date('2026-12-04T18:00:00.000Z');

function session(bestIteration: number | null): SessionRecord {
  return {
    id: 's1',
    scope: 'lab',
    state: 'completed',
    options: { iterations: 3, iterationSeconds: 60, warmupSeconds: 5, objective: 'mean_query_time', knobs: [], seed: 1 },
    executor: 'node1',
    createdAt: AT,
    updatedAt: AT,
    endedAt: AT,
    result: { final: bestIteration === null ? 'baseline' : 'best', bestIteration, baselineScore: 12.5, bestScore: 6, improvementRatio: 12.5 / 6 },
    reason: null,
  };
}

function iteration(number: number, changes: Record<string, number>, score: number): IterationRecord {
  return {
    sessionId: 's1',
    number,
    state: 'measured',
    reason: number === 0 ? 'baseline' : 'model',
    candidate: { ...currentConfiguration(catalogue), ...changes },
    parameters: {},
    verification: [],
    measurement: null,
    score,
    verdicts: [],
    startedAt: AT,
    endedAt: AT,
    error: null,
  };
}

const baseline: BaselineRecord = { sessionId: 's1', dcsParameters: {}, effective: currentConfiguration(catalogue), recordedAt: AT };

describe('recommendations without applying', () => {
  it("PGTune's advice: only reload-only knobs that would change, validated, as patronictl and PATCH /config", () => {
    const advice = pgtuneAdvice(catalogue, 'lab');
    const tunable = new Map(catalogue.tunable.map((k) => [k.name, k]));
    const names = Object.keys(advice.parameters);
    assert.ok(names.length > 0);
    for (const name of names) {
      assert.ok(tunable.has(name), `${name} is tunable`);
      assert.ok(['user', 'superuser', 'sighup'].includes(tunable.get(name)!.context), `${name} needs no restart`);
    }
    assert.equal(advice.source, 'pgtune');
    assert.equal(advice.measuredIn, null);
    assert.deepEqual(advice.patch, { postgresql: { parameters: advice.parameters } });
    assert.deepEqual(parse(advice.patronictl.yaml), { postgresql: { parameters: advice.parameters } });
    assert.match(advice.patronictl.command, /^patronictl edit-config lab( -p [a-z_]+=\S+)+$/);
    assert.equal(advice.patronictl.command.split(' -p ').length - 1, names.length);
  });

  it('the best measured configuration: the values of the iteration the session ended on that differ from its baseline', () => {
    const iterations = [iteration(0, {}, 12.5), iteration(1, { work_mem: 8192 }, 10), iteration(2, { work_mem: 16384, random_page_cost: 1.1 }, 6)];
    const best = bestMeasured(catalogue, 'lab', session(2), iterations, baseline);
    assert.ok(best);
    assert.deepEqual(Object.keys(best.parameters).sort(), ['random_page_cost', 'work_mem']);
    assert.equal(best.parameters.random_page_cost, '1.1');
    assert.deepEqual(best.measuredIn, { sessionId: 's1', iteration: 2, improvementRatio: 12.5 / 6, endedAt: AT.toISOString() });
    assert.match(best.patronictl.command, /-p random_page_cost=1\.1 -p work_mem=\S+$/);
    // A session that ended on its baseline measured nothing better.
    assert.equal(bestMeasured(catalogue, 'lab', session(null), iterations, baseline), null);
  });

  it('recommend() takes the newest session that found a better configuration', async () => {
    const iterations = [iteration(0, {}, 12.5), iteration(1, { work_mem: 16384 }, 7)];
    const view = await recommend({
      catalogue: async () => catalogue,
      sessions: async () => [{ ...session(null), id: 'newer' }, session(1)],
      history: async () => ({ iterations, baseline }),
      scope: () => 'lab',
    });
    assert.equal(view.bestMeasured?.measuredIn?.sessionId, 's1');
    assert.deepEqual(Object.keys(view.bestMeasured?.parameters ?? {}), ['work_mem']);
    const none = await recommend({ catalogue: async () => catalogue, sessions: async () => [], history: async () => ({ iterations: [], baseline: null }), scope: () => 'lab' });
    assert.equal(none.bestMeasured, null);
    assert.deepEqual(none.pgtune, pgtuneAdvice(catalogue, 'lab'));
  });
});
