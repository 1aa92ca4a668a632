import { ErrorBody } from '../contract/common.js';
import type { ErrorCode } from './error-catalogue.js';

/** An error the API answers with `{ error: { code, message, ...details } }`; the status comes from the catalogue. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The answers every route may give besides its successes, for its response schemas. */
export const ERROR_RESPONSES = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const errorBody = (code: ErrorCode, message: string, details: Record<string, unknown> = {}): ErrorBody => ({
  error: { ...details, code, message },
});
