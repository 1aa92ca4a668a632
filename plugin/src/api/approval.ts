/**
 * Approval mode: the change a session awaits a person's decision on, and the decision itself, sent in the
 * signed-in user's name through any agent of the cluster (a replica's agent forwards it as a command).
 */
import type { CommandRecord, ParameterValue, PendingChangeRecord } from '@patroni-tuner/backend/contract';
import { AgentRequestError, agentRequest } from './agent-api';
import { followCommand } from './commands';

const pendingPath = (sessionId: string) => `/api/v1/sessions/${encodeURIComponent(sessionId)}/pending`;

/** The change awaiting review, or null when none does (the agent answers 404 no_pending_change). */
export async function fetchPendingChange(slot: number, sessionId: string): Promise<PendingChangeRecord | null> {
  try {
    return (await agentRequest<{ pendingChange: PendingChangeRecord }>(slot, pendingPath(sessionId))).pendingChange;
  } catch (error) {
    if (error instanceof AgentRequestError && error.body?.error.code === 'no_pending_change') {
      return null;
    }
    throw error;
  }
}

export type DecisionOutcome = { decided: true; via: 'leader' | 'command' } | { decided: false; reason: string };

type DecisionAnswer = { pendingChange: PendingChangeRecord } | { command: CommandRecord; leader: string };

async function decide(slot: number, path: string, data: object, commandPollMs: number): Promise<DecisionOutcome> {
  const answer = await agentRequest<DecisionAnswer>(slot, path, { method: 'POST', data });
  if ('pendingChange' in answer) {
    return { decided: true, via: 'leader' };
  }
  const outcome = await followCommand(slot, answer.command, commandPollMs);
  return outcome.done ? { decided: true, via: 'command' } : { decided: false, reason: outcome.reason };
}

/** `changes` (pg_settings units, over the pending configuration) are validated by the agent: a 400 invalid_changes names the knob. */
export const approveChange = (
  slot: number,
  sessionId: string,
  by: string,
  changes: Record<string, ParameterValue> | null,
  commandPollMs = 1000
) => decide(slot, `${pendingPath(sessionId)}/approve`, changes === null ? { by } : { by, changes }, commandPollMs);

export const rejectChange = (slot: number, sessionId: string, by: string, reason: string, commandPollMs = 1000) =>
  decide(slot, `${pendingPath(sessionId)}/reject`, reason.trim() === '' ? { by } : { by, reason }, commandPollMs);

/** The knob a 400 invalid_changes names (`body/changes/work_mem: …`), if any. */
export function invalidChangeKnob(error: AgentRequestError): string | null {
  if (error.body?.error.code !== 'invalid_changes') {
    return null;
  }
  return /body\/changes\/(\w+)/.exec(error.body.error.message)?.[1] ?? null;
}

export interface ReviewRow {
  name: string;
  baseline: ParameterValue | null;
  best: ParameterValue | null;
  pending: ParameterValue;
  /** The pending value differs from the baseline's. */
  changed: boolean;
}

/** One row per knob of the pending configuration: baseline, best so far and pending side by side. */
export function reviewRows(change: PendingChangeRecord): ReviewRow[] {
  return Object.keys(change.configuration)
    .sort()
    .map((name) => {
      const pending = change.configuration[name]!;
      const vsBaseline = change.vsBaseline[name];
      const vsBest = change.vsBest[name];
      return {
        name,
        baseline: vsBaseline === undefined ? pending : vsBaseline.from,
        best: vsBest === undefined ? pending : vsBest.from,
        pending,
        changed: vsBaseline !== undefined,
      };
    });
}

/** A reviewer's text as the pending value's type: a number stays a number, a boolean a boolean. */
export function parseEdited(text: string, like: ParameterValue): ParameterValue {
  const trimmed = text.trim();
  if (typeof like === 'number' && trimmed !== '' && Number.isFinite(Number(trimmed))) {
    return Number(trimmed);
  }
  if (typeof like === 'boolean' && (trimmed === 'true' || trimmed === 'false')) {
    return trimmed === 'true';
  }
  return trimmed;
}
