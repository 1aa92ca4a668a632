import { agentError, badGateway, installFakeBackend, ok, proxied, type FakeBackend } from '../test/backend-srv';
import { clusterView } from '../test/fixtures';
import { discoverFleet } from './fleet';

const agents = [
  { slot: 0, url: 'http://db1:8080' },
  { slot: 1, url: 'http://db2:8080' },
  { slot: 2, url: 'http://db3:8080' },
  { slot: 3, url: 'http://other1:8080' },
];

let backend: FakeBackend;
beforeEach(() => {
  backend = installFakeBackend();
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg1')));
  backend.answer(
    'GET',
    proxied(1, '/api/v1/cluster'),
    ok(clusterView('main', 'pg2', { observedAt: '2026-12-05T08:00:01.000Z' }))
  );
  backend.answer('GET', proxied(2, '/api/v1/cluster'), ok(clusterView('main', 'pg3')));
  backend.answer('GET', proxied(3, '/api/v1/cluster'), ok(clusterView('billing', 'b1', { leader: 'b1' })));
});

test('agents are grouped by Patroni scope, and each cluster is read through its leader’s agent', async () => {
  const fleet = await discoverFleet(agents);
  expect(fleet.clusters.map((c) => [c.scope, c.answering.slot, c.agents.map((a) => a.slot)])).toEqual([
    ['billing', 3, [3]],
    ['main', 0, [0, 1, 2]],
  ]);
  expect(fleet.failed).toEqual([]);
  expect(backend.requests.every((r) => r.showErrorAlert === false)).toBe(true);
});

test('without the leader’s agent, the freshest replica’s agent answers, and the lost one is listed as unreachable', async () => {
  backend.answer('GET', proxied(0, '/api/v1/cluster'), badGateway);
  const fleet = await discoverFleet(agents);
  const main = fleet.clusters.find((c) => c.scope === 'main')!;
  expect(main.answering.slot).toBe(1);
  expect(fleet.failed).toHaveLength(1);
  expect(fleet.failed[0]!.slot).toBe(0);
  expect(fleet.failed[0]!.error.kind).toBe('unreachable');
  expect(fleet.failed[0]!.error.message).toMatch(/502 Bad Gateway/);
});

test('each failure says what it is: token, not an agent, an older agent, or the agent’s own error', async () => {
  backend.answer(
    'GET',
    proxied(0, '/api/v1/cluster'),
    agentError(401, 'unauthorized', 'missing or wrong bearer token')
  );
  backend.answer('GET', proxied(1, '/api/v1/cluster'), { status: 404, data: '<html>nginx</html>' });
  backend.answer('GET', proxied(2, '/api/v1/cluster'), agentError(404, 'not_found', 'no route GET /api/v1/cluster'));
  backend.answer(
    'GET',
    proxied(3, '/api/v1/cluster'),
    agentError(503, 'patroni_unreachable', "this node's Patroni did not answer")
  );
  const fleet = await discoverFleet(agents);
  expect(fleet.clusters).toEqual([]);
  expect(fleet.failed.map((f) => [f.slot, f.error.kind, f.error.status])).toEqual([
    [0, 'unauthorized', 401],
    [1, 'not_agent', 404],
    [2, 'older_agent', 404],
    [3, 'agent', 503],
  ]);
  expect(fleet.failed[3]!.error.message).toBe("this node's Patroni did not answer (503 patroni_unreachable)");
});

test('a 200 that is not a cluster is not an agent', async () => {
  backend.answer('GET', proxied(3, '/api/v1/cluster'), ok({ hello: 'world' }));
  const fleet = await discoverFleet(agents);
  expect(fleet.failed.map((f) => [f.slot, f.error.kind])).toEqual([[3, 'not_agent']]);
});
