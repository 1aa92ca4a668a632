import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probe, probeFailure } from '../../../src/observer/probe.js';
import { PATRONI_DOWN, POSTGRES_DOWN } from './fakes.js';

describe('probe', () => {
  it('keeps the value of work that succeeds', async () => {
    assert.deepEqual(await probe(Promise.resolve({ inRecovery: true })), { ok: true, value: { inRecovery: true } });
  });

  it("keeps a typed error's code and message", async () => {
    assert.deepEqual(await probe(Promise.reject(PATRONI_DOWN())), {
      ok: false,
      code: 'PGT_PATRONI_ERR_UNREACHABLE',
      message: 'GET http://127.0.0.1:8008/patroni: unreachable (ECONNREFUSED)',
    });
    assert.deepEqual(await probe(Promise.reject(POSTGRES_DOWN())), {
      ok: false,
      code: 'postgres_unreachable',
      message: 'PostgreSQL unreachable: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:5432',
    });
  });

  it('uses code "error" when there is no string code', () => {
    assert.deepEqual(probeFailure(new Error('plain')), { ok: false, code: 'error', message: 'plain' });
    assert.deepEqual(probeFailure(Object.assign(new Error('errno'), { code: 111 })), {
      ok: false,
      code: 'error',
      message: 'errno',
    });
    assert.deepEqual(probeFailure('a string'), { ok: false, code: 'error', message: 'a string' });
    assert.deepEqual(probeFailure({ code: 'ECONNREFUSED' }), { ok: false, code: 'error', message: '[object Object]' });
  });

  it('keeps a system error code such as ECONNREFUSED', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8008'), { code: 'ECONNREFUSED' });
    assert.deepEqual(probeFailure(error), { ok: false, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:8008' });
  });
});
