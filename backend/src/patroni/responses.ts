/**
 * Normalised Patroni responses other than /cluster, which becomes the `Topology` of
 * topology/model.ts. Like the topology, these hide every difference between Patroni 2.x and 4.x.
 */
import type { MemberHealth, MemberRole } from '../topology/model.js';

/** One node's own view, from its GET /patroni. */
export interface NodeStatus {
  /** The member name; Patroni reports it from 3.2 on, older versions give null. */
  name: string | null;
  scope: string | null;
  role: MemberRole;
  health: MemberHealth;
  /** Patroni's own state string, kept for display (`running`, `stopped`, `restart failed (…)` …). */
  state: string;
  /** Synchronous or quorum standby. */
  isSync: boolean;
  /** Null when PostgreSQL is down, or on a replica that has not learnt its timeline yet. */
  timeline: number | null;
  pendingRestart: boolean;
  /** Maintenance mode (`pause`). */
  paused: boolean;
  /** Nobody holds the leader lock, or this node cannot reach the DCS: Patroni does not tell which. */
  clusterUnlocked: boolean;
  /** DCS failsafe mode is keeping the primary up without the DCS. */
  failsafeActive: boolean;
  patroniVersion: string | null;
  /** PostgreSQL's version number, e.g. 150008 for 15.8. */
  serverVersion: number | null;
  /** Primary only: the WAL flush position in bytes. */
  walLocation: number | null;
  /** Replica only: the WAL received position in bytes. */
  receivedLocation: number | null;
  /** Replica only: the WAL replayed position in bytes. */
  replayedLocation: number | null;
  /** Epoch seconds of the node's last successful DCS read. */
  dcsLastSeen: number | null;
  /** Replica only, Patroni 3.0.4+: `streaming` or `in archive recovery`. */
  replicationState: string | null;
}

/**
 * The dynamic configuration stored in the DCS (GET /config), in Patroni's own snake_case keys,
 * because it is patched back as it is. Only what the agent reads, and the normaliser checks, is typed.
 */
export interface PatroniConfig {
  postgresql?: {
    parameters?: Record<string, string | number | boolean>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A PATCH /config body: Patroni merges it into the stored configuration; null removes a key. */
export interface PatroniConfigPatch {
  pause?: boolean | null;
  postgresql?: {
    parameters?: Record<string, string | number | boolean | null>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** One line of GET /history: the switch from `timeline` to `timeline + 1`. */
export interface TimelineSwitch {
  /** The timeline that ended. */
  timeline: number;
  /** Where it ended, as a byte offset. */
  lsn: number;
  reason: string;
  /** ISO-8601 time of the promotion; Patroni records it only for switches it saw. */
  promotedAt: string | null;
  /** The member promoted onto the next timeline, when Patroni recorded it. */
  newLeader: string | null;
}
