/**
 * The value sets of the records' enum types as runtime lists, and argument checks, shared by both
 * store implementations and the contract tests. Each list is built from a `Record<Union, …>`, so adding a member to a union
 * in records.ts fails to compile here until it is listed (and a migration widens the CHECK constraint).
 */
import type { CommandKind, CommandStatus, IterationState, PendingChangeReason, PendingChangeStatus, SessionState } from './records.js';
import { TERMINAL_SESSION_STATES } from './records.js';

const SESSION_STATE_SET: Record<SessionState, true> = {
  pending: true,
  preparing: true,
  running: true,
  finishing: true,
  completed: true,
  stopped: true,
  failed: true,
  aborted: true,
  halted: true,
  acknowledged: true,
};

const ITERATION_STATE_SET: Record<IterationState, true> = {
  proposed: true,
  rejected: true,
  applying: true,
  measuring: true,
  measured: true,
  failed: true,
  reverted: true,
};

const COMMAND_KIND_SET: Record<CommandKind, true> = { start: true, stop: true, acknowledge: true, approve: true, reject: true };
const COMMAND_STATUS_SET: Record<CommandStatus, true> = { pending: true, done: true, rejected: true };

const PENDING_CHANGE_STATUS_SET: Record<PendingChangeStatus, true> = { pending: true, approved: true, rejected: true, expired: true, dropped: true };
const PENDING_CHANGE_REASON_SET: Record<PendingChangeReason, true> = {
  first: true,
  initial: true,
  model: true,
  remeasure: true,
  restore_best: true,
  final_best: true,
  revert_to_baseline: true,
  keep_current: true,
};

export const SESSION_STATES = Object.keys(SESSION_STATE_SET) as readonly SessionState[];
/** pending, preparing, running, finishing and halted: at most one per scope. */
export const ACTIVE_SESSION_STATES: readonly SessionState[] = SESSION_STATES.filter((state) => !TERMINAL_SESSION_STATES.has(state));
export const ITERATION_STATES = Object.keys(ITERATION_STATE_SET) as readonly IterationState[];
export const COMMAND_KINDS = Object.keys(COMMAND_KIND_SET) as readonly CommandKind[];
export const COMMAND_STATUSES = Object.keys(COMMAND_STATUS_SET) as readonly CommandStatus[];
export const PENDING_CHANGE_STATUSES = Object.keys(PENDING_CHANGE_STATUS_SET) as readonly PendingChangeStatus[];
export const PENDING_CHANGE_REASONS = Object.keys(PENDING_CHANGE_REASON_SET) as readonly PendingChangeReason[];

export function isActiveSessionState(state: SessionState): boolean {
  return !TERMINAL_SESSION_STATES.has(state);
}

/** `listSessions`' limit: undefined means no limit; anything but a non-negative integer is refused. */
export function validateLimit(limit: number | undefined): number | null {
  if (limit === undefined) return null;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  return limit;
}

/** insertCommand's check: a command must be executable for some time after it is recorded. */
export function validateCommandExpiry(command: { id: string; createdAt: Date; expiresAt: Date }): void {
  if (!(command.expiresAt.getTime() > command.createdAt.getTime())) {
    throw new RangeError(`command ${command.id} must expire after it is created (${command.createdAt.toISOString()}), got ${command.expiresAt.toISOString()}`);
  }
}

/** The error code an expired command is rejected with (GET /api/v1/commands/:id shows it). */
export const COMMAND_EXPIRED = 'command_expired';

/** The result an expired command is completed with. */
export function expiredCommandResult(command: { id: string; expiresAt: Date }): Record<string, unknown> {
  return {
    error: { code: COMMAND_EXPIRED, message: `command ${command.id} expired at ${command.expiresAt.toISOString()} before a leader's agent executed it` },
  };
}
