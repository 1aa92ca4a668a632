import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PatroniAuthError,
  PatroniConflictError,
  PatroniError,
  PatroniHttpStatusError,
  PatroniInvalidResponseError,
  PatroniTimeoutError,
  PatroniUnreachableError,
} from '../../../src/patroni/errors.js';

const target = { method: 'GET', url: 'http://127.0.0.1:8008/cluster' };

describe('Patroni errors', () => {
  // The codes are stored with events and matched by alerts: changing one is a breaking change.
  it('carry stable, distinct codes and names', () => {
    const errors = [
      new PatroniUnreachableError('ECONNREFUSED', target),
      new PatroniTimeoutError(2000, target),
      new PatroniHttpStatusError(503, 'Service Unavailable', target),
      new PatroniAuthError(401, 'not authenticated', target),
      new PatroniConflictError(409, '', target),
      new PatroniInvalidResponseError('not JSON', target),
    ];
    assert.deepEqual(
      errors.map((error) => [error.code, error.name]),
      [
        ['PGT_PATRONI_ERR_UNREACHABLE', 'PatroniUnreachableError'],
        ['PGT_PATRONI_ERR_TIMEOUT', 'PatroniTimeoutError'],
        ['PGT_PATRONI_ERR_HTTP_STATUS', 'PatroniHttpStatusError'],
        ['PGT_PATRONI_ERR_AUTH', 'PatroniAuthError'],
        ['PGT_PATRONI_ERR_CONFLICT', 'PatroniConflictError'],
        ['PGT_PATRONI_ERR_INVALID_RESPONSE', 'PatroniInvalidResponseError'],
      ],
    );
    for (const error of errors) assert.ok(error instanceof PatroniError && error instanceof Error);
  });

  it('auth and conflict errors are status errors', () => {
    assert.ok(new PatroniAuthError(401, '', target) instanceof PatroniHttpStatusError);
    assert.ok(new PatroniConflictError(409, '', target) instanceof PatroniHttpStatusError);
  });

  it('name the request in the message', () => {
    assert.equal(
      new PatroniUnreachableError('ECONNREFUSED', target).message,
      'GET http://127.0.0.1:8008/cluster: unreachable (ECONNREFUSED)',
    );
    assert.equal(new PatroniHttpStatusError(502, '', target).message, 'GET http://127.0.0.1:8008/cluster: HTTP 502');
    assert.equal(
      new PatroniInvalidResponseError('/cluster has no members array').message,
      'invalid response: /cluster has no members array',
    );
  });
});
