/**
 * One session as its page shows it: the record with its iterations, events and pending changes, read
 * through the cluster's answering agent; stopping it; its best configuration as a patronictl command.
 */
import type {
  CommandRecord,
  IterationRecord,
  ParameterValue,
  PendingChangeRecord,
  RecommendationView,
  SessionDetail,
  SessionRecord,
} from '@patroni-tuner/backend/contract';
import type { AgentSlot } from '../settings';
import { AgentRequestError, agentRequest } from './agent-api';
import { ACTIVE_STATES, pendingChangeOf, sessionDetail } from './activity';
import { followCommand } from './commands';
import { discoverFleet, type FailedAgent, type FleetCluster } from './fleet';

export interface SessionView {
  /** Null when no agent that answers belongs to the cluster. */
  cluster: FleetCluster | null;
  failed: FailedAgent[];
  detail: SessionDetail | null;
  /** The agent's advice for the best measured configuration, when it comes from this session. */
  bestMeasured: RecommendationView['bestMeasured'];
  /** In approval mode, the change awaiting a person's review; null when none does. */
  pending: PendingChangeRecord | null;
}

export async function loadSessionView(agents: readonly AgentSlot[], scope: string, id: string): Promise<SessionView> {
  const fleet = await discoverFleet(agents);
  const cluster = fleet.clusters.find((c) => c.scope === scope) ?? null;
  if (cluster === null) {
    return { cluster, failed: fleet.failed, detail: null, bestMeasured: null, pending: null };
  }
  const slot = cluster.answering.slot;
  const [detail, advice] = await Promise.all([
    sessionDetail(slot, id),
    // The advice only adds the agent's own command: without it the page builds one from the best iteration.
    agentRequest<RecommendationView>(slot, '/api/v1/recommendation').catch((error: unknown) => {
      if (error instanceof AgentRequestError) {
        return null;
      }
      throw error;
    }),
  ]);
  const bestMeasured = advice?.bestMeasured?.measuredIn?.sessionId === id ? advice.bestMeasured : null;
  const pending = ACTIVE_STATES.has(detail.session.state) ? await pendingChangeOf(slot, detail.session) : null;
  return { cluster, failed: fleet.failed, detail, bestMeasured, pending };
}

export type StopOutcome = { stopping: true } | { stopping: false; reason: string };

type StopAnswer = { session: SessionRecord; stopping: true } | { command: CommandRecord; leader: string };

/** The leader's agent stops at once; any other agent's 202 command is followed to its end. */
export async function stopSession(slot: number, id: string, commandPollMs = 1000): Promise<StopOutcome> {
  const answer = await agentRequest<StopAnswer>(slot, `/api/v1/sessions/${encodeURIComponent(id)}/stop`, {
    method: 'POST',
  });
  if ('session' in answer) {
    return { stopping: true };
  }
  const outcome = await followCommand(slot, answer.command, commandPollMs);
  return outcome.done ? { stopping: true } : { stopping: false, reason: outcome.reason };
}

/** The measured iteration with the lowest score (lower is better), the baseline (0) included. */
export function bestIteration(iterations: readonly IterationRecord[]): IterationRecord | null {
  let best: IterationRecord | null = null;
  for (const iteration of iterations) {
    if (iteration.score !== null && (best === null || best.score === null || iteration.score < best.score)) {
      best = iteration;
    }
  }
  return best;
}

/**
 * An iteration's state as the app words it: a proposed iteration whose change waits for a person's review
 * (approval mode) is "awaiting approval"; any other state is the record's own.
 */
export function iterationStateLabel(
  iteration: IterationRecord,
  pendingChanges: readonly PendingChangeRecord[]
): string {
  const awaiting =
    iteration.state === 'proposed' &&
    iteration.endedAt === null &&
    pendingChanges.some((change) => change.status === 'pending' && change.iteration === iteration.number);
  return awaiting ? 'awaiting approval' : iteration.state;
}

export interface ValueDiff {
  name: string;
  baseline: ParameterValue | null;
  value: ParameterValue;
}

/** The knobs whose candidate value differs from the baseline's effective value, by name. */
export function diffAgainstBaseline(
  candidate: Record<string, ParameterValue>,
  baseline: Record<string, ParameterValue> | null
): ValueDiff[] {
  return Object.keys(candidate)
    .sort()
    .filter((name) => String(candidate[name]) !== String(baseline?.[name]))
    .map((name) => ({ name, baseline: baseline?.[name] ?? null, value: candidate[name]! }));
}

/**
 * `patronictl edit-config` setting the given values (pg_settings units: PostgreSQL reads a unitless
 * value in the setting's base unit, so they mean what the agent measured).
 */
export function patronictlCommand(scope: string, diff: readonly ValueDiff[]): string {
  if (diff.length === 0) {
    return '';
  }
  return [
    `patronictl edit-config ${shellQuote(scope)}`,
    ...diff.map((d) => `-p ${shellQuote(`${d.name}=${d.value}`)}`),
  ].join(' ');
}

const shellQuote = (text: string) => (/^[\w.,:=/@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
