/**
 * Why a session request is refused: a code, a message and details, and no HTTP status (the API maps
 * the code to one through its error catalogue).
 */
export type SessionRefusalCode =
  | 'not_leader'
  | 'no_leader'
  | 'cluster_unhealthy'
  | 'session_active'
  | 'session_not_found'
  | 'session_not_running'
  | 'session_halted'
  | 'session_not_halted'
  | 'not_awaiting_acknowledgement'
  | 'already_acknowledged'
  | 'acknowledger_required'
  | 'force_required'
  | 'command_not_found'
  | 'no_pending_change'
  | 'invalid_changes'
  | 'pending_change_decided'
  | 'state_unavailable';

export class SessionRequestError extends Error {
  override readonly name = 'SessionRequestError';
  constructor(
    readonly code: SessionRefusalCode,
    message: string,
    /** Extra fields for the error body, e.g. the leader's name or the active session. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
