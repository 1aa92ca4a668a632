/**
 * The fleet: every configured agent is asked `/api/v1/cluster`, and the agents are grouped by
 * Patroni `scope`. Each cluster is then read through one agent that answers — the leader's when it
 * does, otherwise the freshest replica's — so the app keeps working when the leader's host is gone.
 */
import type { ClusterView } from '@patroni-tuner/backend/contract';
import type { AgentSlot } from '../settings';
import { AgentRequestError, fetchCluster } from './agent-api';

export interface AnsweringAgent extends AgentSlot {
  cluster: ClusterView;
}

export interface FailedAgent extends AgentSlot {
  error: AgentRequestError;
}

export interface FleetCluster {
  scope: string;
  /** The agent the app reads this cluster through. */
  answering: AnsweringAgent;
  /** Every agent that answered for this scope, in slot order. */
  agents: AnsweringAgent[];
}

export interface Fleet {
  clusters: FleetCluster[];
  /** Agents that did not answer: their cluster is unknown while they are down. */
  failed: FailedAgent[];
}

/** Shown for agents whose Patroni did not report a scope (it always does from Patroni 3.2). */
export const UNKNOWN_SCOPE = '(no scope)';

export async function discoverFleet(agents: readonly AgentSlot[]): Promise<Fleet> {
  const probes = await Promise.all(
    agents.map(async (agent): Promise<AnsweringAgent | FailedAgent> => {
      try {
        return { ...agent, cluster: await fetchCluster(agent.slot) };
      } catch (error) {
        if (error instanceof AgentRequestError) {
          return { ...agent, error };
        }
        throw error;
      }
    })
  );
  const byScope = new Map<string, AnsweringAgent[]>();
  const failed: FailedAgent[] = [];
  for (const probe of probes) {
    if ('error' in probe) {
      failed.push(probe);
      continue;
    }
    const scope = probe.cluster.scope ?? UNKNOWN_SCOPE;
    byScope.set(scope, [...(byScope.get(scope) ?? []), probe]);
  }
  const clusters = [...byScope.entries()]
    .map(([scope, answered]) => ({ scope, answering: chooseAnswering(answered), agents: answered }))
    .sort((a, b) => a.scope.localeCompare(b.scope));
  return { clusters, failed };
}

/** The leader's own agent sees the cluster first; without it, the most recent observation wins. */
function chooseAnswering(agents: readonly AnsweringAgent[]): AnsweringAgent {
  const leaders = agents.filter((agent) => agent.cluster.self !== null && agent.cluster.self === agent.cluster.leader);
  const candidates = leaders.length > 0 ? leaders : agents;
  return candidates.reduce((best, agent) =>
    Date.parse(agent.cluster.observedAt) > Date.parse(best.cluster.observedAt) ? agent : best
  );
}
