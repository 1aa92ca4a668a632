/** Whatever a request fails with is answered with a catalogue code: fastify's own errors included, internals never. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorAnswer } from '../../../src/api/error-answers.js';
import { ERROR_CATALOGUE } from '../../../src/api/error-catalogue.js';
import { ApiError } from '../../../src/api/errors.js';
import { SessionRequestError } from '../../../src/tuning/refusal.js';

/** An error shaped as fastify raises them (`@fastify/error`: code, statusCode, message). */
const fastifyError = (code: string, statusCode: number, message: string) => Object.assign(new Error(message), { code, statusCode });

describe('errorAnswer', () => {
  it("the API's and the domain's errors keep their code, message and details", () => {
    assert.deepEqual(errorAnswer(new ApiError('not_ready', 'not yet')), { answer: { code: 'not_ready', message: 'not yet', details: {} }, unexpected: false });
    assert.deepEqual(errorAnswer(new SessionRequestError('no_leader', 'no leader', { leader: null })), {
      answer: { code: 'no_leader', message: 'no leader', details: { leader: null } },
      unexpected: false,
    });
  });

  const mapped: ReadonlyArray<[string, number, string]> = [
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'body_too_large'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'unsupported_media_type'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'invalid_json'],
    ['FST_ERR_BAD_URL', 400, 'invalid_url'],
    ['FST_ERR_VALIDATION', 400, 'invalid_request'],
    // Any other client error fastify raises.
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'bad_request'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'bad_request'],
  ];
  for (const [fastifyCode, status, code] of mapped) {
    it(`${fastifyCode} is ${code} (${status}), with fastify's message`, () => {
      const { answer, unexpected } = errorAnswer(fastifyError(fastifyCode, status, 'what fastify says'));
      assert.deepEqual(answer, { code, message: 'what fastify says', details: {} });
      assert.equal(ERROR_CATALOGUE[answer.code].status, status);
      assert.equal(unexpected, false);
    });
  }

  it('anything else is internal_error, without its message, and unexpected (to be logged)', () => {
    for (const error of [new Error('password=s3cret'), fastifyError('FST_ERR_ASYNC_CONSTRAINT', 500, 'detail'), fastifyError('ECONNRESET', 400, 'detail'), 'a string']) {
      assert.deepEqual(errorAnswer(error), { answer: { code: 'internal_error', message: 'internal error', details: {} }, unexpected: true });
    }
  });
});
