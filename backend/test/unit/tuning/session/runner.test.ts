/**
 * SessionRunner end to end against the fakes: a scripted optimizer, a fake Patroni with three
 * members built on real PostgreSQL 15 pg_settings, the in-memory store and an instant clock.
 * The synthetic workload runs at 12.5 ms per statement on the recorded settings (see fakes.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PatroniConfigPatch } from '../../../../src/patroni/responses.js';
import type { IterationRecord } from '../../../../src/model/records.js';
import { sessionCatalogue } from '../../../../src/tuning/session/catalogue-adapter.js';
import { gpOptimizer } from '../../../../src/tuning/session/optimizer-port.js';
import {
  assertClose,
  baselineConfiguration,
  fixtureSettings,
  GIB,
  HOST_16G,
  MEMBER_NAMES,
  SESSION_ID,
  sessionHarness,
  T0,
  type FakeCluster,
} from './fakes.js';

const TUNABLE = new Set(sessionCatalogue(fixtureSettings(), HOST_16G, [], null).names);

/** Every member shows `expected` (pg_settings units). */
function assertInForce(cluster: FakeCluster, expected: Record<string, number | string | boolean>): void {
  for (const member of MEMBER_NAMES) {
    for (const [name, value] of Object.entries(expected)) {
      assert.equal(cluster.valueOn(member, name), value, `${name} on ${member}`);
    }
  }
}

function parametersOf(body: unknown): Record<string, string | null> {
  return ((body as PatroniConfigPatch).postgresql?.parameters ?? {}) as Record<string, string | null>;
}

function states(iterations: IterationRecord[]): string[] {
  return iterations.map((i) => `${i.number}:${i.state}`);
}

describe('SessionRunner: a session that finds a better configuration', () => {
  it('goes preparing → running → finishing → completed, ends on the best configuration, verified everywhere', async () => {
    const h = await sessionHarness({
      script: [
        { changes: { work_mem: 8192 }, reason: 'first' }, // 10 ms
        { changes: { work_mem: 16384, random_page_cost: 1.1 } }, // 6 ms: the best
        { changes: { work_mem: 8192, random_page_cost: 2 } }, // 8.4 ms
      ],
    });
    const sessionStates: string[] = [];
    const original = h.store.updateSession.bind(h.store);
    h.store.updateSession = async (id, update) => {
      if (update.state) sessionStates.push(update.state);
      return original(id, update);
    };

    const final = await h.runner.run();

    assert.deepEqual(sessionStates, ['preparing', 'running', 'finishing', 'completed']);
    assert.equal(final.state, 'completed');
    assert.equal(final.reason, null);
    assert.deepEqual(final, await h.store.getSession(SESSION_ID));
    assert.ok(final.endedAt instanceof Date);

    // The baseline: the DCS parameters as they were, and the effective value of every tunable knob.
    const baseline = await h.store.getBaseline(SESSION_ID);
    assert.deepEqual(baseline?.dcsParameters, h.cluster.initialDcs);
    assert.deepEqual(baseline?.effective, baselineConfiguration());
    assert.equal(baseline?.effective.work_mem, 4096);
    assert.equal(baseline?.effective.random_page_cost, 4);
    assert.deepEqual(baseline?.recordedAt, new Date(T0));

    // Iteration 0 is the baseline, then every scripted iteration is measured.
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:measured', '2:measured', '3:measured']);
    assert.equal(iterations[0]!.reason, 'baseline');
    assert.deepEqual(iterations[0]!.candidate, baselineConfiguration());
    assert.deepEqual(iterations[0]!.parameters, {});
    assert.deepEqual(
      iterations.map((i) => i.reason),
      ['baseline', 'first', 'initial', 'initial'],
    );
    const scores = [12.5, 10, 6, 8.4];
    iterations.forEach((iteration, n) => {
      assertClose(iteration.score, scores[n]!, `score of iteration ${n}`);
      assertClose(iteration.measurement?.meanQueryTimeMs, scores[n]!);
      assert.equal(iteration.measurement?.windowSeconds, 10);
      assert.equal(iteration.measurement?.calls, 1000);
      assert.equal(iteration.measurement?.transactionsPerSecond, 50);
      assert.equal(iteration.error, null);
      // Every window after the baseline is compared with it statement by statement (one statement here).
      const comparison = iteration.measurement?.comparison ?? null;
      if (n === 0) assert.equal(comparison, null);
      else assertClose(comparison?.ratio, scores[n]! / scores[0]!, `ratio of iteration ${n}`);
    });
    assert.deepEqual(
      iterations.map((i) => i.parameters),
      [{}, { work_mem: '8MB' }, { work_mem: '16MB', random_page_cost: '1.1' }, { work_mem: '8MB', random_page_cost: '2' }],
    );
    for (const iteration of iterations.slice(1)) {
      assert.deepEqual(
        iteration.verdicts.map((v) => `${v.guardrail}:${v.ok}`),
        ['memory:true', 'regression:true'],
      );
      // Verified on all three members, nothing pending.
      assert.deepEqual(
        iteration.verification.map((v) => [v.member, v.verified, v.mismatches.length, v.pendingRestart.length, v.error]),
        MEMBER_NAMES.map((m) => [m, true, 0, 0, null]),
      );
    }

    // Every PATCH is in the store with outcome ok; each has only changed, tunable knobs.
    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.map((p) => [p.iteration, parametersOf(p.body), p.outcome, p.error]),
      [
        [1, { work_mem: '8MB' }, 'ok', null],
        [2, { work_mem: '16MB', random_page_cost: '1.1' }, 'ok', null],
        [3, { work_mem: '8MB', random_page_cost: '2' }, 'ok', null],
        [null, { work_mem: '16MB', random_page_cost: '1.1' }, 'ok', null],
      ],
    );
    assert.deepEqual(
      h.cluster.patches.map((p) => p.body),
      patches.map((p) => p.body),
      'the store holds exactly the bodies Patroni received',
    );
    for (const patch of patches) {
      assert.deepEqual(Object.keys(patch.body as object), ['postgresql']);
      assert.deepEqual(Object.keys((patch.body as PatroniConfigPatch).postgresql!), ['parameters']);
      for (const name of Object.keys(parametersOf(patch.body))) assert.ok(TUNABLE.has(name), `${name} is tunable`);
    }

    // The result, and the best configuration in force on every member.
    assert.equal(final.result?.final, 'best');
    assert.equal(final.result?.bestIteration, 2);
    assertClose(final.result?.baselineScore, 12.5);
    assertClose(final.result?.bestScore, 6);
    assertClose(final.result?.improvementRatio, 12.5 / 6);
    assert.equal(final.result?.improvementRatio, final.result!.baselineScore! / final.result!.bestScore!);
    assertInForce(h.cluster, { ...baselineConfiguration(), work_mem: 16384, random_page_cost: 1.1 });
    assert.deepEqual(h.cluster.dcs, { ...h.cluster.initialDcs, work_mem: '16MB', random_page_cost: '1.1' });
    assert.deepEqual(h.cluster.invalid, []);

    // The role is checked right before every PATCH; the final configuration is verified afterwards.
    const log = h.cluster.log;
    log.forEach((call, i) => {
      if (call === 'patch') {
        assert.equal(log[i - 1], 'checkLeader');
        assert.equal(log[i + 1], 'readMemberSettings');
      }
    });
    assert.equal(log.at(-1), 'readMemberSettings');

    // The optimizer saw the history grow by one trial per iteration, with the session's context.
    assert.equal(h.optimizerCalls.length, 3);
    assert.deepEqual(
      h.optimizerCalls.map((c) => c.history.length),
      [1, 2, 3],
    );
    assertClose(h.optimizerCalls[2]!.history[2]!.score, 6);
    assert.equal(h.optimizerCalls[0]!.context.seed, 7);
    assert.equal(h.optimizerCalls[0]!.context.budget, 3);
    assert.equal(h.optimizerCalls[0]!.context.firstCandidates.length, 1);
    // The context's repair is the catalogue's: random_page_cost never below seq_page_cost.
    assert.equal(h.optimizerCalls[0]!.context.repair({ random_page_cost: 1, seq_page_cost: 2 }).random_page_cost, 2);
    assert.equal(h.optimizerCalls[0]!.space.length, TUNABLE.size);

    const events = (await h.store.listEvents(SESSION_ID)).map((e) => e.type);
    assert.deepEqual(events, [
      'session_preparing',
      'objective_selected',
      'session_running',
      'session_finishing',
      'final_configuration_applied',
      'session_completed',
    ]);
    // Warm-up then window, for the baseline and each iteration; verification converged at once.
    assert.deepEqual(h.clock.sleeps, [2000, 10000, 2000, 10000, 2000, 10000, 2000, 10000]);
  });

  it('writes every record before the action it describes', async () => {
    const h = await sessionHarness({
      script: [{ changes: { work_mem: 8192 } }, { changes: { commit_delay: 10000 } }, { changes: { random_page_cost: 2 } }],
    });
    const seen: string[] = [];
    h.cluster.beforePatch = async (body) => {
      const [session, baseline, iterations, patches] = await Promise.all([
        h.store.getSession(SESSION_ID),
        h.store.getBaseline(SESSION_ID),
        h.store.listIterations(SESSION_ID),
        h.store.listPatches(SESSION_ID),
      ]);
      assert.notEqual(baseline, null, 'the baseline is recorded before anything is applied');
      const last = patches.at(-1);
      assert.ok(last, 'the patch is recorded before it is sent');
      assert.deepEqual(last.body, body);
      assert.equal(last.outcome, null, 'no outcome yet');
      assert.deepEqual(last.sentAt, new Date(h.clock.now()));
      const iteration = iterations.find((i) => i.number === last.iteration);
      if (last.iteration !== null) assert.ok(iteration, `iteration ${last.iteration} is recorded before its PATCH`);
      seen.push(`${session?.state}/${last.iteration ?? 'final'}:${iteration?.state ?? '-'}`);
    };
    h.cluster.onSnapshot = async () => {
      const iterations = await h.store.listIterations(SESSION_ID);
      const measuring = iterations.at(-1);
      assert.equal(measuring?.state, 'measuring', 'the iteration is marked measuring before its window');
    };

    const final = await h.runner.run();

    assert.equal(final.state, 'completed');
    // An iteration's own PATCH goes out while it is 'applying' (its parameters already stored); a
    // restore after a regression while it is already 'reverted'.
    assert.deepEqual(seen, [
      'running/1:applying',
      'running/2:applying',
      'running/2:reverted',
      'running/3:applying',
      'finishing/final:-',
    ]);
  });

  it('with the real optimizer: tries the PGTune candidate first and keeps what helps', async () => {
    const h = await sessionHarness({
      optimizer: gpOptimizer,
      options: { iterations: 4, knobs: ['work_mem', 'random_page_cost', 'seq_page_cost'] },
    });
    const final = await h.runner.run();

    assert.equal(final.state, 'completed');
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.equal(iterations.length, 5);
    assert.equal(iterations[1]!.reason, 'first');
    assert.deepEqual(Object.keys(iterations[1]!.candidate).sort(), ['random_page_cost', 'seq_page_cost', 'work_mem']);
    for (const iteration of iterations.slice(1)) {
      assert.ok(['measured', 'reverted', 'rejected'].includes(iteration.state), `${iteration.number}: ${iteration.state}`);
      if (iteration.state !== 'rejected') assert.ok(iteration.verification.every((v) => v.verified));
    }
    for (const patch of await h.store.listPatches(SESSION_ID)) {
      assert.equal(patch.outcome, 'ok');
      for (const name of Object.keys(parametersOf(patch.body))) {
        assert.ok(['work_mem', 'random_page_cost', 'seq_page_cost'].includes(name), name);
      }
    }
    assert.deepEqual(h.cluster.invalid, []);
    // PGTune's work_mem (19418 kB on 16 GiB) with random_page_cost 1.1 runs at 6 ms: at least that good.
    assert.equal(final.result?.final, 'best');
    assert.ok(final.result!.bestScore! <= 6 + 1e-9, `best ${final.result?.bestScore}`);
    const best = iterations.find((i) => i.number === final.result?.bestIteration)!;
    assertInForce(h.cluster, best.candidate as Record<string, number>);
  });
});

describe('SessionRunner: nothing beats the baseline by the margin', () => {
  it("ends on 'baseline': the DCS parameters back exactly as they were, absent ones removed with null", async () => {
    const h = await sessionHarness({
      options: { iterations: 2 },
      script: [
        { changes: { random_page_cost: 3.5 } }, // 12 ms: 4 % better, under the 5 % margin
        { changes: { bgwriter_delay: 100, checkpoint_timeout: 600, jit: false } }, // 12.5 ms
      ],
    });
    const final = await h.runner.run();

    assert.equal(final.state, 'completed');
    assert.equal(final.result?.final, 'baseline');
    assert.equal(final.result?.bestIteration, null);
    assertClose(final.result?.baselineScore, 12.5);
    assertClose(final.result?.bestScore, 12);
    assertClose(final.result?.improvementRatio, 12.5 / 12);

    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.slice(0, 2).map((p) => parametersOf(p.body)),
      [{ random_page_cost: '3.5' }, { random_page_cost: '4', bgwriter_delay: '100ms', checkpoint_timeout: '10min', jit: 'off' }],
    );
    // The restore names every tunable knob: the DCS value when it had one, null otherwise.
    const restore = patches[2]!;
    assert.equal(patches.length, 3);
    assert.equal(restore.iteration, null);
    assert.equal(restore.outcome, 'ok');
    const expected = Object.fromEntries([...TUNABLE].map((name) => [name, name === 'max_wal_size' ? '1GB' : null]));
    assert.deepEqual(parametersOf(restore.body), expected);
    assert.deepEqual(h.cluster.dcs, h.cluster.initialDcs);
    assertInForce(h.cluster, baselineConfiguration());

    const events = (await h.store.listEvents(SESSION_ID)).map((e) => e.type);
    assert.deepEqual(events.slice(-4), ['session_finishing', 'baseline_restored', 'final_configuration_applied', 'session_completed']);
    const applied = (await h.store.listEvents(SESSION_ID)).find((e) => e.type === 'final_configuration_applied');
    assert.deepEqual(applied?.detail, { final: 'baseline', iteration: 0 });
  });
});

describe('SessionRunner: postgresql.auto.conf', () => {
  it('records overrides of tunable knobs before removing them, and leaves the others alone', async () => {
    const h = await sessionHarness({
      options: { iterations: 1 },
      script: [{ changes: { work_mem: 8192 } }],
      cluster: {
        autoconf: { work_mem: '64MB', log_min_duration_statement: '100ms', synchronous_commit: 'off', random_page_cost: '1.5' },
        autoconfLines: [
          { name: null, setting: null, applied: false, error: 'syntax error', sourcefile: '/var/lib/postgresql/data/postgresql.auto.conf', sourceline: 9 },
        ],
      },
    });
    const recordedAtReset: string[][] = [];
    h.cluster.onResetAutoconf = async () => {
      recordedAtReset.push((await h.store.listAutoconfRemovals(SESSION_ID)).map((r) => `${r.name}=${r.setting}`));
    };
    assert.equal(h.cluster.valueOn('node1', 'work_mem'), 65536, 'the override wins on the leader');

    const final = await h.runner.run();

    assert.equal(final.state, 'completed');
    assert.deepEqual(h.cluster.resetCalls, [['work_mem', 'random_page_cost']]);
    assert.deepEqual(recordedAtReset, [['work_mem=64MB', 'random_page_cost=1.5']], 'recorded before the reset');
    const removals = await h.store.listAutoconfRemovals(SESSION_ID);
    assert.deepEqual(
      removals.map((r) => [r.sessionId, r.member, r.name, r.setting, r.removedAt.getTime()]),
      [
        [SESSION_ID, 'node1', 'work_mem', '64MB', T0],
        [SESSION_ID, 'node1', 'random_page_cost', '1.5', T0],
      ],
    );
    assert.deepEqual([...h.cluster.autoconf.keys()], ['log_min_duration_statement', 'synchronous_commit']);
    // The baseline is read after the reset: the DCS/default values, not the overrides.
    const baseline = await h.store.getBaseline(SESSION_ID);
    assert.equal(baseline?.effective.work_mem, 4096);
    assert.equal(baseline?.effective.random_page_cost, 4);
    const log = h.cluster.log;
    assert.ok(log.indexOf('resetAutoconf') < log.indexOf('getConfig'));
    assert.ok(log.lastIndexOf('readSettingsLoadedAfter') > log.indexOf('resetAutoconf'), 'settings re-read after the reset');
    const event = (await h.store.listEvents(SESSION_ID)).find((e) => e.type === 'autoconf_overrides_removed');
    assert.deepEqual(event?.detail, { names: ['work_mem', 'random_page_cost'] });
  });

  it('only the knobs of the session count as tunable', async () => {
    const h = await sessionHarness({
      options: { iterations: 1, knobs: ['random_page_cost'] },
      script: [{ changes: { random_page_cost: 2 } }],
      cluster: { autoconf: { work_mem: '64MB', random_page_cost: '1.5' } },
    });
    const final = await h.runner.run();
    assert.equal(final.state, 'completed');
    assert.deepEqual(h.cluster.resetCalls, [['random_page_cost']]);
    assert.deepEqual([...h.cluster.autoconf.keys()], ['work_mem']);
    assert.deepEqual(await h.store.getBaseline(SESSION_ID).then((b) => b?.effective), { random_page_cost: 4 });
  });

  it('does not reset anything when there is no override of a tunable knob', async () => {
    const h = await sessionHarness({
      options: { iterations: 1 },
      script: [{ changes: { work_mem: 8192 } }],
      cluster: { autoconf: { log_min_duration_statement: '100ms' } },
    });
    await h.runner.run();
    assert.deepEqual(h.cluster.resetCalls, []);
    assert.deepEqual(await h.store.listAutoconfRemovals(SESSION_ID), []);
  });
});

describe('SessionRunner: guardrails', () => {
  it('rejects a candidate over the memory bound before anything is sent', async () => {
    const h = await sessionHarness({
      hostMemoryBytes: 4 * GIB,
      options: { iterations: 2 },
      script: [
        { changes: { work_mem: 16384 } }, // 16 MiB × 2 × (100 + 8) × 2 + 3 × 64 MiB + 128 MiB = 7.06 GiB > 3.6 GiB
        { changes: { random_page_cost: 1.1 } }, // 2.00 GiB: fine
      ],
    });
    const final = await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:rejected', '2:measured']);
    const rejected = iterations[1]!;
    assert.deepEqual(rejected.verdicts, [
      { guardrail: 'memory', ok: false, detail: 'worst-case memory 7.06 GiB vs 90 % of 4.00 GiB (member node1, the smallest) = 3.60 GiB' },
    ]);
    assert.deepEqual(rejected.parameters, {});
    assert.equal(rejected.score, null);
    assert.equal(rejected.candidate.work_mem, 16384);
    assert.deepEqual(iterations[2]!.verdicts[0], {
      guardrail: 'memory',
      ok: true,
      detail: 'worst-case memory 2.00 GiB vs 90 % of 4.00 GiB (member node1, the smallest) = 3.60 GiB',
    });
    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.map((p) => p.iteration),
      [2],
      'no PATCH for the rejected iteration (and none at the end: the best is already in force)',
    );
    assert.ok(h.cluster.patches.every((p) => !('work_mem' in parametersOf(p.body))));
    assert.equal(h.cluster.valueOn('node1', 'work_mem'), 4096);
    // The optimizer learns the rejection as a failed trial.
    assert.deepEqual(h.optimizerCalls[1]!.history[1], { config: rejected.candidate, score: null });
    const event = (await h.store.listEvents(SESSION_ID)).find((e) => e.type === 'guardrail_rejected');
    assert.deepEqual(event?.detail, { iteration: 1, detail: 'worst-case memory 7.06 GiB vs 90 % of 4.00 GiB (member node1, the smallest) = 3.60 GiB' });
    assert.equal(final.state, 'completed');
    assert.equal(final.result?.bestIteration, 2);
  });

  it("reverts a regression at once to the best known configuration; the optimizer still gets the score", async () => {
    const h = await sessionHarness({
      script: [
        { changes: { work_mem: 8192 } }, // 10 ms: best
        { changes: { work_mem: 8192, commit_delay: 10000 } }, // 30 ms: 2.4 × the baseline
        { changes: { work_mem: 16384, random_page_cost: 1.1 } }, // 6 ms
      ],
    });
    const final = await h.runner.run();

    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(states(iterations), ['0:measured', '1:measured', '2:reverted', '3:measured']);
    const reverted = iterations[2]!;
    assertClose(reverted.score, 30);
    assert.deepEqual(
      reverted.verdicts.map((v) => [v.guardrail, v.ok]),
      [
        ['memory', true],
        ['regression', false],
      ],
    );
    assert.equal(reverted.verdicts[1]!.detail, "score 30.00 is 2.40× the baseline's 12.50 (limit 2×)");

    const patches = await h.store.listPatches(SESSION_ID);
    assert.deepEqual(
      patches.map((p) => [p.iteration, parametersOf(p.body), p.outcome]),
      [
        [1, { work_mem: '8MB' }, 'ok'],
        [2, { commit_delay: '10000' }, 'ok'],
        [2, { commit_delay: '0' }, 'ok'], // the best (iteration 1) re-applied
        [3, { work_mem: '16MB', random_page_cost: '1.1' }, 'ok'],
        // The best is the configuration in force at the end: nothing left to send, only verified.
      ],
    );
    // Between the revert and iteration 3 the best configuration was verified on every member.
    const restoredEvent = (await h.store.listEvents(SESSION_ID)).filter((e) => e.type === 'configuration_restored');
    assert.deepEqual(restoredEvent.map((e) => e.detail), [{ iteration: 2, to: 'best' }]);
    const history = h.optimizerCalls[2]!.history;
    assert.equal(history.length, 3);
    assert.equal(history[2]!.config.commit_delay, 10000);
    assertClose(history[2]!.score, 30);

    assert.equal(final.state, 'completed');
    assert.equal(final.result?.bestIteration, 3);
    assertInForce(h.cluster, { work_mem: 16384, random_page_cost: 1.1, commit_delay: 0 });
  });
});

describe('SessionRunner: the objective said at the start', () => {
  const selected = async (h: Awaited<ReturnType<typeof sessionHarness>>) =>
    (await h.store.listEvents(SESSION_ID)).filter((e) => e.type === 'objective_selected').map((e) => e.detail);

  it('pg_stat_statements usable: the mean statement time, said once before the baseline window', async () => {
    const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }] });
    await h.runner.run();
    assert.deepEqual(await selected(h), [
      { requested: 'mean_query_time', objective: 'mean_query_time', source: 'pg_stat_statements', reason: 'pg_stat_statements in database "postgres"', action: null },
    ]);
    assert.ok(h.cluster.log.indexOf('statementsStatus') < h.cluster.log.indexOf('snapshot'));
  });

  it('the extension missing: ms per transaction, with the statement to run, and the scores follow it', async () => {
    const h = await sessionHarness({ script: [{ changes: { work_mem: 8192 } }] });
    h.cluster.statements = { available: false, database: 'app', cause: 'extension_missing', message: 'the pg_stat_statements extension is not created in database "app"' };
    await h.runner.run();
    const [detail] = await selected(h);
    assert.equal(detail?.objective, 'throughput');
    assert.equal(detail?.source, 'pg_stat_database');
    assert.match(String(detail?.action), /^CREATE EXTENSION pg_stat_statements; -- as a superuser, in database "app" on the leader, or set TUNER_CREATE_EXTENSION=true$/);
    const iterations = await h.store.listIterations(SESSION_ID);
    // 50 transactions/s in every window of the fake: 20 ms per transaction.
    for (const iteration of iterations) assertClose(iteration.score, 20, `score of iteration ${iteration.number}`);
  });
});

describe('SessionRunner: search priors from the workload', () => {
  it('records the priors before anything changes, and the optimizer tries PGTune, then PGTune moved by them', async () => {
    const signals = { blocksHit: 10, blocksRead: 10, tempFiles: 4, tempBytes: 4 * 30 * 1024 * 1024, checkpointsTimed: 10, checkpointsRequested: 0, jit: null, bufferWrites: null };
    const h = await sessionHarness({ optimizer: gpOptimizer, options: { iterations: 2 }, signals });
    await h.runner.run();
    const events = await h.store.listEvents(SESSION_ID);
    const priors = events.find((e) => e.type === 'search_priors');
    assert.ok(priors !== undefined, 'search_priors recorded');
    assert.ok(events.indexOf(priors) < events.findIndex((e) => e.type === 'session_running'));
    const [prior] = (priors.detail as { priors: Array<{ knob: string; value: number }> }).priors;
    assert.equal(prior?.knob, 'work_mem');
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(iterations.map((i) => i.reason), ['baseline', 'first', 'first']);
    assert.equal(iterations[2]!.candidate['work_mem'], prior.value);
    assert.notEqual(iterations[1]!.candidate['work_mem'], prior.value);
  });
});

describe('SessionRunner: early stop', () => {
  const expecting = (improvement: number) => ({ reason: 'model' as const, expected: { improvement, incumbent: 10 } });

  it('stops once three model proposals in a row expect under 1 % of the best score, ends as usual, and says so', async () => {
    const h = await sessionHarness({
      options: { iterations: 8 },
      script: [
        { changes: { work_mem: 16384, random_page_cost: 1.1 } }, // the best: 6 ms
        { changes: { work_mem: 8192 }, ...expecting(0.05) },
        { changes: { work_mem: 12288 }, ...expecting(0.5) }, // a hopeful one resets the count
        { changes: { work_mem: 10240 }, ...expecting(0.05) },
        { changes: { work_mem: 9216 }, ...expecting(0.02) },
        { changes: { work_mem: 11264 }, ...expecting(0.01) },
      ],
    });
    const final = await h.runner.run();
    assert.equal(final.state, 'completed');
    assert.equal(final.result?.converged, true);
    assert.equal(final.result?.final, 'best');
    assert.deepEqual((await h.store.listIterations(SESSION_ID)).map((i) => i.number), [0, 1, 2, 3, 4, 5, 6]);
    const [converged] = (await h.store.listEvents(SESSION_ID)).filter((e) => e.type === 'search_converged');
    assert.deepEqual(converged?.detail, { iteration: 6, expectations: [0.05, 0.02, 0.01].map((improvement) => ({ improvement, incumbent: 10 })) });
  });

  it('a session whose proposals keep expecting gains, or carry no expectation, runs all its iterations', async () => {
    const h = await sessionHarness({
      options: { iterations: 4 },
      script: [{ changes: { work_mem: 8192 } }, { changes: { work_mem: 16384 } }, { changes: { work_mem: 12288 }, ...expecting(0.5) }, { changes: { work_mem: 4096 } }],
    });
    const final = await h.runner.run();
    assert.equal(final.result?.converged, false);
    assert.deepEqual((await h.store.listIterations(SESSION_ID)).map((i) => i.number), [0, 1, 2, 3, 4]);
  });
});
