import { agentError, badGateway, installFakeBackend, ok, proxied, type FakeBackend } from '../test/backend-srv';
import { clusterView } from '../test/fixtures';
import { testConnection } from './connection-test';

const TOKEN_PROBE = proxied(0, '/api/v1/sessions/token-check/stop');
let backend: FakeBackend;
beforeEach(() => {
  backend = installFakeBackend();
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg2')));
});

test('an agent that answers and accepts the token: its cluster, member and Patroni version', async () => {
  backend.answer('POST', TOKEN_PROBE, agentError(400, 'invalid_request', 'params/id must match format "uuid"'));
  expect(await testConnection(0)).toEqual({ ok: true, scope: 'main', member: 'pg2', patroniVersion: '4.1.0' });
});

test('a wrong token, and an agent without a token, are refused', async () => {
  backend.answer('POST', TOKEN_PROBE, agentError(401, 'unauthorized', 'missing or wrong bearer token'));
  const wrong = await testConnection(0);
  expect(wrong.ok === false && [wrong.error.kind, wrong.error.message]).toEqual([
    'unauthorized',
    'missing or wrong bearer token (401 unauthorized)',
  ]);
  backend.answer('POST', TOKEN_PROBE, agentError(403, 'mutations_disabled', 'mutating calls are disabled'));
  const disabled = await testConnection(0);
  expect(disabled.ok === false && disabled.error.status).toBe(403);
});

test('an unreachable URL', async () => {
  backend.answer('GET', proxied(0, '/api/v1/cluster'), badGateway);
  const result = await testConnection(0);
  expect(result.ok === false && result.error.kind).toBe('unreachable');
  expect(backend.requests.map((r) => r.url)).toEqual([proxied(0, '/api/v1/cluster')]);
});
