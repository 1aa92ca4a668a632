import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/**
 * Mutating calls need `Authorization: Bearer <TUNER_API_TOKEN>`. Without a configured token they
 * are refused outright. Tokens are compared as SHA-256 digests with timingSafeEqual, so neither the
 * content nor the length of the token leaks through timing.
 */
export function requireToken(configured: string | null): (request: FastifyRequest) => Promise<void> {
  const expected = configured === null ? null : digest(configured);
  return async (request) => {
    if (expected === null) {
      throw new ApiError('mutations_disabled', 'mutating calls are disabled: set TUNER_API_TOKEN on the agent');
    }
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new ApiError('unauthorized', 'missing or wrong bearer token');
    }
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
