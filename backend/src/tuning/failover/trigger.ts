/**
 * What halts a session (DESIGN.md §4 rule 8.1), as one pure decision the caller makes on each poll
 * before calling startFailover: the leader lost or replaced, the lock released, a timeline change,
 * pause, the leader's PostgreSQL going down while it keeps the lock, the executor's node found to be
 * a replica, or the leader found unreachable.
 */
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
