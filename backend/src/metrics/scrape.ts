import type { HostSnapshot } from '../host/snapshot.js';
import type { ClusterObservation, ProbeResult, WatcherStats } from '../observer/observation.js';
import type { PostgresSnapshot } from '../postgres/snapshots.js';
import type { DriftReport } from '../drift/report.js';
import type { HaltedSession } from '../tuning/failover/protocol.js';
import type { DetectedHalt, SessionProgress } from '../tuning/session/types.js';

/** Everything one scrape reports, gathered once per scrape (one round of queries, no per-metric IO). */
export interface Scrape {
  host: ProbeResult<HostSnapshot>;
  postgres: ProbeResult<PostgresSnapshot>;
  /** The watcher's latest poll of Patroni; Patroni is polled every interval, not per scrape. */
  cluster: ClusterObservation | null;
  watcher: WatcherStats;
  agent: { version: string; startedAt: number };
  /** The session this agent executes or executed last; null when it never ran one. */
  tuning: SessionProgress | null;
  /** Halted sessions not acknowledged yet, as this node's copy of the store shows them ([] when it could not be read). */
  failover: readonly HaltedSession[];
  /** Whether the store could be read for `failover`; false means the halted count is unknown, not 0. */
  failoverReadOk: boolean;
  /** Active sessions this agent saw halted before their record says so (SessionManager.detectedHalts). */
  detectedHalts: ReadonlyArray<DetectedHalt & { sessionId: string }>;
  /** The change the running session awaits a person's decision on (approval mode), and how long it has waited. */
  approval: { sessionId: string; pendingChangeId: number; waitedSeconds: number } | null;
  /** This node's last drift check; null when the agent has no drift checker (tests). */
  drift: { report: DriftReport | null; correctionsTotal: number } | null;
}
