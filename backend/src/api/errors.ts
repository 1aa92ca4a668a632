/** An error the API answers with its own status and `{ error: { code, message } }`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  /** `details` adds fields such as the leader's name or the active session's id. */
  error: { code: string; message: string } & Record<string, unknown>;
}

export const errorBody = (code: string, message: string, details: Record<string, unknown> = {}): ErrorBody => ({
  error: { ...details, code, message },
});
