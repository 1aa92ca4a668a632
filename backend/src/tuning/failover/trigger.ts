/**
 * What halts a session (DESIGN.md §4 rule 8.1), as one pure decision the caller makes on each poll
 * before calling startFailover: the leader lost or replaced, the lock released, a timeline change,
 * pause, the leader's PostgreSQL going down while it keeps the lock, the executor's node found to be
 * a replica, or the leader found unreachable.
 */
import type { ClusterObservation } from '../../observer/observation.js';
import type { TopologyEvent, TopologyEventType } from '../../topology/diff.js';

/** Topology events that halt a session whatever else happened in the same poll. */
export const HALTING_EVENT_TYPES: ReadonlySet<TopologyEventType> = new Set<TopologyEventType>([
  'leader_lost',
  'leader_changed',
  'lock_released',
  'timeline_changed',
  'paused',
]);

export interface HaltTriggerInput {
  /** The events of one poll (diffTopology). */
  events: TopologyEvent[];
  /** The executor's node is a replica now (Patroni role or pg_is_in_recovery()). */
  executorIsReplica?: boolean;
  /** Why the leader is unreachable (its REST API or its PostgreSQL did not answer), or null. */
  leaderUnreachable?: string | null;
}

export interface HaltTrigger {
  /** For the session record and the halt record, e.g. `topology changed: leader_changed, timeline_changed`. */
  reason: string;
  /** The events that halt, in diff order; the input for startFailover. */
  events: TopologyEvent[];
}

/** The halt to start, or null when nothing in this poll halts a session. */
export function haltTrigger(input: HaltTriggerInput): HaltTrigger | null {
  // `member_down` of the lock holder is how diffTopology reports the leader's PostgreSQL going down
  // while it keeps the lock: the leader is unreachable as far as tuning is concerned.
  const events = input.events.filter((event) => HALTING_EVENT_TYPES.has(event.type) || (event.type === 'member_down' && event.wasLeader));
  const reasons: string[] = [];
  if (events.length > 0) {
    const names = events.map((event) => (event.type === 'member_down' ? `leader_down(${event.member})` : event.type));
    reasons.push(`topology changed: ${names.join(', ')}`);
  }
  if (input.executorIsReplica === true) reasons.push('this node is no longer the leader');
  if (input.leaderUnreachable) reasons.push(`the leader is unreachable: ${input.leaderUnreachable}`);
  if (reasons.length === 0) return null;
  return { reason: reasons.join('; '), events: events.map((event) => ({ ...event })) };
}

export interface PollTriggerInput {
  observation: ClusterObservation;
  /** The topology events of this poll. */
  events: TopologyEvent[];
  /** This agent's node led at the previous poll (so its own Patroni and PostgreSQL are the leader's). */
  wasLeader: boolean;
}

/**
 * What one poll of an agent says about the leader: the topology events, plus what only this agent
 * sees — its own Patroni or PostgreSQL gone while it led, its node no longer the leader, (beside
 * a replica) the leader's REST API not answering or reporting its PostgreSQL down, which the DCS
 * shows only once the leader key expires, or the connection it holds to the leader's PostgreSQL lost.
 */
export function pollTrigger({ observation, events, wasLeader }: PollTriggerInput): HaltTrigger | null {
  const { patroni, postgres, leader } = observation;
  let leaderUnreachable: string | null = null;
  let executorIsReplica = false;
  if (wasLeader) {
    if (!patroni.ok) leaderUnreachable = `this node's Patroni REST API: ${patroni.message}`;
    else if (!postgres.ok) leaderUnreachable = `this node's PostgreSQL: ${postgres.message}`;
    else executorIsReplica = patroni.value.topology.leader !== observation.self || postgres.value.inRecovery;
  } else if (leader !== null && patroni.ok) {
    const name = patroni.value.topology.leader ?? 'the leader';
    if (!leader.ok) leaderUnreachable = `${name}'s Patroni REST API: ${leader.message}`;
    else if (leader.value.health !== 'up') leaderUnreachable = `${name}'s PostgreSQL is ${leader.value.state}`;
  }
  // The held connection to the leader's PostgreSQL dropped and could not be opened again: known at
  // once, while the leader's Patroni may take a loop to notice (and its REST API seconds to say so).
  const lost = observation.leaderPostgresLost;
  if (leaderUnreachable === null && lost !== undefined && patroni.ok && lost.member === patroni.value.topology.leader) {
    leaderUnreachable = `${lost.member === observation.self ? "this node's" : `${lost.member}'s`} PostgreSQL: ${lost.reason}`;
  }
  return haltTrigger({ events, executorIsReplica, leaderUnreachable });
}

/** Whether this agent's node leads, as the poll shows: it holds the lock and its PostgreSQL is a primary. */
export function isLeaderObservation(observation: ClusterObservation | null): boolean {
  if (!observation?.patroni.ok || !observation.postgres.ok || observation.self === null) return false;
  return observation.patroni.value.topology.leader === observation.self && !observation.postgres.value.inRecovery;
}
