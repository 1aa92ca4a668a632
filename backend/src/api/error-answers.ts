/**
 * Turns whatever a request failed with into the catalogue's code: the API's and the domain's own
 * errors carry one; fastify's errors are mapped by their `FST_ERR_*` code, so none reaches a client.
 */
import type { FastifyError } from 'fastify';
import { SessionRequestError } from '../tuning/refusal.js';
import type { ErrorCode } from './error-catalogue.js';
import { ApiError } from './errors.js';

export interface ErrorAnswer {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_BAD_URL: 'invalid_url',
  FST_ERR_VALIDATION: 'invalid_request',
};

const INTERNAL: ErrorAnswer = { code: 'internal_error', message: 'internal error', details: {} };

/** The answer for `error`, and whether it is unexpected (an internal error, to be logged: its message never leaves). */
export function errorAnswer(error: unknown): { answer: ErrorAnswer; unexpected: boolean } {
  if (error instanceof ApiError || error instanceof SessionRequestError) {
    return { answer: { code: error.code, message: error.message, details: error.details }, unexpected: false };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) return { answer: { code: 'invalid_request', message: String(fastifyError.message), details: {} }, unexpected: false };
  const code = typeof fastifyError.code === 'string' ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (code) return { answer: { code, message: String(fastifyError.message), details: {} }, unexpected: false };
  // Any other client error fastify raises (e.g. a Content-Length that does not match the body).
  const status = fastifyError.statusCode;
  if (typeof fastifyError.code === 'string' && fastifyError.code.startsWith('FST_') && typeof status === 'number' && status >= 400 && status < 500) {
    return { answer: { code: 'bad_request', message: String(fastifyError.message), details: {} }, unexpected: false };
  }
  return { answer: INTERNAL, unexpected: true };
}
