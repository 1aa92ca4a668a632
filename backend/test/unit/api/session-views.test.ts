/**
 * GET /api/v1/sessions[/:id] add `detectedHalt` to each session: what this agent saw halted before
 * the record says so (the record stays as stored), null otherwise; and every time on the wire is ISO.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { buildApp } from '../../../src/api/app.js';
import { commandView, eventView } from '../../../src/api/session-views.js';
import { AgentMetrics } from '../../../src/metrics/registry.js';
import { ClusterWatcher } from '../../../src/observer/cluster-watcher.js';
import type { SessionRecord } from '../../../src/model/records.js';
import type { SessionApi, SessionDetail } from '../../../src/tuning/session/types.js';
import { scrapeOf } from '../metrics/scrapes.js';
import { FakePatroni, FakePostgres } from '../observer/fakes.js';

const SEEN_AT = Date.parse('2026-12-04T18:00:01.250Z');
const REASON = "the leader is unreachable: node1's PostgreSQL is unknown";

function record(id: string, state: SessionRecord['state']): SessionRecord {
  const at = new Date('2026-12-04T18:00:00.000Z');
  return {
    id,
    scope: 'lab',
    state,
    options: { iterations: 2, iterationSeconds: 1, warmupSeconds: 0, objective: 'mean_query_time', knobs: [], seed: 1 },
    executor: 'node1',
    createdAt: at,
    updatedAt: at,
    endedAt: null,
    result: null,
    reason: null,
  };
}

function rig(t: TestContext) {
  const running = record('11111111-1111-4111-8111-111111111111', 'running');
  const done = record('22222222-2222-4222-8222-222222222222', 'completed');
  const detail = (session: SessionRecord): SessionDetail => ({
    session,
    baseline: null,
    autoconfRemovals: [],
    iterations: [],
    patches: [],
    events: [],
    failover: null,
    pendingChanges: [],
  });
  const sessions = {
    list: async () => [running, done],
    get: async (id: string) => detail(id === running.id ? running : done),
  } as unknown as SessionApi;
  const watcher = new ClusterWatcher({ patroni: new FakePatroni({}, {}), postgres: new FakePostgres(), patroniUrl: 'http://127.0.0.1:8008', pollIntervalMs: 1000 });
  const app = buildApp({
    watcher,
    metrics: new AgentMetrics(async () => scrapeOf(watcher)),
    tuning: {
      sessions,
      apiToken: null,
      drift: () => null,
      knobNames: async () => ({ tunable: new Set(), excluded: new Map() }),
      knobs: async () => ({ host: null, tunable: [], excluded: [] }) as never,
      detectedHalt: (session) => (session.id === running.id ? { at: SEEN_AT, reason: REASON, recorded: false } : null),
    },
  });
  t.after(() => app.close());
  return { app, running, done };
}

describe('session views: detectedHalt', () => {
  it('the list shows the detected halt on the session still recorded as running, null on the others', async (t) => {
    const { app, running, done } = rig(t);
    const response = await app.inject({ method: 'GET', url: '/api/v1/sessions' });
    assert.equal(response.statusCode, 200);
    const { sessions } = response.json() as { sessions: Array<{ id: string; state: string; detectedHalt: unknown }> };
    assert.deepEqual(
      sessions.map((s) => [s.id, s.state, s.detectedHalt]),
      [
        [running.id, 'running', { at: '2026-12-04T18:00:01.250Z', reason: REASON, recorded: false }],
        [done.id, 'completed', null],
      ],
    );
  });

  it('one session shows it on `session`, the rest of the detail unchanged', async (t) => {
    const { app, running } = rig(t);
    const response = await app.inject({ method: 'GET', url: `/api/v1/sessions/${running.id}` });
    assert.equal(response.statusCode, 200);
    const body = response.json() as { session: { state: string; detectedHalt: unknown }; failover: unknown; iterations: unknown[] };
    assert.equal(body.session.state, 'running');
    assert.deepEqual(body.session.detectedHalt, { at: '2026-12-04T18:00:01.250Z', reason: REASON, recorded: false });
    assert.equal(body.failover, null);
    assert.deepEqual(body.iterations, []);
  });
});

describe('session views: one time format', () => {
  it("a failover event's epoch times are ISO strings on the wire, the rest of its detail as recorded", () => {
    const at = new Date('2026-12-04T18:00:00.000Z');
    const restoreFailed = eventView({
      id: 7,
      sessionId: 's-1',
      at,
      type: 'failover_restore_failed',
      member: 'node2',
      detail: { attempt: 2, error: 'Patroni refused', failures: 2, backoffMs: 2000, retryAt: at.getTime() + 2000 },
    });
    assert.deepEqual(restoreFailed, {
      id: 7,
      sessionId: 's-1',
      at: '2026-12-04T18:00:00.000Z',
      type: 'failover_restore_failed',
      member: 'node2',
      detail: { attempt: 2, error: 'Patroni refused', failures: 2, backoffMs: 2000, retryAt: '2026-12-04T18:00:02.000Z' },
    });
    const halted = eventView({
      id: 8,
      sessionId: 's-1',
      at,
      type: 'failover_phase_changed',
      member: null,
      detail: { to: 'halted', phaseEndsAt: null, halt: { at: at.getTime(), changedAt: at.getTime() - 500, reason: 'leader_changed', detectionLatencyMs: 500 } },
    });
    assert.deepEqual(halted.detail, {
      to: 'halted',
      phaseEndsAt: null,
      halt: { at: '2026-12-04T18:00:00.000Z', changedAt: '2026-12-04T17:59:59.500Z', reason: 'leader_changed', detectionLatencyMs: 500 },
    });
  });

  it("an executed acknowledgement's time in a command's result is an ISO string", () => {
    const at = new Date('2026-12-04T18:00:00.000Z');
    const command = commandView({
      id: 'c-1',
      kind: 'acknowledge',
      scope: 'lab',
      sessionId: 's-1',
      payload: { by: 'alice', force: false },
      receivedBy: 'node2',
      createdAt: at,
      expiresAt: at,
      status: 'done',
      result: { sessionId: 's-1', acknowledgement: { by: 'alice', at: at.getTime(), forced: false, unresolved: null } },
      handledBy: 'node1',
      handledAt: at,
    });
    assert.deepEqual(command.result, { sessionId: 's-1', acknowledgement: { by: 'alice', at: '2026-12-04T18:00:00.000Z', forced: false, unresolved: null } });
  });
});
