/** The sessions page's data: the cluster's recent sessions, each with its iterations done. */
import type { AgentSlot } from '../settings';
import { ACTIVE_STATES, iterationsDone, listSessions, sessionDetail, type ListedSession } from './activity';
import { discoverFleet, type FailedAgent, type FleetCluster } from './fleet';

/** Sessions shown (newest first); each needs its detail read for the iterations done. */
export const SESSIONS_SHOWN = 20;

export interface SessionRow {
  session: ListedSession;
  iterationsDone: number;
}

export interface SessionsOverview {
  /** Null when no agent that answers belongs to the cluster. */
  cluster: FleetCluster | null;
  failed: FailedAgent[];
  sessions: SessionRow[];
  /** Every session the agent lists, shown or not. */
  total: number;
  /** The session running now, if any (a new one cannot start beside it). */
  active: ListedSession | null;
  /** Halted sessions: a new session waits for their acknowledgement. */
  halted: ListedSession[];
}

export async function loadSessionsOverview(agents: readonly AgentSlot[], scope: string): Promise<SessionsOverview> {
  const fleet = await discoverFleet(agents);
  const cluster = fleet.clusters.find((c) => c.scope === scope) ?? null;
  if (cluster === null) {
    return { cluster, failed: fleet.failed, sessions: [], total: 0, active: null, halted: [] };
  }
  const slot = cluster.answering.slot;
  const listed = (await listSessions(slot)).sort(
    (a, b) => Date.parse(String(b.createdAt)) - Date.parse(String(a.createdAt))
  );
  const shown = listed.slice(0, SESSIONS_SHOWN);
  const details = await Promise.all(shown.map((session) => sessionDetail(slot, session.id)));
  return {
    cluster,
    failed: fleet.failed,
    sessions: shown.map((session, index) => ({ session, iterationsDone: iterationsDone(details[index]!) })),
    total: listed.length,
    active: listed.find((session) => ACTIVE_STATES.has(session.state)) ?? null,
    halted: listed.filter((session) => session.state === 'halted' || session.detectedHalt !== null),
  };
}
