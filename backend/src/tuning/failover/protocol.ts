/**
 * The seam between the session manager and the failover protocol. The wiring (tuning-wiring.ts)
 * builds the protocol (coordinator.ts) and hands it to the manager, which sees only
 * `FailoverProtocol`; the coordinator sees the manager only as `LocalRuns`. Neither imports the
 * other's class.
 */
import type { ClusterObservation } from '../../observer/observation.js';
import type { SessionRecord } from '../../model/records.js';
import type { FailoverState } from '../../model/failover-state.js';
import type { TopologyEvent } from '../../topology/diff.js';

/** A topology change as one agent saw it. */
export interface Detection {
  /** When this agent saw it (epoch ms). */
  at: number;
  /** The start of this agent's last poll before it that showed nothing wrong; null if none. */
  changedAt: number | null;
  reason: string;
  events: TopologyEvent[];
}

/** What this process knows of a session it executed. */
export type LocalRun =
  /** Starting or running here. */
  | { kind: 'running' }
  /** Ended here on its own (the store says how). */
  | { kind: 'ended' }
  /** Halted here: the protocol starts with this detection. */
  | { kind: 'halted'; detection: Detection }
  /** Its runner lost the store and stopped: nothing more is applied; treated as an executor restart. */
  | { kind: 'lost' };

/** A halted session not yet acknowledged, with its protocol state, for metrics and the API. */
export interface HaltedSession {
  session: SessionRecord;
  failover: FailoverState | null;
}

/** The sessions this process executes, as the protocol asks about them (the manager answers). */
export interface LocalRuns {
  /** What this process did with a session; null when it never ran it (e.g. before a restart). */
  localRun(sessionId: string): LocalRun | null;
  /**
   * A session this agent executed before it restarted that can go on where it was (an approval-mode
   * session waiting for a decision: nothing is in flight): resumes it and says true; false to abort it.
   */
  resume(session: SessionRecord): Promise<boolean>;
}

/** The failover protocol as the session manager uses it. */
export interface FailoverProtocol {
  /**
   * Takes one poll into account and steps the protocol in the background. Returns the detection
   * this poll belongs to when it shows something wrong, else null. Never throws.
   */
  observe(observation: ClusterObservation, events: TopologyEvent[]): Detection | null;
  /** Halted sessions awaiting acknowledgement, as this node's store shows them. */
  haltedSessions(): Promise<HaltedSession[]>;
  /** A person acknowledges the halt of `sessionId` (leader's agent only). */
  acknowledge(sessionId: string, by: string, options?: { force?: boolean }): Promise<{ session: SessionRecord; failover: FailoverState }>;
  /** Waits for the step under way; a restore in progress is cut short. */
  close(): Promise<void>;
}

/** Builds the protocol for a manager, given the manager's local runs (the wiring's choice of protocol). */
export type FailoverProtocolFactory = (localRuns: LocalRuns) => FailoverProtocol;
