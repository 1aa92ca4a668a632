/**
 * Approval mode against the fakes, with the fake clock: every configuration waits as a stored
 * pending change until a person decides, and nothing reaches Patroni without an approval. The
 * reviewer acts while the runner waits, in the fake clock's sleep for the approval timeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PendingChangeRecord } from '../../../../src/model/records.js';
import { SessionRequestError } from '../../../../src/tuning/refusal.js';
import { SessionRunner } from '../../../../src/tuning/session/runner.js';
import type { ApprovalDecision } from '../../../../src/tuning/session/types.js';
import { MEMBER_NAMES, RUNNER_SETTINGS, SESSION_ID, sessionHarness, type Harness, type ScriptStep } from './fakes.js';

const TIMEOUT_MS = 3_600_000;

/** What the reviewer does with each pending change, in order: a decision, or nothing until the timeout. */
type Review = ((pending: PendingChangeRecord, h: Harness) => ApprovalDecision | null | Promise<ApprovalDecision | null>) | 'wait';

async function approvalHarness(script: readonly ScriptStep[], reviews: Review[], iterations = script.length) {
  const h = await sessionHarness({ script, options: { iterations, approval: 'each', approvalTimeoutMs: TIMEOUT_MS } });
  const seen: PendingChangeRecord[] = [];
  /** Before every PATCH: nothing is pending, and the change it carries was approved. */
  const unapproved: string[] = [];
  h.cluster.beforePatch = async () => {
    const changes = await h.store.listPendingChanges(SESSION_ID);
    const last = changes.at(-1);
    if (last === undefined || last.status !== 'approved') unapproved.push(JSON.stringify(last?.status ?? 'none'));
  };
  h.clock.onSleep = async (ms) => {
    if (ms !== TIMEOUT_MS) return;
    const pending = h.runner.pendingChange;
    assert.ok(pending, 'the runner waits with a pending change');
    seen.push(pending);
    const review = reviews.shift();
    assert.ok(review !== undefined, `no review scripted for pending change ${pending.id} (${pending.reason})`);
    if (review === 'wait') return;
    const decision = await review(pending, h);
    if (decision !== null) await h.runner.decide(decision);
  };
  return { h, seen, unapproved, reviews };
}

const approve = (by = 'alice'): Review => () => ({ approve: true, by });

describe('SessionRunner in approval mode', () => {
  it('applies each change only after it was approved, the decision recorded before the PATCH', async () => {
    const { h, seen, unapproved } = await approvalHarness(
      // 7.5 ms, then 10 ms (kept, not a regression): the session ends by moving back to the first.
      [{ changes: { work_mem: 16384 }, reason: 'first' }, { changes: { work_mem: 8192 } }],
      [approve(), approve(), approve('bob')],
    );
    const final = await h.runner.run();
    assert.equal(final.state, 'completed');
    assert.equal(final.result?.final, 'best');
    assert.deepEqual(unapproved, []);
    assert.deepEqual(
      seen.map((p) => [p.reason, p.iteration]),
      [
        ['first', 1],
        ['initial', 2],
        ['final_best', null],
      ],
    );
    // What the reviewer saw: differences against the baseline and the best so far, the memory guardrail's numbers.
    const second = seen[1]!;
    assert.deepEqual(second.vsBaseline.work_mem, { from: 4096, to: 8192 });
    assert.deepEqual(second.vsBest.work_mem, { from: 16384, to: 8192 });
    assert.deepEqual(seen[2]!.parameters, { work_mem: seen[0]!.parameters.work_mem });
    assert.equal(second.context.best.iteration, 1);
    assert.ok(second.memory !== null && second.memory.ok && second.memory.boundBytes > 0 && second.memory.limitBytes > second.memory.boundBytes);
    assert.equal(second.expiresAt.getTime() - second.createdAt.getTime(), TIMEOUT_MS);
    const changes = await h.store.listPendingChanges(SESSION_ID);
    assert.deepEqual(changes.map((c) => [c.status, c.decidedBy]), [['approved', 'alice'], ['approved', 'alice'], ['approved', 'bob']]);
    assert.equal(h.cluster.patches.length, 3);
    const types = (await h.store.listEvents(SESSION_ID)).map((e) => e.type);
    assert.equal(types.filter((t) => t === 'approval_requested').length, 3);
    assert.equal(types.filter((t) => t === 'approval_approved').length, 3);
    for (const member of MEMBER_NAMES) assert.equal(h.cluster.valueOn(member, 'work_mem'), 16384);
  });

  it('applies a reviewer’s valid adjustment, and refuses invalid ones with a 400 naming the field', async () => {
    const refusals: string[] = [];
    const refused = async (h: Harness, changes: Record<string, number | string | boolean>) => {
      await assert.rejects(h.runner.decide({ approve: true, by: 'alice', changes }), (error) => {
        assert.ok(error instanceof SessionRequestError);
        assert.equal(error.code, 'invalid_changes');
        refusals.push(error.message);
        return true;
      });
    };
    const { h, unapproved } = await approvalHarness(
      [{ changes: { work_mem: 8192 }, reason: 'first' }],
      [
        async (_pending, h) => {
          await refused(h, { work_mem: 2 ** 31 });
          await refused(h, { fsync: false });
          await refused(h, { random_page_cost: 0.5, seq_page_cost: 1 });
          // Still pending after the refusals.
          assert.equal((await h.store.getPendingChange(SESSION_ID))?.status, 'pending');
          return { approve: true, by: 'alice', changes: { work_mem: 16384 } };
        },
        approve(),
      ],
    );
    const final = await h.runner.run();
    assert.equal(final.state, 'completed');
    assert.deepEqual(unapproved, []);
    assert.match(refusals[0]!, /^body\/changes\/work_mem: /);
    assert.match(refusals[1]!, /^body\/changes\/fsync: is not a knob this session tunes/);
    assert.match(refusals[2]!, /^body\/changes\/(random_page_cost|seq_page_cost): /);
    const [, first] = await h.store.listIterations(SESSION_ID);
    assert.equal(first!.candidate.work_mem, 16384);
    assert.equal(first!.state, 'measured');
    const decided = (await h.store.listPendingChanges(SESSION_ID))[0]!;
    assert.deepEqual(decided.changes, { work_mem: 16384 });
    const approvedEvent = (await h.store.listEvents(SESSION_ID)).find((e) => e.type === 'approval_approved');
    assert.deepEqual(approvedEvent?.detail.changes, { work_mem: 16384 });
  });

  it('records a rejected candidate as a failed point the optimizer moves on from; nothing of it is sent', async () => {
    const { h, unapproved } = await approvalHarness(
      [{ changes: { work_mem: 8192 }, reason: 'first' }, { changes: { work_mem: 16384 } }],
      [() => ({ approve: false, by: 'bob', reason: 'not before the batch run' }), approve(), approve()],
    );
    const final = await h.runner.run();
    assert.equal(final.state, 'completed');
    assert.deepEqual(unapproved, []);
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(iterations.map((i) => `${i.number}:${i.state}`), ['0:measured', '1:rejected', '2:measured']);
    assert.deepEqual(iterations[1]!.verdicts.at(-1), { guardrail: 'approval', ok: false, detail: 'rejected by bob: not before the batch run' });
    assert.equal(h.optimizerCalls[1]!.history.at(-1)!.score, null);
    assert.equal(h.optimizerCalls[1]!.history.at(-1)!.config.work_mem, 8192);
    assert.ok(h.cluster.patches.every((p) => p.body.postgresql?.parameters?.work_mem !== '8192kB' && p.body.postgresql?.parameters?.work_mem !== '8MB'));
    const rejected = (await h.store.listEvents(SESSION_ID)).find((e) => e.type === 'approval_rejected');
    assert.equal(rejected?.detail.by, 'bob');
  });

  it('drops a change not decided in time and proposes the return to the baseline instead', async () => {
    const { h, seen, unapproved } = await approvalHarness(
      [{ changes: { work_mem: 8192 }, reason: 'first' }, { changes: { work_mem: 16384 } }],
      [approve(), 'wait', approve('carol')],
    );
    const final = await h.runner.run();
    assert.deepEqual(unapproved, []);
    assert.deepEqual(seen.map((p) => p.reason), ['first', 'initial', 'revert_to_baseline']);
    const changes = await h.store.listPendingChanges(SESSION_ID);
    assert.deepEqual(changes.map((c) => c.status), ['approved', 'expired', 'approved']);
    assert.equal(changes[2]!.replaces, changes[1]!.id);
    assert.equal(final.state, 'stopped');
    assert.equal(final.result?.final, 'baseline');
    assert.match(final.reason ?? '', /was not decided within 3600000 ms; the baseline was restored with approval/);
    for (const member of MEMBER_NAMES) assert.equal(h.cluster.valueOn(member, 'work_mem'), 4096);
    // The expired candidate was never sent.
    assert.equal(h.cluster.patches.length, 2);
    assert.equal((await h.store.listIterations(SESSION_ID)).at(-1)!.state, 'rejected');
  });

  it('keeps the configuration in force when the return to the baseline is not decided either', async () => {
    const { h, unapproved } = await approvalHarness(
      [{ changes: { work_mem: 8192 }, reason: 'first' }, { changes: { work_mem: 16384 } }],
      [approve(), 'wait', 'wait'],
    );
    const final = await h.runner.run();
    assert.deepEqual(unapproved, []);
    assert.equal(final.state, 'stopped');
    assert.equal(final.result?.final, 'best');
    assert.equal(h.cluster.patches.length, 1);
    assert.deepEqual((await h.store.listPendingChanges(SESSION_ID)).map((c) => c.status), ['approved', 'expired', 'expired']);
    for (const member of MEMBER_NAMES) assert.equal(h.cluster.valueOn(member, 'work_mem'), 8192);
  });

  it('a stop while a candidate is pending drops it; the session ends on its best configuration', async () => {
    const { h, unapproved } = await approvalHarness(
      [{ changes: { work_mem: 16384 }, reason: 'first' }, { changes: { work_mem: 8192 } }],
      [
        approve(),
        (_pending, h) => {
          h.runner.requestStop('stopped by alice');
          return null;
        },
      ],
    );
    const final = await h.runner.run();
    assert.deepEqual(unapproved, []);
    assert.equal(final.state, 'stopped');
    assert.equal(final.result?.final, 'best');
    assert.deepEqual((await h.store.listPendingChanges(SESSION_ID)).map((c) => c.status), ['approved', 'dropped']);
    assert.equal(h.cluster.patches.length, 1);
    assert.equal((await h.store.listIterations(SESSION_ID))[2]!.state, 'failed');
  });

  it('a halt while a change is pending drops it; nothing is sent and the session halts', async () => {
    const { h } = await approvalHarness(
      [{ changes: { work_mem: 8192 }, reason: 'first' }],
      [
        (_pending, h) => {
          h.runner.halt('topology changed: leader_changed');
          return null;
        },
      ],
    );
    const final = await h.runner.run();
    assert.equal(final.state, 'halted');
    // An approval after the halt finds nothing to approve.
    await assert.rejects(h.runner.decide({ approve: true, by: 'alice' }), (error) => error instanceof SessionRequestError && error.code === 'no_pending_change');
    assert.equal(h.cluster.patches.length, 0);
    assert.deepEqual((await h.store.listPendingChanges(SESSION_ID)).map((c) => c.status), ['dropped']);
    assert.equal(await h.store.getPendingChange(SESSION_ID), null);
  });
});

describe('SessionRunner in approval mode across an agent restart', () => {
  it('keeps the pending change in the store; the restarted runner waits again and applies it only once approved', async () => {
    const { h, unapproved, reviews } = await approvalHarness(
      [{ changes: { work_mem: 16384 }, reason: 'first' }, { changes: { work_mem: 8192 } }],
      [
        (_pending, h) => {
          // The agent shuts down while the first candidate waits.
          h.runner.halt('the agent is stopping', { abandon: true });
          return null;
        },
      ],
    );
    const abandoned = await h.runner.run();
    assert.equal(abandoned.state, 'running');
    assert.equal(h.cluster.patches.length, 0);
    const stored = await h.store.getPendingChange(SESSION_ID);
    assert.ok(stored, 'the pending change survives the shutdown');
    assert.equal(stored.reason, 'first');
    assert.equal(stored.iteration, 1);

    // The fake sleep ran to the deadline before the halt landed: the restart happens a minute after
    // the change was stored instead, so 59 minutes are left to decide.
    h.clock.stepWall(-(TIMEOUT_MS - 60_000));
    // The restarted agent's runner, on the same store and cluster.
    const restarted = new SessionRunner(h.ports, RUNNER_SETTINGS, (await h.store.getSession(SESSION_ID))!);
    let waitedAgain = false;
    reviews.push(
      async (pending) => {
        waitedAgain = true;
        assert.equal(pending.id, stored.id);
        // Nothing was sent while it waited across the restart.
        assert.equal(h.cluster.patches.length, 0);
        return { approve: true, by: 'alice' };
      },
      approve(),
      approve(),
    );
    h.clock.onSleep = async (ms) => {
      if (ms !== TIMEOUT_MS - 60_000 && ms !== TIMEOUT_MS) return;
      const pending = restarted.pendingChange;
      assert.ok(pending);
      const review = reviews.shift();
      assert.ok(review !== undefined && review !== 'wait');
      const decision = await review(pending, h);
      if (decision !== null) await restarted.decide(decision);
    };
    const final = await restarted.resume(stored);
    assert.ok(waitedAgain);
    assert.equal(final.state, 'completed');
    assert.deepEqual(unapproved, []);
    const iterations = await h.store.listIterations(SESSION_ID);
    assert.deepEqual(iterations.map((i) => `${i.number}:${i.state}`), ['0:measured', '1:measured', '2:measured']);
    assert.equal(iterations[1]!.candidate.work_mem, 16384);
    // Windows after the restart are still compared with the baseline window, statement by statement.
    assert.ok(iterations[1]!.measurement?.comparison != null && iterations[2]!.measurement?.comparison != null);
    assert.deepEqual(stored.context.referenceStatements !== null && Object.keys(stored.context.referenceStatements), ['workload']);
    // The restarted runner took the stored candidate; the optimizer was asked only for iteration 2.
    assert.equal(h.optimizerCalls.length, 2);
    assert.deepEqual((await h.store.listPendingChanges(SESSION_ID)).map((c) => [c.reason, c.status]), [
      ['first', 'approved'],
      ['initial', 'approved'],
      ['final_best', 'approved'],
    ]);
    assert.ok((await h.store.listEvents(SESSION_ID)).some((e) => e.type === 'session_resumed'));
  });
});
