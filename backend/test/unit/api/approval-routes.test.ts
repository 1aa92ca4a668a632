/**
 * Approval mode's routes: GET …/pending, POST …/pending/approve and …/pending/reject, and the start
 * options approval and approvalTimeout, over a SessionService stand-in that records what it is asked.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { buildApp } from '../../../src/api/app.js';
import { AgentMetrics } from '../../../src/metrics/registry.js';
import { ClusterWatcher } from '../../../src/observer/cluster-watcher.js';
import type { CommandRecord, PendingChangeRecord, SessionRecord } from '../../../src/model/records.js';
import type { Recommendation } from '../../../src/tuning/recommendation.js';
import { SessionRequestError } from '../../../src/tuning/refusal.js';
import type { ApprovalDecision, DecisionOutcome, SessionApi, StartRequest } from '../../../src/tuning/session/types.js';
import { scrapeOf } from '../metrics/scrapes.js';
import { FakePatroni, FakePostgres } from '../observer/fakes.js';

const SESSION = '11111111-1111-4111-8111-111111111111';
const TOKEN = 'secret-token';
const AT = new Date('2026-12-04T18:00:00.000Z');

const PENDING: PendingChangeRecord = {
  id: 3,
  sessionId: SESSION,
  iteration: 2,
  reason: 'model',
  replaces: null,
  configuration: { work_mem: 16384 },
  parameters: { work_mem: '16MB' },
  vsBaseline: { work_mem: { from: 4096, to: 16384 } },
  vsBest: {},
  memory: { ok: true, detail: 'fits', boundBytes: 1, limitBytes: 2, hostMemoryBytes: 3, boundBy: 'member node2' },
  prediction: { score: 6.1, sd: 0.4 },
  context: { current: {}, best: { configuration: {}, score: 10, iteration: 0 }, baselineScore: 10, timeline: 1, ending: false, sent: false, verified: true, unconfirmed: false, objective: 'mean_query_time', referenceStatements: null },
  createdAt: AT,
  expiresAt: new Date(AT.getTime() + 3_600_000),
  status: 'pending',
  decidedBy: null,
  decidedAt: null,
  changes: null,
  decisionReason: null,
};

const COMMAND = (kind: CommandRecord['kind']): CommandRecord => ({
  id: 'c1',
  scope: 'demo',
  kind,
  sessionId: SESSION,
  payload: {},
  receivedBy: 'node2',
  status: 'pending',
  createdAt: AT,
  expiresAt: new Date(AT.getTime() + 60_000),
  result: null,
  handledBy: null,
  handledAt: null,
});

const SESSION_RECORD = (request: StartRequest): SessionRecord => ({
  id: SESSION,
  scope: 'demo',
  state: 'pending',
  options: { iterations: 30, iterationSeconds: 120, warmupSeconds: 30, objective: 'mean_query_time', knobs: [], seed: 1, ...request },
  executor: 'node1',
  createdAt: AT,
  updatedAt: AT,
  endedAt: null,
  result: null,
  reason: null,
});

const PGTUNE: Recommendation = {
  source: 'pgtune',
  measuredIn: null,
  parameters: { work_mem: '16MB' },
  patronictl: { command: 'patronictl edit-config demo -p work_mem=16MB', yaml: 'postgresql:\n  parameters:\n    work_mem: 16MB\n' },
  patch: { postgresql: { parameters: { work_mem: '16MB' } } },
  notes: [],
};

interface Calls {
  decisions: Array<{ sessionId: string; decision: ApprovalDecision }>;
  starts: StartRequest[];
}

function rig(t: TestContext, options: { leader?: boolean; pending?: boolean; refuse?: SessionRequestError } = {}) {
  const calls: Calls = { decisions: [], starts: [] };
  const sessions = {
    pendingChange: async (id: string) => {
      if (options.pending === false) throw new SessionRequestError('no_pending_change', `session ${id} has no change awaiting approval`);
      return PENDING;
    },
    decide: async (sessionId: string, decision: ApprovalDecision): Promise<DecisionOutcome> => {
      calls.decisions.push({ sessionId, decision });
      if (options.refuse) throw options.refuse;
      if (options.leader === false) return { executed: false, command: COMMAND(decision.approve ? 'approve' : 'reject'), leader: 'node1' };
      return { executed: true, pendingChange: { ...PENDING, status: decision.approve ? 'approved' : 'rejected', decidedBy: decision.by } };
    },
    start: async (request: StartRequest) => {
      calls.starts.push(request);
      return { executed: true, session: SESSION_RECORD(request) };
    },
  } as unknown as SessionApi;
  const watcher = new ClusterWatcher({ patroni: new FakePatroni({}, {}), postgres: new FakePostgres(), patroniUrl: 'http://127.0.0.1:8008', pollIntervalMs: 1000 });
  const app = buildApp({
    watcher,
    metrics: new AgentMetrics(async () => scrapeOf(watcher)),
    tuning: {
      sessions,
      apiToken: TOKEN,
      drift: () => null,
      knobNames: async () => ({ tunable: new Set(['work_mem']), excluded: new Map() }),
      knobs: async () => ({ host: null, tunable: [], excluded: [] }) as never,
      detectedHalt: () => null,
      recommendation: async () => ({ pgtune: PGTUNE, bestMeasured: null }),
    },
  });
  t.after(() => app.close());
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object, headers: { authorization: `Bearer ${TOKEN}` } });
  return { app, calls, post };
}

const approveUrl = `/api/v1/sessions/${SESSION}/pending/approve`;
const rejectUrl = `/api/v1/sessions/${SESSION}/pending/reject`;

describe('GET /api/v1/sessions/:id/pending', () => {
  it('answers the pending change, or 404 no_pending_change', async (t) => {
    const found = await rig(t).app.inject({ method: 'GET', url: `/api/v1/sessions/${SESSION}/pending` });
    assert.equal(found.statusCode, 200);
    assert.equal(found.json().pendingChange.id, 3);
    assert.deepEqual(found.json().pendingChange.prediction, { score: 6.1, sd: 0.4 });
    const missing = await rig(t, { pending: false }).app.inject({ method: 'GET', url: `/api/v1/sessions/${SESSION}/pending` });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'no_pending_change');
  });
});

describe('POST /api/v1/sessions/:id/pending/approve and /reject', () => {
  it('approves with who and the adjusted values; rejects with who and why', async (t) => {
    const { calls, post } = rig(t);
    const approved = await post(approveUrl, { by: 'alice', changes: { work_mem: 8192 } });
    assert.equal(approved.statusCode, 200);
    assert.equal(approved.json().pendingChange.status, 'approved');
    const rejected = await post(rejectUrl, { by: 'bob', reason: 'not during the batch' });
    assert.equal(rejected.statusCode, 200);
    assert.deepEqual(calls.decisions, [
      { sessionId: SESSION, decision: { approve: true, by: 'alice', changes: { work_mem: 8192 } } },
      { sessionId: SESSION, decision: { approve: false, by: 'bob', reason: 'not during the batch' } },
    ]);
  });

  it('on a replica, answers 202 with the command forwarded to the leader', async (t) => {
    const response = await rig(t, { leader: false }).post(rejectUrl, { by: 'bob' });
    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json(), { command: { ...COMMAND('reject'), createdAt: AT.toISOString(), expiresAt: new Date(AT.getTime() + 60_000).toISOString() }, leader: 'node1' });
  });

  it('refuses a body without `by`, with unknown fields or non-scalar values, naming the field; needs the token', async (t) => {
    const { app, calls, post } = rig(t);
    const cases: Array<[unknown, RegExp]> = [
      [{}, /body must have required property 'by'/],
      [{ by: 'alice', colour: 'red' }, /body\/colour is not allowed/],
      [{ by: 'alice', changes: { work_mem: { value: 1 } } }, /body\/changes\/work_mem/],
      [{ by: ' ' }, /body\/by must match pattern/],
    ];
    for (const [payload, message] of cases) {
      const response = await post(approveUrl, payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.match(response.json().error.message, message);
    }
    const anonymous = await app.inject({ method: 'POST', url: approveUrl, payload: { by: 'alice' } });
    assert.equal(anonymous.statusCode, 401);
    assert.deepEqual(calls.decisions, []);
  });

  it('answers the runner’s 400 for refused values with the field it names', async (t) => {
    const refuse = new SessionRequestError('invalid_changes', 'body/changes/work_mem: work_mem: 99999999 is above the search range');
    const response = await rig(t, { refuse }).post(approveUrl, { by: 'alice', changes: { work_mem: 99999999 } });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json().error, { code: 'invalid_changes', message: refuse.message });
  });
});

describe('POST /api/v1/sessions: approval options', () => {
  it('takes approval and approvalTimeout in ms or as a duration; refuses a malformed or out-of-range timeout', async (t) => {
    const { calls, post } = rig(t);
    assert.equal((await post('/api/v1/sessions', { approval: 'each', approvalTimeout: '30m' })).statusCode, 201);
    assert.equal((await post('/api/v1/sessions', { approval: 'each', approvalTimeout: 90_000 })).statusCode, 201);
    assert.deepEqual(calls.starts, [
      { approval: 'each', approvalTimeoutMs: 1_800_000 },
      { approval: 'each', approvalTimeoutMs: 90_000 },
    ]);
    for (const approvalTimeout of ['5x', 500, '8d', '200h']) {
      const response = await post('/api/v1/sessions', { approval: 'each', approvalTimeout });
      assert.equal(response.statusCode, 400, String(approvalTimeout));
      assert.match(response.json().error.message, /body\/approvalTimeout/);
    }
    assert.equal((await post('/api/v1/sessions', { approval: 'always' })).statusCode, 400);
    assert.equal(calls.starts.length, 2);
  });
});

describe('GET /api/v1/recommendation', () => {
  it('answers PGTune\'s advice and the best measured configuration (none yet), without a token', async (t) => {
    const response = await rig(t).app.inject({ method: 'GET', url: '/api/v1/recommendation' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { pgtune: PGTUNE, bestMeasured: null });
  });
});
