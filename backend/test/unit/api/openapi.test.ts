/**
 * GET /api/v1/openapi.json describes the API actually served: every registered route is in it, each
 * with the schemas of its answers (so nothing unlisted leaves the agent), built from the contract.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { buildApp } from '../../../src/api/app.js';
import { AgentMetrics } from '../../../src/metrics/registry.js';
import { ClusterWatcher } from '../../../src/observer/cluster-watcher.js';
import { scrapeOf } from '../metrics/scrapes.js';
import { FakePatroni, FakePostgres } from '../observer/fakes.js';

interface Operation {
  requestBody?: { required: boolean };
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** The full API (tuning included), the routes it registered, and its OpenAPI description. */
async function described(t: TestContext) {
  const watcher = new ClusterWatcher({ patroni: new FakePatroni({}, {}), postgres: new FakePostgres(), patroniUrl: 'http://127.0.0.1:8008', pollIntervalMs: 1000 });
  const app = buildApp({
    watcher,
    metrics: new AgentMetrics(async () => scrapeOf(watcher)),
    version: '9.9.9',
    tuning: {
      sessions: {} as never,
      apiToken: null,
      drift: () => null,
      knobs: async () => assert.fail('not called'),
      knobNames: async () => assert.fail('not called'),
      detectedHalt: () => null,
    },
  });
  t.after(() => app.close());
  const routes: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method: method.toLowerCase(), url: route.url });
  });
  const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  assert.equal(response.statusCode, 200);
  const document = response.json() as { openapi: string; info: { version: string }; paths: Record<string, Record<string, Operation>> };
  return { routes, document };
}

/** `/api/v1/sessions/:id` as OpenAPI writes it: `/api/v1/sessions/{id}`. */
const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

describe('GET /api/v1/openapi.json', () => {
  it('describes every registered route, and nothing else', async (t) => {
    const { routes, document } = await described(t);
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.info.version, '9.9.9');
    assert.ok(routes.length >= 12, `the tuning routes are registered too (${routes.length})`);
    const served = routes.map(({ method, url }) => `${method} ${openapiPath(url)}`).sort();
    const describedRoutes = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    assert.deepEqual(describedRoutes, served);
  });

  it('gives every route the schema of a success and of an error', async (t) => {
    const { document } = await described(t);
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses);
        const success = statuses.filter((status) => /^2\d\d$/.test(status));
        assert.ok(success.length > 0, `${method} ${path} has a success schema`);
        for (const status of success) {
          const [content] = Object.values(operation.responses[status]!.content ?? {});
          assert.ok(content?.schema, `${method} ${path} ${status} has a schema`);
        }
        assert.ok(statuses.includes('4XX') && statuses.includes('5XX'), `${method} ${path} describes its errors (${statuses.join(', ')})`);
      }
    }
  });

  it('marks the mutating calls as needing the bearer token, and a body optional unless a field of it is required', async (t) => {
    const { document } = await described(t);
    const requiredBodies: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        assert.equal(operation.security !== undefined, method === 'post', `${method} ${path}`);
        if (operation.requestBody?.required === true) requiredBodies.push(`${method} ${path}`);
      }
    }
    assert.ok(document.paths['/api/v1/sessions/{id}/acknowledge']?.post?.requestBody);
    // A decision must say who decides (`by`); every other body may be left out.
    assert.deepEqual(requiredBodies.sort(), ['post /api/v1/sessions/{id}/pending/approve', 'post /api/v1/sessions/{id}/pending/reject']);
  });
});
