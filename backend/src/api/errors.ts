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

export interface ErrorBody {
  /** `details` adds fields such as the leader's name or the active session's id. */
  error: { code: string; message: string } & Record<string, unknown>;
}

export const errorBody = (code: ErrorCode, message: string, details: Record<string, unknown> = {}): ErrorBody => ({
  error: { ...details, code, message },
});
