/**
 * Acknowledging a halted session, in a person's name, through any agent of the cluster: the leader's
 * agent acknowledges at once (200); another agent forwards it as a command (202), followed to its end.
 */
import type { CommandRecord, FailoverState, SessionRecord } from '@patroni-tuner/backend/contract';
import { agentRequest } from './agent-api';
import { followCommand } from './commands';

export type AcknowledgeOutcome =
  { acknowledged: true; via: 'leader' | 'command' } | { acknowledged: false; reason: string };

type AcknowledgeAnswer =
  { session: SessionRecord; failover: FailoverState } | { command: CommandRecord; leader: string };

/** `force` is needed only when the protocol gave up restoring the baseline (the agent answers 409 force_required). */
export async function acknowledgeHalt(
  slot: number,
  sessionId: string,
  by: string,
  { force = false, commandPollMs = 1000 }: { force?: boolean; commandPollMs?: number } = {}
): Promise<AcknowledgeOutcome> {
  const answer = await agentRequest<AcknowledgeAnswer>(
    slot,
    `/api/v1/sessions/${encodeURIComponent(sessionId)}/acknowledge`,
    {
      method: 'POST',
      data: force ? { by, force } : { by },
    }
  );
  if ('session' in answer) {
    return { acknowledged: true, via: 'leader' };
  }
  const outcome = await followCommand(slot, answer.command, commandPollMs);
  return outcome.done ? { acknowledged: true, via: 'command' } : { acknowledged: false, reason: outcome.reason };
}
