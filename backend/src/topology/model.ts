/**
 * The normalised view of a Patroni cluster. Every Patroni version (2.x–4.x) is mapped onto these
 * types by the patroni module, so nothing else in the agent ever sees `master` vs `primary` or
 * `running` vs `streaming`.
 */

/** What a member is, whatever Patroni version called it. */
export type MemberRole = 'primary' | 'standby_leader' | 'replica' | 'transitional' | 'unknown';

/** Whether a member's PostgreSQL serves: up covers running, streaming and in archive recovery. */
export type MemberHealth = 'up' | 'starting' | 'stopping' | 'stopped' | 'failed' | 'unknown';

export interface Member {
  name: string;
  role: MemberRole;
  health: MemberHealth;
  /** Patroni's own state string, kept for display (`running`, `streaming`, `start failed` …). */
  state: string;
  /** True for the member holding the leader lock (role `leader` or `standby_leader` in /cluster). */
  isLeader: boolean;
  /** Synchronous or quorum standby. */
  isSync: boolean;
  apiUrl: string | null;
  host: string | null;
  port: number | null;
  timeline: number | null;
  /** Replication lag in bytes; null when Patroni reports `unknown` or for the leader. */
  lagBytes: number | null;
  pendingRestart: boolean;
  tags: Record<string, unknown>;
}

export interface Topology {
  /** Patroni's scope (the cluster name); null on versions before 3.2 unless learnt from /patroni. */
  scope: string | null;
  members: Member[];
  /** Name of the member holding the leader lock, or null when the cluster is unlocked. */
  leader: string | null;
  /** The leader's timeline, or the highest member timeline when there is no leader. */
  timeline: number | null;
  paused: boolean;
  /** True when nobody holds the leader lock (or the local Patroni cannot reach the DCS). */
  unlocked: boolean;
}
