/**
 * What a cluster's sessions need a person to see on the fleet card: the active session with its
 * progress, and every halted session awaiting acknowledgement.
 */
import type {
  DetectedHaltView,
  FailoverPhase,
  PendingChangeRecord,
  SessionDetail,
  SessionRecord,
  SessionState,
} from '@patroni-tuner/backend/contract';
import { agentRequest } from './agent-api';
import { fetchPendingChange } from './approval';

/** A session as `GET /api/v1/sessions` lists it. */
export type ListedSession = SessionRecord & { detectedHalt: DetectedHaltView | null };

export const ACTIVE_STATES: ReadonlySet<SessionState> = new Set(['pending', 'preparing', 'running', 'finishing']);

export interface ActiveSession {
  session: ListedSession;
  /** Iterations measured or refused so far (the baseline, iteration 0, not counted). */
  iterationsDone: number;
  /** In approval mode, the change awaiting a person's review; null when none does. */
  pending: PendingChangeRecord | null;
}

export interface HaltedSession {
  session: ListedSession;
  /** Null before the protocol recorded its first phase, or when the agent saw the halt first. */
  phase: FailoverPhase | null;
  /** When the current phase ends on its own (end of stabilisation, grace or a restore's backoff), epoch ms. */
  phaseEndsAt: number | null;
}

export interface ClusterActivity {
  active: ActiveSession | null;
  halted: HaltedSession[];
}

export async function listSessions(slot: number): Promise<ListedSession[]> {
  return (await agentRequest<{ sessions: ListedSession[] }>(slot, '/api/v1/sessions')).sessions;
}

export const sessionDetail = (slot: number, id: string) =>
  agentRequest<SessionDetail>(slot, `/api/v1/sessions/${encodeURIComponent(id)}`);

export async function clusterActivity(slot: number): Promise<ClusterActivity> {
  const sessions = await listSessions(slot);
  // A session this agent saw halted before its record says so is shown as halted already.
  const halted = sessions.filter((s) => s.state === 'halted' || s.detectedHalt !== null);
  const active = sessions.find((s) => ACTIVE_STATES.has(s.state) && s.detectedHalt === null) ?? null;
  const [activeDetail, pending, ...haltedDetails] = await Promise.all([
    active === null ? null : sessionDetail(slot, active.id),
    active === null ? null : pendingChangeOf(slot, active),
    ...halted.map((s) => sessionDetail(slot, s.id)),
  ]);
  return {
    active:
      active === null || !activeDetail
        ? null
        : { session: active, iterationsDone: iterationsDone(activeDetail), pending: pending ?? null },
    halted: halted.map((session, index) => {
      const failover = haltedDetails[index]?.failover ?? null;
      // The wire's ISO time as epoch ms, for the banner's countdown.
      const phaseEndsAt = failover?.phaseEndsAt ? Date.parse(failover.phaseEndsAt) : null;
      return { session, phase: failover?.phase ?? null, phaseEndsAt };
    }),
  };
}

export function iterationsDone(detail: SessionDetail): number {
  return detail.iterations.filter((iteration) => iteration.number > 0 && iteration.endedAt !== null).length;
}

/** Only a session in approval mode has changes awaiting review (an older agent has no such route). */
export const pendingChangeOf = (slot: number, session: SessionRecord) =>
  session.options.approval === 'each' ? fetchPendingChange(slot, session.id) : Promise.resolve(null);
