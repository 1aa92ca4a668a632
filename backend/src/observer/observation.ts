/**
 * What one poll of the cluster watcher saw (cluster-watcher.ts makes them): the data every room
 * that judges the cluster reads, apart from the class that polls.
 */
import type { NodeStatus } from '../patroni/responses.js';
import type { TopologyEvent } from '../topology/diff.js';
import type { Topology } from '../topology/model.js';
import type { ProbeResult } from './probe.js';

export type { ProbeResult } from './probe.js';

export interface ClusterObservation {
  /** Epoch ms when the poll started. */
  at: number;
  patroni: ProbeResult<{ node: NodeStatus; topology: Topology }>;
  postgres: ProbeResult<{ inRecovery: boolean }>;
  /** The member this agent runs beside, when Patroni answered and it could be identified. */
  self: string | null;
  /**
   * The leader's own REST API (GET /patroni at its api_url), asked by an agent that is not beside
   * the leader: the DCS keeps listing a dead leader until its key expires (the TTL), its REST API
   * stops answering at once. Null when this agent is beside the leader, there is no leader, or
   * /cluster gives it no api_url.
   */
  leader: ProbeResult<NodeStatus> | null;
  /**
   * Set when the connection this agent holds to the leader's PostgreSQL (leader-connection.ts)
   * dropped and a new one failed, and not reopened since: the leader's PostgreSQL is gone, as far as
   * this agent can tell, before its Patroni says so.
   */
  leaderPostgresLost?: LostConnection;
}

/** A held connection to `member`'s PostgreSQL that dropped and could not be opened again. */
export interface LostConnection {
  member: string;
  reason: string;
}

export interface TimedTopologyEvent {
  at: number;
  event: TopologyEvent;
}

export interface WatcherStats {
  polls: number;
  patroniErrors: number;
  postgresErrors: number;
  /** Epoch ms of the last poll where both Patroni and PostgreSQL answered. */
  lastSuccessAt: number | null;
}

/** Patroni's scope (the cluster's name) as the observation shows it; null without an answer from Patroni. */
export function observedScope(observation: ClusterObservation | null): string | null {
  return observation?.patroni.ok ? observation.patroni.value.topology.scope : null;
}
