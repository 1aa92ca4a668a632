/**
 * Starting a session through any agent of the cluster: the leader's agent starts it at once (201); any
 * other agent records a command for the leader's agent (202), which is followed through
 * `/api/v1/commands/:id` until it is done or rejected.
 */
import type { CommandRecord, SessionRecord, StartSessionBody } from '@patroni-tuner/backend/contract';
import { agentRequest } from './agent-api';
import { followCommand } from './commands';

export type StartRequest = Required<
  Pick<StartSessionBody, 'iterations' | 'iterationSeconds' | 'warmupSeconds' | 'objective'>
> &
  Pick<StartSessionBody, 'approval' | 'approvalTimeout' | 'knobs'>;

export type StartOutcome =
  { started: true; sessionId: string; via: 'leader' | 'command' } | { started: false; reason: string };

type StartAnswer = { session: SessionRecord } | { command: CommandRecord; leader: string };

/** Errors (400 naming a field, 409 with the agent's reason, unreachable …) are AgentRequestErrors. */
export async function startSession(slot: number, request: StartRequest, commandPollMs = 1000): Promise<StartOutcome> {
  const answer = await agentRequest<StartAnswer>(slot, '/api/v1/sessions', { method: 'POST', data: request });
  if ('session' in answer) {
    return { started: true, sessionId: answer.session.id, via: 'leader' };
  }
  const outcome = await followCommand(slot, answer.command, commandPollMs);
  if (outcome.done && typeof outcome.result.sessionId === 'string') {
    return { started: true, sessionId: outcome.result.sessionId, via: 'command' };
  }
  return { started: false, reason: outcome.done ? 'the command gave no session' : outcome.reason };
}

/** The form's fields and the limits the agent's schema enforces, checked before anything is sent. */
export const START_LIMITS = {
  iterations: { min: 1, max: 200 },
  iterationSeconds: { min: 1, max: 3600 },
  warmupSeconds: { min: 0, max: 3600 },
} as const;

export type StartField = keyof typeof START_LIMITS;

export function validateStart(values: Record<StartField, string>): Partial<Record<StartField, string>> {
  const problems: Partial<Record<StartField, string>> = {};
  for (const field of Object.keys(START_LIMITS) as StartField[]) {
    const { min, max } = START_LIMITS[field];
    const text = values[field].trim();
    const value = Number(text);
    if (text === '' || !Number.isInteger(value) || value < min || value > max) {
      problems[field] = `a whole number from ${min} to ${max}`;
    }
  }
  return problems;
}

/** The agent's duration syntax for `approvalTimeout` (`30m`, `1h`, `90s`), or whole milliseconds. */
const APPROVAL_TIMEOUT = /^\d+(\.\d+)?(ms|s|m|h)$/;

/** The approval timeout as the agent takes it, or null when it is not one. */
export function parseApprovalTimeout(text: string): string | number | null {
  const trimmed = text.trim();
  if (APPROVAL_TIMEOUT.test(trimmed)) {
    return trimmed;
  }
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

export type FormField = StartField | 'approvalTimeout';

/** The field a 400 names (`body/iterations must be <= 200`), if it is one of the form's. */
export function fieldOf(message: string): FormField | null {
  const match = /body\/(\w+)/.exec(message);
  const field = match?.[1];
  return field !== undefined && (field in START_LIMITS || field === 'approvalTimeout') ? (field as FormField) : null;
}
