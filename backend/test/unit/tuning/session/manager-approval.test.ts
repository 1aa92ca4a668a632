/**
 * Approval mode through the SessionManager: decisions taken through the manager and as forwarded
 * commands, and an agent restart while a change waits (the restarted agent resumes the wait instead
 * of aborting the session).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionRequestError } from '../../../../src/tuning/refusal.js';
import { SESSION_OPTIONS } from './fakes.js';
import { managerHarness, REQUEST, SCOPE, turn, waitFor, type ManagerHarness } from './manager-support.js';

const TIMEOUT_MS = 600_000;
const APPROVAL = { ...REQUEST, approval: 'each' as const, approvalTimeoutMs: TIMEOUT_MS };

/** Holds the approval timeout's sleep until the test lets it go: the change waits as long as the test needs. */
function holdApprovalWaits(h: ManagerHarness): { release(): void } {
  const held: Array<() => void> = [];
  // Warm-ups, measurement windows and verification polls are far shorter than a minute.
  h.clock.onSleep = (ms) => (ms >= 60_000 ? new Promise<void>((resolve) => held.push(resolve)) : undefined);
  return { release: () => held.splice(0).forEach((resolve) => resolve()) };
}

describe('SessionManager in approval mode', () => {
  it('takes decisions for the running session; a PATCH follows only an approval', async () => {
    const h = await managerHarness();
    const hold = holdApprovalWaits(h);
    const session = await h.manager.start(APPROVAL);
    await waitFor(() => h.manager.pendingChange !== null, 'the first candidate waits');
    assert.equal(h.cluster.patches.length, 0);
    await assert.rejects(h.manager.decide('another-session', { approve: true, by: 'alice' }), (e) => e instanceof SessionRequestError && e.code === 'no_pending_change');

    const first = h.manager.pendingChange!;
    await h.manager.decide(session.id, { approve: false, by: 'bob', reason: 'not now' });
    hold.release();
    await waitFor(() => h.manager.pendingChange !== null && h.manager.pendingChange.id !== first.id, 'the second candidate waits');
    assert.equal(h.cluster.patches.length, 0, 'a rejected candidate is never sent');
    await h.manager.decide(session.id, { approve: true, by: 'alice' });
    hold.release();
    await waitFor(() => h.cluster.patches.length === 1, 'the approved candidate is sent');
    await h.manager.close();
  });

  it('executes approve and reject commands other agents recorded', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const h = await managerHarness();
    const hold = holdApprovalWaits(h);
    const session = await h.manager.start(APPROVAL);
    await waitFor(() => h.manager.pendingChange !== null, 'the first candidate waits');
    const createdAt = new Date(h.clock.now());
    const expiresAt = new Date(h.clock.now() + 60_000);
    await h.store.insertCommand({ id: 'cmd-approve', kind: 'approve', scope: SCOPE, sessionId: session.id, payload: { by: 'carol', changes: { work_mem: 16384 } }, receivedBy: 'node2', createdAt, expiresAt });
    h.manager.startCommandLoop();
    t.mock.timers.tick(60_000);
    await waitFor(async () => (await h.store.getCommand('cmd-approve'))?.status === 'done', 'the command is executed');
    const decided = (await h.store.listPendingChanges(session.id))[0]!;
    assert.deepEqual([decided.status, decided.decidedBy, decided.changes], ['approved', 'carol', { work_mem: 16384 }]);
    hold.release();
    await waitFor(() => h.cluster.patches.length === 1, 'the approved candidate is sent');
    assert.equal(h.cluster.valueOn('node1', 'work_mem'), 16384);
    await h.manager.close();
  });

  it('after an agent restart, the session waits again for the stored change instead of being aborted', async () => {
    const before = await managerHarness();
    holdApprovalWaits(before);
    const session = await before.manager.start(APPROVAL);
    await waitFor(() => before.manager.pendingChange !== null, 'the first candidate waits');
    const stored = before.manager.pendingChange!;
    await before.manager.close();
    assert.equal((await before.store.getSession(session.id))?.state, 'running');
    assert.equal((await before.store.getPendingChange(session.id))?.id, stored.id);

    // The fake sleep ran to the deadline before the shutdown landed: the restart happens a minute
    // after the change was stored instead.
    before.clock.stepWall(-(TIMEOUT_MS - 60_000));
    const after = await managerHarness({ restartOf: before, poll: false });
    holdApprovalWaits(after);
    await after.poll();
    await waitFor(() => after.manager.pendingChange?.id === stored.id, 'the restarted agent waits for the same change');
    await turn();
    assert.equal((await after.store.getSession(session.id))?.state, 'running', 'not aborted');
    assert.equal(after.cluster.patches.length, 0, 'nothing sent across the restart');
    await after.manager.decide(session.id, { approve: true, by: 'alice' });
    await waitFor(() => after.cluster.patches.length === 1, 'applied once approved');
    await after.manager.close();
  });
});

describe('SessionManager in approval mode: a session whose runner is gone', () => {
  it('halted by the failover protocol (its executor no longer leads): its pending change is dropped, never applied', async () => {
    const h = await managerHarness({ poll: false });
    await h.store.createSession({ id: 'orphan', scope: SCOPE, options: { ...SESSION_OPTIONS, approval: 'each' }, executor: 'node3' });
    await h.store.updateSession('orphan', { state: 'running' });
    const at = new Date(h.clock.now());
    await h.store.insertPendingChange({
      sessionId: 'orphan',
      iteration: 1,
      reason: 'model',
      replaces: null,
      configuration: { work_mem: 16384 },
      parameters: { work_mem: '16MB' },
      vsBaseline: {},
      vsBest: {},
      memory: null,
      prediction: null,
      context: { current: {}, best: { configuration: {}, score: 1, iteration: 0 }, baselineScore: 1, timeline: 1, ending: false, sent: false, verified: true, unconfirmed: false, objective: 'mean_query_time', referenceStatements: null },
      createdAt: at,
      expiresAt: new Date(at.getTime() + TIMEOUT_MS),
    });
    await h.poll();
    await waitFor(async () => (await h.store.getSession('orphan'))?.state === 'halted', 'the orphan is halted');
    assert.equal(await h.store.getPendingChange('orphan'), null);
    const [dropped] = await h.store.listPendingChanges('orphan');
    assert.deepEqual([dropped!.status, dropped!.decidedBy], ['dropped', 'tuner']);
    assert.match(dropped!.decisionReason ?? '', /^the session was halted: /);
    assert.ok((await h.store.listEvents('orphan')).some((e) => e.type === 'approval_dropped'));
    assert.equal(h.cluster.patches.length, 0);
    await h.manager.close();
  });
});
