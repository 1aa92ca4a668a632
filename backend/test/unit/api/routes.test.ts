/**
 * Every route of the API through `inject`, against a fake SessionApi: each status each route can
 * answer. /healthz, /metrics and /api/v1/cluster are driven by the watcher and tested in app.test.ts;
 * /api/v1/openapi.json in openapi.test.ts; the first test here keeps the list of routes and the routes
 * tested in step.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import type { DriftReport } from '../../../src/drift/report.js';
import { AgentMetrics } from '../../../src/metrics/registry.js';
import { ClusterWatcher } from '../../../src/observer/cluster-watcher.js';
import type { CommandRecord, PendingChangeRecord, SessionRecord } from '../../../src/model/records.js';
import { startFailover } from '../../../src/tuning/failover/index.js';
import { buildKnobCatalogue } from '../../../src/tuning/knobs/index.js';
import type { FailoverState } from '../../../src/tuning/failover/index.js';
import { SessionRequestError } from '../../../src/tuning/refusal.js';
import type { AcknowledgeOutcome, ApprovalDecision, DecisionOutcome, RequestOutcome, SessionApi, SessionDetail, StartRequest } from '../../../src/tuning/session/types.js';
import { scrapeOf } from '../metrics/scrapes.js';
import { FakePatroni, FakePostgres } from '../observer/fakes.js';
import { settings15 } from '../tuning/knobs/fixtures.js';

const TOKEN = 'secret-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const S1 = '11111111-1111-4111-8111-111111111111';
const C1 = '33333333-3333-4333-8333-333333333333';
const UNKNOWN = '99999999-9999-4999-8999-999999999999';
const AT = new Date('2026-12-05T07:00:00.000Z');

function sessionRecord(state: SessionRecord['state'] = 'running'): SessionRecord {
  return {
    id: S1,
    scope: 'lab',
    state,
    options: { iterations: 2, iterationSeconds: 1, warmupSeconds: 0, objective: 'mean_query_time', knobs: [], seed: 1 },
    executor: 'node1',
    createdAt: AT,
    updatedAt: AT,
    endedAt: null,
    result: null,
    reason: null,
  };
}

function commandRecord(kind: CommandRecord['kind'], payload: Record<string, unknown>): CommandRecord {
  return {
    id: C1,
    kind,
    scope: 'lab',
    sessionId: kind === 'start' ? null : S1,
    payload,
    receivedBy: 'node2',
    createdAt: AT,
    expiresAt: new Date(AT.getTime() + 60_000),
    status: 'pending',
    result: null,
    handledBy: null,
    handledAt: null,
  };
}

function acknowledgedFailover(by: string, forced: boolean): FailoverState {
  const halted = startFailover({ sessionId: S1, haltedAt: AT.getTime(), reason: 'topology changed: leader_changed' }).state;
  return { ...halted, phase: 'acknowledged', acknowledgement: { by, at: AT.getTime() + 1000, forced, unresolved: null } };
}

/**
 * A SessionApi that executes here (`leader` null) or forwards to `leader`, knows the sessions and
 * commands put into it, refuses with `refusal` when set, and records every call.
 */
class FakeSessions implements SessionApi {
  readonly sessions = new Map<string, SessionRecord>([[S1, sessionRecord()]]);
  readonly commands = new Map<string, CommandRecord>();
  leader: string | null = null;
  refusal: SessionRequestError | null = null;
  readonly calls: unknown[][] = [];

  async list(): Promise<SessionRecord[]> {
    this.#refuse('list');
    return [...this.sessions.values()];
  }

  async get(sessionId: string): Promise<SessionDetail> {
    this.#refuse('get', sessionId);
    const session = this.#session(sessionId);
    return { session, baseline: null, autoconfRemovals: [], iterations: [], patches: [], events: [], failover: null, pendingChanges: [] };
  }

  async start(request: StartRequest): Promise<RequestOutcome> {
    this.#refuse('start', request);
    if (this.leader !== null) return { executed: false, command: commandRecord('start', { ...request }), leader: this.leader };
    return { executed: true, session: { ...sessionRecord('pending'), options: { ...sessionRecord().options, ...request } } };
  }

  async stop(sessionId: string): Promise<RequestOutcome> {
    this.#refuse('stop', sessionId);
    if (this.leader !== null) return { executed: false, command: commandRecord('stop', {}), leader: this.leader };
    return { executed: true, session: this.#session(sessionId) };
  }

  async acknowledge(sessionId: string, by: string, options: { force?: boolean } = {}): Promise<AcknowledgeOutcome> {
    this.#refuse('acknowledge', sessionId, by, options);
    const force = options.force === true;
    if (this.leader !== null) return { executed: false, command: commandRecord('acknowledge', { by, force }), leader: this.leader };
    const session = { ...this.#session(sessionId), state: 'acknowledged' as const };
    return { executed: true, session, failover: acknowledgedFailover(by, force) };
  }

  async command(commandId: string): Promise<CommandRecord> {
    this.#refuse('command', commandId);
    const command = this.commands.get(commandId);
    if (!command) throw new SessionRequestError('command_not_found', `no command ${commandId}`);
    return command;
  }

  // Approval mode's routes are tested in approval-routes.test.ts; here they only refuse.
  async pendingChange(sessionId: string): Promise<PendingChangeRecord> {
    this.#refuse('pendingChange', sessionId);
    throw new SessionRequestError('no_pending_change', `session ${sessionId} has no change awaiting approval`);
  }

  async decide(sessionId: string, decision: ApprovalDecision): Promise<DecisionOutcome> {
    this.#refuse('decide', sessionId, decision);
    throw new SessionRequestError('no_pending_change', `session ${sessionId} has no change awaiting approval`);
  }

  #refuse(...call: unknown[]): void {
    this.calls.push(call);
    if (this.refusal) throw this.refusal;
  }

  #session(sessionId: string): SessionRecord {
    const session = this.sessions.get(sessionId);
    if (!session) throw new SessionRequestError('session_not_found', `no session ${sessionId}`);
    return session;
  }
}

/** The knob catalogue of a recorded PostgreSQL 15 on a 4 GiB, 2-CPU SSD host. */
const CATALOGUE = {
  ...buildKnobCatalogue(settings15(), { memoryBytes: 4 * 1024 ** 3, cpus: 2, storage: 'ssd' }),
  storageInference: { kind: 'ssd' as const, source: 'setting' as const, reason: 'TUNER_STORAGE=ssd' },
};

const DRIFT: DriftReport = {
  member: 'node1',
  at: AT.getTime(),
  drifts: [{ name: 'work_mem', kind: 'autoconf_override', expected: '4MB', actual: '8MB', origin: 'other' }],
  pending: [],
  corrected: [],
  error: null,
};

interface Rig {
  app: FastifyInstance;
  sessions: FakeSessions;
  /** What GET /api/v1/drift answers from; null before the first check. */
  drift: { report: DriftReport | null };
  /** Every route the app registered, as `METHOD url`. */
  routes: string[];
}

function rig(t: TestContext, options: { apiToken?: string | null } = {}): Rig {
  const sessions = new FakeSessions();
  const drift: Rig['drift'] = { report: DRIFT };
  const watcher = new ClusterWatcher({ patroni: new FakePatroni({}, {}), postgres: new FakePostgres(), patroniUrl: 'http://127.0.0.1:8008', pollIntervalMs: 1000 });
  const app = buildApp({
    watcher,
    metrics: new AgentMetrics(async () => scrapeOf(watcher)),
    tuning: {
      sessions,
      apiToken: options.apiToken === undefined ? TOKEN : options.apiToken,
      drift: () => drift.report,
      knobs: async () => CATALOGUE,
      knobNames: async () => ({ tunable: new Set(['work_mem', 'random_page_cost']), excluded: new Map([['fsync', 'durability: turning it off risks data loss']]) }),
      detectedHalt: () => null,
    },
  });
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  t.after(() => app.close());
  return { app, sessions, drift, routes };
}

async function call(app: FastifyInstance, options: InjectOptions): Promise<{ status: number; body: Record<string, any> }> {
  const response = await app.inject(options);
  return { status: response.statusCode, body: response.json() as Record<string, any> };
}

const post = (url: string, payload?: unknown, headers: Record<string, string> = AUTH): InjectOptions =>
  payload === undefined ? { method: 'POST', url, headers } : { method: 'POST', url, headers, payload: payload as InjectOptions['payload'] };

/** The error body's code and message, for one assertion. */
const errorOf = (body: Record<string, any>) => [body.error?.code, body.error?.message];

const MUTATIONS: ReadonlyArray<[string, unknown]> = [
  ['/api/v1/sessions', {}],
  [`/api/v1/sessions/${S1}/stop`, undefined],
  [`/api/v1/sessions/${S1}/acknowledge`, { by: 'alice' }],
];

describe('routes', () => {
  it('the app serves exactly these routes, each tested here, in app.test.ts or in approval-routes.test.ts', async (t) => {
    const { app, routes } = rig(t);
    await app.ready();
    assert.deepEqual(routes.sort(), [
      'GET /api/v1/cluster',
      'GET /api/v1/commands/:id',
      'GET /api/v1/drift',
      'GET /api/v1/knobs',
      'GET /api/v1/openapi.json',
      'GET /api/v1/sessions',
      'GET /api/v1/sessions/:id',
      'GET /api/v1/sessions/:id/pending',
      'GET /healthz',
      'GET /metrics',
      'POST /api/v1/sessions',
      'POST /api/v1/sessions/:id/acknowledge',
      'POST /api/v1/sessions/:id/pending/approve',
      'POST /api/v1/sessions/:id/pending/reject',
      'POST /api/v1/sessions/:id/stop',
    ]);
  });
});

describe('authentication of mutating calls', () => {
  for (const [url, payload] of MUTATIONS) {
    it(`POST ${url}: 403 mutations_disabled without a configured token, 401 unauthorized with a missing or wrong one`, async (t) => {
      const { app, sessions } = rig(t, { apiToken: null });
      const disabled = await call(app, post(url, payload));
      assert.equal(disabled.status, 403);
      assert.deepEqual(errorOf(disabled.body), ['mutations_disabled', 'mutating calls are disabled: set TUNER_API_TOKEN on the agent']);

      const guarded = rig(t);
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }] as Array<Record<string, string>>) {
        const refused = await call(guarded.app, post(url, payload, headers));
        assert.equal(refused.status, 401, JSON.stringify(headers));
        assert.deepEqual(errorOf(refused.body), ['unauthorized', 'missing or wrong bearer token']);
      }
      assert.deepEqual([sessions.calls, guarded.sessions.calls], [[], []], 'a refused call reaches no service');
    });
  }
});

describe('GET /api/v1/sessions', () => {
  it('200 with the sessions, each with detectedHalt', async (t) => {
    const { app } = rig(t);
    const { status, body } = await call(app, { method: 'GET', url: '/api/v1/sessions' });
    assert.equal(status, 200);
    assert.deepEqual(
      body.sessions.map((s: Record<string, unknown>) => [s.id, s.state, s.createdAt, s.detectedHalt]),
      [[S1, 'running', AT.toISOString(), null]],
    );
  });

  it('503 state_unavailable when no copy of the store answers', async (t) => {
    const { app, sessions } = rig(t);
    sessions.refusal = new SessionRequestError('state_unavailable', 'cannot read the session list: no copy of the state store answered');
    const { status, body } = await call(app, { method: 'GET', url: '/api/v1/sessions' });
    assert.equal(status, 503);
    assert.deepEqual(errorOf(body), ['state_unavailable', 'cannot read the session list: no copy of the state store answered']);
  });
});

describe('GET /api/v1/sessions/:id', () => {
  it('200 with the session and its history', async (t) => {
    const { app } = rig(t);
    const { status, body } = await call(app, { method: 'GET', url: `/api/v1/sessions/${S1}` });
    assert.equal(status, 200);
    assert.equal(body.session.id, S1);
    assert.equal(body.session.detectedHalt, null);
    assert.deepEqual([body.baseline, body.iterations, body.events, body.failover], [null, [], [], null]);
  });

  it('400 invalid_request naming the id when it is not a UUID', async (t) => {
    const { app, sessions } = rig(t);
    const { status, body } = await call(app, { method: 'GET', url: '/api/v1/sessions/not-a-uuid' });
    assert.equal(status, 400);
    assert.deepEqual(errorOf(body), ['invalid_request', 'params/id must match format "uuid"']);
    assert.deepEqual(sessions.calls, []);
  });

  it('404 session_not_found', async (t) => {
    const { app } = rig(t);
    const { status, body } = await call(app, { method: 'GET', url: `/api/v1/sessions/${UNKNOWN}` });
    assert.equal(status, 404);
    assert.deepEqual(errorOf(body), ['session_not_found', `no session ${UNKNOWN}`]);
  });
});

describe('POST /api/v1/sessions', () => {
  it('201 with the session on the leader\'s agent, the options passed on as sent', async (t) => {
    const { app, sessions } = rig(t);
    const { status, body } = await call(app, post('/api/v1/sessions', { iterations: 5, knobs: ['work_mem'], objective: 'throughput' }));
    assert.equal(status, 201);
    assert.equal(body.session.state, 'pending');
    assert.deepEqual(sessions.calls, [['start', { iterations: 5, knobs: ['work_mem'], objective: 'throughput' }]]);
  });

  it('202 with the command and the leader elsewhere', async (t) => {
    const { app, sessions } = rig(t);
    sessions.leader = 'node1';
    const { status, body } = await call(app, post('/api/v1/sessions', { iterations: 5 }));
    assert.equal(status, 202);
    assert.deepEqual([body.leader, body.command.id, body.command.kind, body.command.status], ['node1', C1, 'start', 'pending']);
    assert.equal(body.command.expiresAt, '2026-12-05T07:01:00.000Z');
  });

  it('works with no body at all, with an empty JSON body and with an empty form body (as curl sends them)', async (t) => {
    const { app, sessions } = rig(t);
    const bodyless: InjectOptions[] = [
      { method: 'POST', url: '/api/v1/sessions', headers: AUTH },
      { method: 'POST', url: '/api/v1/sessions', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '' },
      { method: 'POST', url: '/api/v1/sessions', headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' }, payload: '' },
    ];
    for (const request of bodyless) assert.equal((await call(app, request)).status, 201, JSON.stringify(request.headers));
    assert.deepEqual(sessions.calls, [['start', {}], ['start', {}], ['start', {}]]);
  });

  const invalid: ReadonlyArray<[string, unknown, string]> = [
    ['an unknown field', { colour: 'red' }, 'body/colour is not allowed'],
    ['a wrong type', { iterations: '5' }, 'body/iterations must be integer'],
    ['a value out of range', { iterations: 201 }, 'body/iterations must be <= 200'],
    ['an unknown objective', { objective: 'speed' }, 'body/objective must be equal to one of the allowed values'],
    ['an unknown knob', { knobs: ['no_such_knob'] }, 'body/knobs: unknown parameter no_such_knob'],
    ['an excluded knob', { knobs: ['fsync'] }, 'body/knobs: fsync is excluded from tuning (durability: turning it off risks data loss)'],
    ['a body that is not an object', [1], 'body must be object'],
  ];
  for (const [what, payload, message] of invalid) {
    it(`400 invalid_request naming the field for ${what}`, async (t) => {
      const { app, sessions } = rig(t);
      const { status, body } = await call(app, post('/api/v1/sessions', payload));
      assert.equal(status, 400);
      assert.deepEqual(errorOf(body), ['invalid_request', message]);
      assert.deepEqual(sessions.calls, []);
    });
  }

  it('400 invalid_json for a body that is not JSON', async (t) => {
    const { app } = rig(t);
    const { status, body } = await call(app, { ...post('/api/v1/sessions'), headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"iterations":' });
    assert.equal(status, 400);
    assert.deepEqual(errorOf(body), ['invalid_json', "Body is not valid JSON but content-type is set to 'application/json'"]);
  });

  it('409 session_active with the active session, 409 cluster_unhealthy with the reasons, 409 not_leader with the leader', async (t) => {
    const { app, sessions } = rig(t);
    const refusals = [
      new SessionRequestError('session_active', `session ${S1} is already active`, { sessionId: S1 }),
      new SessionRequestError('cluster_unhealthy', 'cluster is not healthy: the cluster is paused', { reasons: ['the cluster is paused'] }),
      new SessionRequestError('not_leader', "cannot reach the leader node1's state database: ECONNREFUSED", { leader: 'node1' }),
    ];
    for (const refusal of refusals) {
      sessions.refusal = refusal;
      const { status, body } = await call(app, post('/api/v1/sessions', {}));
      assert.equal(status, 409);
      assert.deepEqual(body, { error: { ...refusal.details, code: refusal.code, message: refusal.message } });
    }
  });

  it('413 body_too_large for a body over the limit', async (t) => {
    const { app, sessions } = rig(t);
    const { status, body } = await call(app, post('/api/v1/sessions', { knobs: ['x'.repeat(1024 * 1024)] }));
    assert.equal(status, 413);
    assert.deepEqual(errorOf(body), ['body_too_large', 'Request body is too large']);
    assert.deepEqual(sessions.calls, []);
  });

  it('415 unsupported_media_type for a body that is not JSON by its type', async (t) => {
    const { app, sessions } = rig(t);
    const { status, body } = await call(app, { ...post('/api/v1/sessions'), headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'iterations=5' });
    assert.equal(status, 415);
    assert.deepEqual(errorOf(body), ['unsupported_media_type', 'a body must be application/json, not text/plain']);
    assert.deepEqual(sessions.calls, []);
  });
});

describe('POST /api/v1/sessions/:id/stop', () => {
  it("202 stopping on the leader's agent, 202 with the command elsewhere", async (t) => {
    const { app, sessions } = rig(t);
    const here = await call(app, post(`/api/v1/sessions/${S1}/stop`));
    assert.equal(here.status, 202);
    assert.deepEqual([here.body.session.id, here.body.stopping], [S1, true]);
    sessions.leader = 'node1';
    const forwarded = await call(app, post(`/api/v1/sessions/${S1}/stop`));
    assert.equal(forwarded.status, 202);
    assert.deepEqual([forwarded.body.leader, forwarded.body.command.kind], ['node1', 'stop']);
  });

  it('400 invalid_request naming the id, 404 session_not_found, 409 session_not_running with the state', async (t) => {
    const { app, sessions } = rig(t);
    const bad = await call(app, post('/api/v1/sessions/42/stop'));
    assert.equal(bad.status, 400);
    assert.deepEqual(errorOf(bad.body), ['invalid_request', 'params/id must match format "uuid"']);
    const unknown = await call(app, post(`/api/v1/sessions/${UNKNOWN}/stop`));
    assert.equal(unknown.status, 404);
    assert.deepEqual(errorOf(unknown.body), ['session_not_found', `no session ${UNKNOWN}`]);
    sessions.refusal = new SessionRequestError('session_not_running', `session ${S1} is completed, not running here`, { state: 'completed' });
    const done = await call(app, post(`/api/v1/sessions/${S1}/stop`));
    assert.equal(done.status, 409);
    assert.deepEqual(done.body, { error: { state: 'completed', code: 'session_not_running', message: `session ${S1} is completed, not running here` } });
  });
});

describe('POST /api/v1/sessions/:id/acknowledge', () => {
  it("200 with the session and the protocol state on the leader's agent; 202 with the command elsewhere", async (t) => {
    const { app, sessions } = rig(t);
    const here = await call(app, post(`/api/v1/sessions/${S1}/acknowledge`, { by: 'alice', force: true }));
    assert.equal(here.status, 200);
    assert.equal(here.body.session.state, 'acknowledged');
    assert.deepEqual([here.body.failover.phase, here.body.failover.acknowledgement.by, here.body.failover.acknowledgement.forced], ['acknowledged', 'alice', true]);
    // Protocol times are ISO strings on the wire; its monotonic readings stay inside the agent.
    assert.deepEqual([here.body.failover.halt.at, here.body.failover.phaseSince, here.body.failover.acknowledgement.at], [AT.toISOString(), AT.toISOString(), '2026-12-05T07:00:01.000Z']);
    assert.deepEqual([here.body.failover.monoAt, here.body.failover.phaseEndsAtMono, here.body.failover.version], [undefined, undefined, undefined]);
    sessions.leader = 'node1';
    const forwarded = await call(app, post(`/api/v1/sessions/${S1}/acknowledge`, { by: 'bob' }));
    assert.equal(forwarded.status, 202);
    assert.deepEqual([forwarded.body.leader, forwarded.body.command.kind, forwarded.body.command.payload], ['node1', 'acknowledge', { by: 'bob', force: false }]);
    assert.deepEqual(sessions.calls, [
      ['acknowledge', S1, 'alice', { force: true }],
      ['acknowledge', S1, 'bob', { force: false }],
    ]);
  });

  it("works with no body at all and with an empty JSON body: acknowledged by 'api', not forced", async (t) => {
    const { app, sessions } = rig(t);
    const url = `/api/v1/sessions/${S1}/acknowledge`;
    const bare = await call(app, { method: 'POST', url, headers: AUTH });
    assert.equal(bare.status, 200, JSON.stringify(bare.body));
    const empty = await call(app, { method: 'POST', url, headers: { ...AUTH, 'content-type': 'application/json' }, payload: '' });
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.deepEqual(sessions.calls, [
      ['acknowledge', S1, 'api', { force: false }],
      ['acknowledge', S1, 'api', { force: false }],
    ]);
  });

  it('400 invalid_request naming the field; 400 acknowledger_required from the protocol', async (t) => {
    const { app, sessions } = rig(t);
    const url = `/api/v1/sessions/${S1}/acknowledge`;
    for (const [payload, message] of [
      [{ force: 'yes' }, 'body/force must be boolean'],
      [{ by: '' }, 'body/by must NOT have fewer than 1 characters'],
      [{ who: 'alice' }, 'body/who is not allowed'],
    ] as const) {
      const { status, body } = await call(app, post(url, payload));
      assert.equal(status, 400, JSON.stringify(payload));
      assert.deepEqual(errorOf(body), ['invalid_request', message]);
    }
    assert.deepEqual(sessions.calls, []);
    sessions.refusal = new SessionRequestError('acknowledger_required', 'an acknowledgement must say who acknowledges', { phase: 'awaiting_acknowledgement' });
    const { status, body } = await call(app, post(url, { by: 'alice' }));
    assert.equal(status, 400);
    assert.deepEqual(body.error, { phase: 'awaiting_acknowledgement', code: 'acknowledger_required', message: 'an acknowledgement must say who acknowledges' });
  });

  it('404 session_not_found; 409 not_awaiting_acknowledgement with the phase, force_required with what is unresolved', async (t) => {
    const { app, sessions } = rig(t);
    const unknown = await call(app, post(`/api/v1/sessions/${UNKNOWN}/acknowledge`, { by: 'alice' }));
    assert.equal(unknown.status, 404);
    assert.deepEqual(errorOf(unknown.body), ['session_not_found', `no session ${UNKNOWN}`]);
    const unresolved = { failures: 10, lastError: 'Patroni refused', notVerified: [{ member: 'node3', parameters: [] }] };
    const refusals = [
      new SessionRequestError('not_awaiting_acknowledgement', `session ${S1} cannot be acknowledged yet`, { phase: 'grace' }),
      new SessionRequestError('force_required', `session ${S1} needs force`, { phase: 'awaiting_acknowledgement', unresolved }),
      new SessionRequestError('session_not_halted', `session ${S1} is running: only a halted session is acknowledged`, { state: 'running' }),
    ];
    for (const refusal of refusals) {
      sessions.refusal = refusal;
      const { status, body } = await call(app, post(`/api/v1/sessions/${S1}/acknowledge`, { by: 'alice' }));
      assert.equal(status, 409, refusal.code);
      assert.deepEqual(body, { error: { ...refusal.details, code: refusal.code, message: refusal.message } });
    }
  });
});

describe('GET /api/v1/commands/:id', () => {
  it('200 with the command, 400 naming the id, 404 command_not_found', async (t) => {
    const { app, sessions } = rig(t);
    sessions.commands.set(C1, { ...commandRecord('stop', {}), status: 'done', result: { sessionId: S1 }, handledBy: 'node1', handledAt: AT });
    const found = await call(app, { method: 'GET', url: `/api/v1/commands/${C1}` });
    assert.equal(found.status, 200);
    assert.deepEqual([found.body.command.status, found.body.command.result, found.body.command.handledAt], ['done', { sessionId: S1 }, AT.toISOString()]);
    const bad = await call(app, { method: 'GET', url: '/api/v1/commands/c-1' });
    assert.equal(bad.status, 400);
    assert.deepEqual(errorOf(bad.body), ['invalid_request', 'params/id must match format "uuid"']);
    const unknown = await call(app, { method: 'GET', url: `/api/v1/commands/${UNKNOWN}` });
    assert.equal(unknown.status, 404);
    assert.deepEqual(errorOf(unknown.body), ['command_not_found', `no command ${UNKNOWN}`]);
  });
});

describe('GET /api/v1/knobs', () => {
  it('200 with the host, the tunable knobs with their values as PostgreSQL shows them, and the excluded ones with the reason', async (t) => {
    const { app } = rig(t);
    const { status, body } = await call(app, { method: 'GET', url: '/api/v1/knobs' });
    assert.equal(status, 200);
    assert.deepEqual(body.host, { memoryBytes: 4 * 1024 ** 3, cpus: 2, storage: 'ssd', storageInference: CATALOGUE.storageInference });
    const workMem = body.tunable.find((knob: { name: string }) => knob.name === 'work_mem');
    assert.deepEqual([workMem.vartype, workMem.unit, workMem.current, workMem.display.current], ['integer', 'kB', 4096, '4MB']);
    assert.equal(body.tunable.length, CATALOGUE.tunable.length);
    assert.deepEqual(body.excluded, CATALOGUE.excluded);
    assert.equal(body.server, undefined, 'only what the contract lists leaves the agent');
  });
});

describe('GET /api/v1/drift', () => {
  it('200 with the last check, 503 not_ready before the first', async (t) => {
    const { app, drift } = rig(t);
    const checked = await call(app, { method: 'GET', url: '/api/v1/drift' });
    assert.equal(checked.status, 200);
    assert.deepEqual(checked.body.drift.drifts, DRIFT.drifts);
    drift.report = null;
    const early = await call(app, { method: 'GET', url: '/api/v1/drift' });
    assert.equal(early.status, 503);
    assert.deepEqual(errorOf(early.body), ['not_ready', 'no drift check has run yet on this node']);
  });
});

describe('unexpected errors', () => {
  it('500 internal_error without the detail', async (t) => {
    const { app, sessions } = rig(t);
    sessions.refusal = new Error('connection string postgres://tuner:s3cret@db') as SessionRequestError;
    const { status, body } = await call(app, { method: 'GET', url: '/api/v1/sessions' });
    assert.equal(status, 500);
    assert.deepEqual(body, { error: { code: 'internal_error', message: 'internal error' } });
  });
});
