import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import type { Scrape } from '../../../src/metrics/scrape.js';
import { AgentMetrics } from '../../../src/metrics/registry.js';
import { ClusterWatcher } from '../../../src/observer/cluster-watcher.js';
import { normalizeCluster } from '../../../src/patroni/normalize.js';
import { readFixture } from '../../fixtures/patroni/load.js';
import { parsePromText, valueOf } from '../metrics/prom-text.js';
import { scrapeOf } from '../metrics/scrapes.js';
import { PatroniUnreachableError } from '../../../src/patroni/errors.js';
import { PostgresUnreachableError } from '../../../src/postgres/errors.js';
import { FakeClock, FakePatroni, FakePostgres, gate, PATRONI_DOWN, POSTGRES_DOWN } from '../observer/fakes.js';

const T0 = '2026-11-26T06:14:00.000Z';
const T1 = '2026-11-26T06:14:01.000Z';
const T2 = '2026-11-26T06:14:02.000Z';
const PATRONI_DOWN_MESSAGE = 'GET http://127.0.0.1:8008/patroni: unreachable (ECONNREFUSED)';
const POSTGRES_DOWN_MESSAGE = 'PostgreSQL unreachable: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:5432';

const recorded = (version: string, file: string) => readFixture(version, `recorded/${file}`);

interface Rig {
  app: FastifyInstance;
  watcher: ClusterWatcher;
  patroni: FakePatroni;
  postgres: FakePostgres;
  clock: FakeClock;
  /** How many scrapes /metrics took. */
  scrapes: () => number;
  /** How many times /metrics asked for a render. */
  renders: () => number;
}

/**
 * The API over a watcher beside node1 of a recorded lab (nothing polled yet) and metrics whose scrape
 * is `takeScrape`, by default what agent.ts gathers with fixed host and PostgreSQL snapshots.
 */
function rig(t: TestContext, version = '4.1.5', takeScrape?: (watcher: ClusterWatcher) => Promise<Scrape>): Rig {
  const patroni = new FakePatroni(recorded(version, 'patroni-primary.json'), recorded(version, 'cluster.json'));
  const postgres = new FakePostgres();
  const clock = new FakeClock(T0);
  const patroniUrl = version === '3.0.2' ? 'http://127.0.0.1:42177' : 'http://127.0.0.1:43627';
  const watcher = new ClusterWatcher({ patroni, postgres, patroniUrl, pollIntervalMs: 1000, now: clock.now });
  let scrapes = 0;
  const metrics = new AgentMetrics(async () => {
    scrapes += 1;
    return takeScrape ? takeScrape(watcher) : scrapeOf(watcher);
  });
  let renders = 0;
  const render = metrics.render.bind(metrics);
  metrics.render = () => {
    renders += 1;
    return render();
  };
  const app = buildApp({ watcher, metrics });
  t.after(() => app.close());
  return { app, watcher, patroni, postgres, clock, scrapes: () => scrapes, renders: () => renders };
}

const get = (app: FastifyInstance, url: string) => app.inject({ method: 'GET', url });

/** Waits for `condition`, turn by turn of the event loop, failing after a deadline. */
async function waitFor(condition: () => boolean, deadlineMs = 2000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('GET /healthz', () => {
  it("answers 200 'starting' before the first poll", async (t) => {
    const { app } = rig(t);
    const response = await get(app, '/healthz');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(response.json(), {
      status: 'starting',
      reasons: ['no poll has completed yet'],
      patroni: { ok: false },
      postgres: { ok: false },
      member: null,
      lastPollAt: null,
      lastSuccessfulPollAt: null,
    });
  });

  it("answers 200 'ok' when Patroni and PostgreSQL answered", async (t) => {
    const { app, watcher } = rig(t);
    await watcher.poll();
    const response = await get(app, '/healthz');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      status: 'ok',
      reasons: [],
      patroni: { ok: true },
      postgres: { ok: true },
      member: 'node1',
      lastPollAt: T0,
      lastSuccessfulPollAt: T0,
    });
  });

  it("answers 200 'degraded' with the reason when Patroni is down", async (t) => {
    const { app, watcher, patroni, clock } = rig(t);
    await watcher.poll();
    clock.advance(1000);
    patroni.error = PATRONI_DOWN();
    await watcher.poll();
    const response = await get(app, '/healthz');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      status: 'degraded',
      reasons: [`Patroni unreachable: ${PATRONI_DOWN_MESSAGE}`],
      patroni: { ok: false, error: PATRONI_DOWN_MESSAGE },
      postgres: { ok: true },
      member: null,
      lastPollAt: T1,
      lastSuccessfulPollAt: T0,
    });
  });

  it('never shows a password from a URL in an error it reports', async (t) => {
    const { app, watcher, patroni, postgres } = rig(t);
    patroni.error = new PatroniUnreachableError('ECONNREFUSED', { method: 'GET', url: 'http://admin:p@ss@127.0.0.1:8008/patroni' });
    postgres.error = new PostgresUnreachableError('cannot connect to postgres://tuner:s3cret@127.0.0.1:5432/postgres?password=s3cret');
    await watcher.poll();
    const text = (await get(app, '/healthz')).body;
    assert.ok(!text.includes('p@ss') && !text.includes('ss@127') && !text.includes('s3cret'), text);
    assert.match(text, /http:\/\/admin:\*\*\*@127\.0\.0\.1:8008\/patroni/);
  });

  it("answers 200 'degraded' with the reason when PostgreSQL is down", async (t) => {
    const { app, watcher, postgres } = rig(t);
    postgres.error = POSTGRES_DOWN();
    await watcher.poll();
    const response = await get(app, '/healthz');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      status: 'degraded',
      reasons: [`PostgreSQL unreachable: ${POSTGRES_DOWN_MESSAGE}`],
      patroni: { ok: true },
      postgres: { ok: false, error: POSTGRES_DOWN_MESSAGE },
      member: 'node1',
      lastPollAt: T0,
      lastSuccessfulPollAt: null,
    });
  });

  it('lists both reasons, Patroni first, when both are down', async (t) => {
    const { app, watcher, patroni, postgres } = rig(t);
    patroni.error = PATRONI_DOWN();
    postgres.error = POSTGRES_DOWN();
    await watcher.poll();
    const response = await get(app, '/healthz');
    assert.equal(response.statusCode, 200);
    const body = response.json() as { status: string; reasons: string[] };
    assert.equal(body.status, 'degraded');
    assert.deepEqual(body.reasons, [
      `Patroni unreachable: ${PATRONI_DOWN_MESSAGE}`,
      `PostgreSQL unreachable: ${POSTGRES_DOWN_MESSAGE}`,
    ]);
  });
});

describe('GET /api/v1/cluster', () => {
  it('503 not_ready before the first poll', async (t) => {
    const { app } = rig(t);
    const response = await get(app, '/api/v1/cluster');
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), {
      error: { code: 'not_ready', message: 'the agent has not polled Patroni yet' },
    });
  });

  it("503 patroni_unreachable when this node's Patroni did not answer the last poll", async (t) => {
    const { app, watcher, patroni, clock } = rig(t);
    await watcher.poll();
    clock.advance(1000);
    patroni.error = PATRONI_DOWN();
    await watcher.poll();
    const response = await get(app, '/api/v1/cluster');
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), {
      error: { code: 'patroni_unreachable', message: `this node's Patroni did not answer: ${PATRONI_DOWN_MESSAGE}` },
    });
  });

  it('200 with the topology, this member and the recent events with ISO times (4.1.5 recorded failover)', async (t) => {
    const { app, watcher, patroni, clock } = rig(t);
    const node = recorded('4.1.5', 'patroni-primary.json');
    await watcher.poll();
    clock.advance(1000);
    patroni.answer(node, recorded('4.1.5', 'cluster-unlocked.json'));
    await watcher.poll();
    clock.advance(1000);
    patroni.answer(node, recorded('4.1.5', 'cluster-after-switchover.json'));
    await watcher.poll();

    const response = await get(app, '/api/v1/cluster');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    const body = response.json() as { members: Array<{ name: string; role: string; timeline: number }> };
    assert.deepEqual(body, {
      scope: 'lab-795904',
      self: 'node1',
      leader: 'node1',
      timeline: 3,
      paused: false,
      unlocked: false,
      members: normalizeCluster(recorded('4.1.5', 'cluster-after-switchover.json')).members,
      observedAt: T2,
      postgres: { ok: true, inRecovery: false },
      patroniVersion: '4.1.5',
      recentEvents: [
        { at: T1, type: 'leader_lost', from: 'node1' },
        { at: T1, type: 'lock_released' },
        { at: T1, type: 'paused' },
        { at: T1, type: 'member_down', member: 'node1', health: 'stopped', wasLeader: true },
        { at: T2, type: 'leader_acquired', to: 'node1' },
        { at: T2, type: 'lock_acquired' },
        { at: T2, type: 'timeline_changed', from: 1, to: 3 },
        { at: T2, type: 'resumed' },
        { at: T2, type: 'member_up', member: 'node1', previousHealth: 'stopped' },
      ],
    });
    assert.deepEqual(
      body.members.map((m) => [m.name, m.role, m.timeline]),
      [
        ['node1', 'primary', 3],
        ['node2', 'replica', 3],
        ['node3', 'replica', 3],
      ],
    );
  });

  it('3.0.2: the scope from /patroni, this member by its URL, and PostgreSQL down shown in the view', async (t) => {
    const { app, watcher, postgres } = rig(t, '3.0.2');
    postgres.error = POSTGRES_DOWN();
    await watcher.poll();
    const response = await get(app, '/api/v1/cluster');
    assert.equal(response.statusCode, 200);
    const body = response.json() as Record<string, unknown>;
    assert.equal(body.scope, 'lab-9e72da');
    assert.equal(body.self, 'node1');
    assert.equal(body.leader, 'node1');
    assert.equal(body.timeline, 1);
    assert.equal(body.patroniVersion, '3.0.2');
    assert.equal(body.observedAt, T0);
    assert.deepEqual(body.postgres, { ok: false, error: POSTGRES_DOWN_MESSAGE });
    assert.deepEqual(body.recentEvents, []);
  });
});

describe('GET /metrics', () => {
  it('answers the Prometheus text format from one scrape', async (t) => {
    const { app, watcher, scrapes } = rig(t);
    await watcher.poll();
    const response = await get(app, '/metrics');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(response.body, /^pgtuner_agent_info\{version="0\.1\.0"\} 1$/m);
    const parsed = parsePromText(response.body);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_up'), 1);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_members', { scope: 'lab-795904' }), 3);
    assert.equal(valueOf(parsed, 'pgtuner_agent_polls_total'), 1);
    assert.equal(scrapes(), 1);
  });

  it('concurrent scrapes share one scrape', async (t) => {
    const held = gate();
    const { app, watcher, scrapes, renders } = rig(t, '4.1.5', async (w) => {
      await held.promise;
      return scrapeOf(w);
    });
    await watcher.poll();
    const responses = Promise.all([get(app, '/metrics'), get(app, '/metrics'), get(app, '/metrics')]);
    // All three requests reach the handler before the scrape may finish.
    await waitFor(() => renders() === 3);
    assert.equal(scrapes(), 1);
    held.release();
    const [a, b, c] = await responses;
    assert.deepEqual([a.statusCode, b.statusCode, c.statusCode], [200, 200, 200]);
    assert.equal(b.body, a.body);
    assert.equal(c.body, a.body);
    assert.equal(scrapes(), 1);
  });

  it('500 internal_error when the scrape fails, without its detail', async (t) => {
    const { app } = rig(t, '4.1.5', async () => {
      throw new Error('secret detail');
    });
    const response = await get(app, '/metrics');
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json(), { error: { code: 'internal_error', message: 'internal error' } });
  });
});

describe('errors', () => {
  it('404 route_not_found for an unknown route, in the API error shape', async (t) => {
    const { app } = rig(t);
    const response = await get(app, '/api/v1/nope');
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), { error: { code: 'route_not_found', message: 'no route GET /api/v1/nope' } });
  });

  it('404 route_not_found for a known path with another method', async (t) => {
    const { app } = rig(t);
    const response = await app.inject({ method: 'DELETE', url: '/api/v1/cluster' });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), { error: { code: 'route_not_found', message: 'no route DELETE /api/v1/cluster' } });
  });

  it('400 invalid_url for a URL that cannot be decoded', async (t) => {
    const { app } = rig(t);
    const response = await get(app, '/api/v1/%zz');
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), {
      error: { code: 'invalid_url', message: "'/api/v1/%zz' is not a valid url component" },
    });
  });

  it('400 invalid_json for a body that is not the JSON it claims to be', async (t) => {
    const { app } = rig(t);
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/cluster',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), {
      error: {
        code: 'invalid_json',
        message: "Body is not valid JSON but content-type is set to 'application/json'",
      },
    });
  });
});
