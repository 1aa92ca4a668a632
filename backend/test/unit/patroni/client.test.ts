import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { PatroniClient } from '../../../src/patroni/client.js';
import type { PatroniClientOptions } from '../../../src/patroni/client.js';
import {
  PatroniAuthError,
  PatroniConflictError,
  PatroniError,
  PatroniHttpStatusError,
  PatroniInvalidResponseError,
  PatroniTimeoutError,
  PatroniUnreachableError,
} from '../../../src/patroni/errors.js';
import {
  normalizeCluster,
  normalizeConfig,
  normalizeHistory,
  normalizeNodeStatus,
} from '../../../src/patroni/normalize.js';
import { PATRONI_FIXTURES_DIR, readFixture } from '../../fixtures/patroni/load.js';

const CERT = readFileSync(join(PATRONI_FIXTURES_DIR, 'tls', 'cert.pem'));
const KEY = readFileSync(join(PATRONI_FIXTURES_DIR, 'tls', 'key.pem'));

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Answer = { status?: number; json?: unknown; text?: string } | 'never';
type Route = (request: RecordedRequest) => Answer;

interface FakePatroni {
  url: string;
  requests: RecordedRequest[];
}

/** A real HTTP server on a free loopback port, answering by `METHOD /path`; unknown routes give 404. */
async function startFakePatroni(t: TestContext, routes: Record<string, Route>, server?: Server): Promise<FakePatroni> {
  const requests: RecordedRequest[] = [];
  const listener: RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(recorded);
      const route = routes[`${recorded.method} ${recorded.url}`];
      answer(response, route ? route(recorded) : { status: 404, text: 'Not Found' });
    });
  };
  const httpServer = server ?? createHttpServer();
  httpServer.on('request', listener);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  t.after(() => closeServer(httpServer));
  const { port } = httpServer.address() as AddressInfo;
  const scheme = server ? 'https' : 'http';
  return { url: `${scheme}://127.0.0.1:${port}`, requests };
}

function answer(response: ServerResponse, result: Answer): void {
  if (result === 'never') return;
  const body = result.json !== undefined ? JSON.stringify(result.json) : (result.text ?? '');
  const type = result.json !== undefined ? 'application/json' : 'text/html';
  response.writeHead(result.status ?? 200, { 'content-type': type }).end(body);
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function clientFor(t: TestContext, options: PatroniClientOptions): PatroniClient {
  const client = new PatroniClient(options);
  t.after(() => client.close());
  return client;
}

const fixture = (version: string, file: string): Route => () => ({ json: readFixture(version, file) });

/** A loopback port nobody listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return port;
}

/** Asserts that `promise` rejects with an instance of `type` and returns the error. */
async function rejection<T extends PatroniError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${type.name}, but the call succeeded`);
}

describe('PatroniClient: reading', () => {
  it('reads /patroni, /cluster, /config and /history and normalises them', async (t) => {
    const patroni = await startFakePatroni(t, {
      'GET /patroni': fixture('4.1.5', 'patroni-primary.json'),
      'GET /cluster': fixture('4.1.5', 'cluster.json'),
      'GET /config': fixture('4.1.5', 'config.json'),
      'GET /history': fixture('4.1.5', 'history.json'),
    });
    const client = clientFor(t, { baseUrl: `${patroni.url}/` });

    assert.deepEqual(await client.getNodeStatus(), normalizeNodeStatus(readFixture('4.1.5', 'patroni-primary.json')));
    assert.deepEqual(await client.getCluster(), normalizeCluster(readFixture('4.1.5', 'cluster.json')));
    assert.deepEqual(await client.getConfig(), normalizeConfig(readFixture('4.1.5', 'config.json')));
    assert.deepEqual(await client.getHistory(), normalizeHistory(readFixture('4.1.5', 'history.json')));
    assert.deepEqual(
      patroni.requests.map((request) => `${request.method} ${request.url}`),
      ['GET /patroni', 'GET /cluster', 'GET /config', 'GET /history'],
    );
  });

  it('passes the fallback scope for a /cluster without one (3.0.2)', async (t) => {
    const patroni = await startFakePatroni(t, { 'GET /cluster': fixture('3.0.2', 'cluster.json') });
    const client = clientFor(t, { baseUrl: patroni.url });
    const topology = await client.getCluster('demo');
    assert.equal(topology.scope, 'demo');
    assert.equal(topology.leader, 'node1');
  });

  it('keeps a path prefix of the base URL', async (t) => {
    const patroni = await startFakePatroni(t, { 'GET /node1/patroni': fixture('3.0.2', 'patroni-primary.json') });
    const client = clientFor(t, { baseUrl: `${patroni.url}/node1` });
    assert.equal((await client.getNodeStatus()).role, 'primary');
  });

  it("asks another member's /patroni by its api_url, or by its bare origin", async (t) => {
    const local = await startFakePatroni(t, {});
    const leader = await startFakePatroni(t, {
      'GET /patroni': fixture('4.1.5', 'patroni-primary.json'),
      // The primary health check, which a replica answers with 503: must never be asked.
      'GET /': () => ({ status: 503, json: {} }),
    });
    const client = clientFor(t, { baseUrl: local.url });

    assert.equal((await client.getNodeStatusAt(`${leader.url}/patroni`)).name, 'node2');
    assert.equal((await client.getNodeStatusAt(leader.url)).name, 'node2');
    assert.equal((await client.getNodeStatusAt(`${leader.url}/`)).name, 'node2');
    assert.deepEqual(
      leader.requests.map((request) => request.url),
      ['/patroni', '/patroni', '/patroni'],
    );
    assert.equal(local.requests.length, 0);
  });

  it('never sends credentials with a GET', async (t) => {
    const patroni = await startFakePatroni(t, { 'GET /patroni': fixture('3.0.2', 'patroni-primary.json') });
    const client = clientFor(t, { baseUrl: patroni.url, auth: { username: 'patroni', password: 'secret' } });
    await client.getNodeStatus();
    assert.equal(patroni.requests[0]?.headers.authorization, undefined);
  });
});

describe('PatroniClient: PATCH /config', () => {
  it('sends the patch as JSON with Content-Length and basic auth, and returns the merged config', async (t) => {
    const merged = readFixture('4.1.5', 'config.json');
    const patroni = await startFakePatroni(t, { 'PATCH /config': () => ({ json: merged }) });
    const client = clientFor(t, { baseUrl: patroni.url, auth: { username: 'patroni', password: 'sécret:1' } });
    // Non-ASCII, so a Content-Length counted in characters instead of bytes would be caught.
    const patch = { postgresql: { parameters: { work_mem: '8MB', application_name: 'tuné', jit: null } } };

    const config = await client.patchConfig(patch);

    assert.deepEqual(config, merged);
    const [request] = patroni.requests;
    assert.ok(request);
    assert.equal(request.method, 'PATCH');
    assert.equal(request.url, '/config');
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('patroni:sécret:1').toString('base64')}`);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['content-length'], String(request.body.length));
    assert.equal(request.body.length, 86); // 85 characters
    assert.deepEqual(JSON.parse(request.body.toString('utf8')), patch);
  });

  it('sends no authorization header without credentials', async (t) => {
    const patroni = await startFakePatroni(t, { 'PATCH /config': () => ({ json: {} }) });
    const client = clientFor(t, { baseUrl: patroni.url });
    await client.patchConfig({ pause: true });
    assert.equal(patroni.requests[0]?.headers.authorization, undefined);
    assert.equal(patroni.requests[0]?.body.toString('utf8'), '{"pause":true}');
  });

  it('401 is an auth error', async (t) => {
    const patroni = await startFakePatroni(t, { 'PATCH /config': () => ({ status: 401, text: 'not authenticated' }) });
    const client = clientFor(t, { baseUrl: patroni.url, auth: { username: 'patroni', password: 'wrong' } });
    const error = await rejection(client.patchConfig({ pause: true }), PatroniAuthError);
    assert.equal(error.code, 'PGT_PATRONI_ERR_AUTH');
    assert.equal(error.status, 401);
    assert.equal(error.body, 'not authenticated');
    assert.deepEqual(error.target, { method: 'PATCH', url: `${patroni.url}/config` });
    assert.equal(error.message, `PATCH ${patroni.url}/config: HTTP 401: not authenticated`);
  });

  it('403 is an auth error too (allowlist, client certificate)', async (t) => {
    const patroni = await startFakePatroni(t, { 'PATCH /config': () => ({ status: 403, text: 'Access is denied' }) });
    const client = clientFor(t, { baseUrl: patroni.url });
    const error = await rejection(client.patchConfig({ pause: true }), PatroniAuthError);
    assert.equal(error.status, 403);
  });

  it('409 is a conflict', async (t) => {
    const patroni = await startFakePatroni(t, { 'PATCH /config': () => ({ status: 409, text: '<p>Error code: 409</p>' }) });
    const client = clientFor(t, { baseUrl: patroni.url });
    const error = await rejection(client.patchConfig({ pause: true }), PatroniConflictError);
    assert.equal(error.code, 'PGT_PATRONI_ERR_CONFLICT');
    assert.equal(error.status, 409);
    assert.equal(error.body, '<p>Error code: 409</p>');
  });

  it('503 (no configuration in the DCS) is a status error', async (t) => {
    const patroni = await startFakePatroni(t, { 'PATCH /config': () => ({ status: 503, text: 'Service Unavailable' }) });
    const client = clientFor(t, { baseUrl: patroni.url });
    const error = await rejection(client.patchConfig({ pause: true }), PatroniHttpStatusError);
    assert.equal(error.code, 'PGT_PATRONI_ERR_HTTP_STATUS');
    assert.equal(error.status, 503);
    assert.equal(error.body, 'Service Unavailable');
  });
});

describe('PatroniClient: failures', () => {
  it('a 409 on a GET is a plain status error, not a conflict', async (t) => {
    const patroni = await startFakePatroni(t, { 'GET /config': () => ({ status: 409, text: 'x' }) });
    const client = clientFor(t, { baseUrl: patroni.url });
    const error = await rejection(client.getConfig(), PatroniHttpStatusError);
    assert.equal(error.code, 'PGT_PATRONI_ERR_HTTP_STATUS');
    assert.ok(!(error instanceof PatroniConflictError));
  });

  it('502 on GET /config (no configuration key) is a status error; a long body is cut', async (t) => {
    const patroni = await startFakePatroni(t, { 'GET /config': () => ({ status: 502, text: 'x'.repeat(2000) }) });
    const client = clientFor(t, { baseUrl: patroni.url });
    const error = await rejection(client.getConfig(), PatroniHttpStatusError);
    assert.equal(error.status, 502);
    assert.equal(error.body, 'x'.repeat(500));
  });

  it('a body that is not JSON is an invalid response', async (t) => {
    const patroni = await startFakePatroni(t, { 'GET /cluster': () => ({ text: '<html>proxy error</html>' }) });
    const client = clientFor(t, { baseUrl: patroni.url });
    const error = await rejection(client.getCluster(), PatroniInvalidResponseError);
    assert.equal(error.code, 'PGT_PATRONI_ERR_INVALID_RESPONSE');
    assert.equal(error.detail, 'not JSON');
    assert.ok(error.cause instanceof SyntaxError);
  });

  it('JSON of the wrong shape is an invalid response naming the request', async (t) => {
    const patroni = await startFakePatroni(t, { 'GET /cluster': () => ({ json: { members: 'node1' } }) });
    const client = clientFor(t, { baseUrl: patroni.url });
    const error = await rejection(client.getCluster(), PatroniInvalidResponseError);
    assert.equal(error.detail, '/cluster has no members array');
    assert.deepEqual(error.target, { method: 'GET', url: `${patroni.url}/cluster` });
    assert.equal(error.message, `GET ${patroni.url}/cluster: invalid response: /cluster has no members array`);
  });

  it('a server that never answers is a timeout', async (t) => {
    const patroni = await startFakePatroni(t, { 'GET /patroni': () => 'never' });
    const client = clientFor(t, { baseUrl: patroni.url, timeoutMs: 200 });
    const started = performance.now();
    const error = await rejection(client.getNodeStatus(), PatroniTimeoutError);
    const elapsed = performance.now() - started;
    assert.equal(error.code, 'PGT_PATRONI_ERR_TIMEOUT');
    assert.equal(error.timeoutMs, 200);
    assert.equal(error.message, `GET ${patroni.url}/patroni: no answer within 200 ms`);
    assert.ok(elapsed >= 190 && elapsed < 1500, `timed out after ${elapsed} ms`);
  });

  it('a closed port is unreachable', async (t) => {
    const port = await closedPort();
    const client = clientFor(t, { baseUrl: `http://127.0.0.1:${port}` });
    const error = await rejection(client.getCluster(), PatroniUnreachableError);
    assert.equal(error.code, 'PGT_PATRONI_ERR_UNREACHABLE');
    assert.equal(error.reason, 'ECONNREFUSED');
    assert.equal(error.message, `GET http://127.0.0.1:${port}/cluster: unreachable (ECONNREFUSED)`);
  });

  it('a member whose api_url cannot be reached is unreachable', async (t) => {
    const port = await closedPort();
    const client = clientFor(t, { baseUrl: 'http://127.0.0.1:8008' });
    const error = await rejection(client.getNodeStatusAt(`http://127.0.0.1:${port}/patroni`), PatroniUnreachableError);
    assert.equal(error.reason, 'ECONNREFUSED');
    assert.deepEqual(error.target, { method: 'GET', url: `http://127.0.0.1:${port}/patroni` });
  });

  it('a host name that does not resolve is unreachable', async (t) => {
    const client = clientFor(t, { baseUrl: 'http://patroni-tuner-test.invalid:8008', timeoutMs: 5000 });
    const error = await rejection(client.getNodeStatus(), PatroniUnreachableError);
    assert.ok(['ENOTFOUND', 'EAI_AGAIN'].includes(error.reason), error.reason);
  });

  it('a malformed member api_url is unreachable, not a crash', async (t) => {
    const client = clientFor(t, { baseUrl: 'http://127.0.0.1:8008' });
    const error = await rejection(client.getNodeStatusAt('not a url'), PatroniUnreachableError);
    assert.equal(error.reason, 'ERR_INVALID_URL');
  });

  it('closing twice is fine; a closed client rejects with a Patroni error', async (t) => {
    const patroni = await startFakePatroni(t, { 'GET /patroni': fixture('3.0.2', 'patroni-primary.json') });
    const client = new PatroniClient({ baseUrl: patroni.url });
    await client.close();
    await client.close();
    const error = await rejection(client.getNodeStatus(), PatroniUnreachableError);
    assert.match(error.reason, /^UND_ERR_/);
  });

  it('refuses a base URL that is not http(s)', () => {
    assert.throws(() => new PatroniClient({ baseUrl: 'ftp://127.0.0.1:8008' }), TypeError);
    assert.throws(() => new PatroniClient({ baseUrl: '127.0.0.1:8008' }), TypeError);
  });
});

describe('PatroniClient: TLS', () => {
  const route = { 'GET /patroni': fixture('4.1.5', 'patroni-primary.json') };

  it('trusts the given CA', async (t) => {
    const patroni = await startFakePatroni(t, route, createHttpsServer({ cert: CERT, key: KEY }));
    const client = clientFor(t, { baseUrl: patroni.url, tls: { ca: CERT } });
    assert.equal((await client.getNodeStatus()).name, 'node2');
  });

  it('refuses an unknown certificate as unreachable, with the TLS reason', async (t) => {
    const patroni = await startFakePatroni(t, route, createHttpsServer({ cert: CERT, key: KEY }));
    const client = clientFor(t, { baseUrl: patroni.url });
    const error = await rejection(client.getNodeStatus(), PatroniUnreachableError);
    assert.equal(error.reason, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('accepts any certificate with rejectUnauthorized false', async (t) => {
    const patroni = await startFakePatroni(t, route, createHttpsServer({ cert: CERT, key: KEY }));
    const client = clientFor(t, { baseUrl: patroni.url, tls: { rejectUnauthorized: false } });
    assert.equal((await client.getNodeStatus()).name, 'node2');
  });

  it('presents the client certificate when Patroni requires one (verify_client: required)', async (t) => {
    const server = createHttpsServer({ cert: CERT, key: KEY, ca: CERT, requestCert: true, rejectUnauthorized: true });
    const patroni = await startFakePatroni(t, route, server);

    const withCertificate = clientFor(t, { baseUrl: patroni.url, tls: { ca: CERT, cert: CERT, key: KEY } });
    assert.equal((await withCertificate.getNodeStatus()).name, 'node2');

    const without = clientFor(t, { baseUrl: patroni.url, tls: { ca: CERT } });
    await rejection(without.getNodeStatus(), PatroniUnreachableError);
  });
});
