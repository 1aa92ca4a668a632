/**
 * A mutating call sent to an agent that does not lead is recorded as a command for the leader's agent
 * (202); the app follows it through `/api/v1/commands/:id` until it is done or rejected.
 */
import type { CommandRecord } from '@patroni-tuner/backend/contract';
import { agentRequest } from './agent-api';

export type CommandOutcome = { done: true; result: Record<string, unknown> } | { done: false; reason: string };

export async function followCommand(slot: number, command: CommandRecord, pollMs: number): Promise<CommandOutcome> {
  let current = command;
  while (current.status === 'pending') {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    current = (await agentRequest<{ command: CommandRecord }>(slot, `/api/v1/commands/${current.id}`)).command;
  }
  const result = current.result ?? {};
  if (current.status === 'done') {
    return { done: true, result };
  }
  const error = result.error as { message?: unknown } | undefined;
  return {
    done: false,
    reason: typeof error?.message === 'string' ? error.message : `the command was ${current.status}`,
  };
}
