/**
 * The halt an agent detected that no session record shows yet. A halt is recorded by the leader's
 * agent, and after a failover the new leader's store is writable only once it is elected (about
 * Patroni's TTL later); meanwhile every agent's API would show the session `running` although the
 * agents know the leader is gone. This keeps the detection of the episode under way, from the
 * coordinator's decision on each poll, so the API and the metrics can show it at once.
 */
import type { ClusterObservation } from '../../observer/observation.js';
import type { SessionRecord, SessionState } from '../../model/records.js';
import { leaderMember, hasHealthyLeader } from '../../topology/predicates.js';
import type { Detection } from '../failover/protocol.js';
import type { DetectedHalt } from './types.js';

/** Active states a halt can still be missing from (a halted record shows its own halt). */
export const UNHALTED_ACTIVE_STATES: readonly SessionState[] = ['pending', 'preparing', 'running', 'finishing'];

export class DetectedHalts {
  /** The detection of the episode under way; null before any. */
  #current: Detection | null = null;
  /** The leader seen leading, healthy and reachable, since that detection. */
  #healthyLeaderSince: string | null = null;

  /** Takes one poll and the coordinator's decision on it (the episode's detection, or null when nothing is wrong). */
  observe(observation: ClusterObservation, detection: Detection | null): void {
    if (detection !== null) {
      if (detection !== this.#current) this.#healthyLeaderSince = null;
      this.#current = detection;
      return;
    }
    if (this.#current === null || !observation.patroni.ok) return;
    const topology = observation.patroni.value.topology;
    if (hasHealthyLeader(topology) && (observation.leader === null || observation.leader.ok)) {
      this.#healthyLeaderSince = leaderMember(topology)!.name;
    }
  }

  /**
   * The halt `session` has not recorded: it is active, not halted, and this agent detected a change
   * after it started, in an episode that is not over — the session's own executor seen leading,
   * healthy, since then means it went on (a new leader does not: the session was halted).
   */
  of(session: SessionRecord): DetectedHalt | null {
    const detection = this.#current;
    if (detection === null || !UNHALTED_ACTIVE_STATES.includes(session.state)) return null;
    if (detection.at < session.createdAt.getTime() || this.#healthyLeaderSince === session.executor) return null;
    return { at: detection.at, reason: detection.reason, recorded: false };
  }

  /** Whether a detection is held, so the active sessions are worth reading. */
  get holding(): boolean {
    return this.#current !== null;
  }

  /**
   * After a read of the active sessions: once a leader is healthy again and none of them shows the
   * detection (the new leader recorded the halt, or the session went on), the episode is over and
   * the detection is let go, so the store is not read for it again.
   */
  settle(active: readonly SessionRecord[]): void {
    if (this.#healthyLeaderSince !== null && active.every((session) => this.of(session) === null)) this.#current = null;
  }
}
