/** The JSON shapes the API answers with, built from the watcher's observations. */
import type { ClusterObservation, TimedTopologyEvent, WatcherStats } from '../observer/cluster-watcher.js';
import { redact } from '../config/config.js';
import type { Member } from '../topology/model.js';
import type { DetectedHalt } from '../tuning/session/detected-halt.js';

export interface HealthView {
  status: 'ok' | 'degraded' | 'starting';
  /** Why the agent is degraded; empty when ok. */
  reasons: string[];
  patroni: { ok: boolean; error?: string };
  postgres: { ok: boolean; error?: string };
  member: string | null;
  lastPollAt: string | null;
  lastSuccessfulPollAt: string | null;
}

/** Liveness with detail: the agent answers 200 while it runs; Patroni or PostgreSQL down is "degraded". */
export function healthView(observation: ClusterObservation | null, stats: WatcherStats): HealthView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  if (observation === null) {
    return {
      status: 'starting',
      reasons: ['no poll has completed yet'],
      patroni: { ok: false },
      postgres: { ok: false },
      member: null,
      lastPollAt: null,
      lastSuccessfulPollAt: null,
    };
  }
  // Error messages may quote a URL; a password in one never reaches the answer.
  const reasons: string[] = [];
  if (!observation.patroni.ok) reasons.push(`Patroni unreachable: ${redact(observation.patroni.message)}`);
  if (!observation.postgres.ok) reasons.push(`PostgreSQL unreachable: ${redact(observation.postgres.message)}`);
  const part = (probe: ClusterObservation['patroni'] | ClusterObservation['postgres']) =>
    probe.ok ? { ok: true } : { ok: false, error: redact(probe.message) };
  return {
    status: reasons.length === 0 ? 'ok' : 'degraded',
    reasons,
    patroni: part(observation.patroni),
    postgres: part(observation.postgres),
    member: observation.self,
    lastPollAt: iso(observation.at),
    lastSuccessfulPollAt: iso(stats.lastSuccessAt),
  };
}

export interface ClusterView {
  scope: string | null;
  /** The member this agent runs beside (null when it could not be identified). */
  self: string | null;
  leader: string | null;
  timeline: number | null;
  paused: boolean;
  unlocked: boolean;
  members: Member[];
  observedAt: string;
  postgres: { ok: true; inRecovery: boolean } | { ok: false; error: string };
  patroniVersion: string | null;
  recentEvents: Array<{ at: string } & TimedTopologyEvent['event']>;
}

export function clusterView(observation: ClusterObservation, events: readonly TimedTopologyEvent[]): ClusterView {
  if (!observation.patroni.ok) throw new Error('clusterView needs a successful Patroni poll');
  const { node, topology } = observation.patroni.value;
  return {
    scope: topology.scope,
    self: observation.self,
    leader: topology.leader,
    timeline: topology.timeline,
    paused: topology.paused,
    unlocked: topology.unlocked,
    members: topology.members,
    observedAt: new Date(observation.at).toISOString(),
    postgres: observation.postgres.ok
      ? { ok: true, inRecovery: observation.postgres.value.inRecovery }
      : { ok: false, error: observation.postgres.message },
    patroniVersion: node.patroniVersion,
    recentEvents: events.map(({ at, event }) => ({ at: new Date(at).toISOString(), ...event })),
  };
}

/** A halt this agent saw that the session's record does not show yet (the record still says it runs). */
export interface DetectedHaltView {
  at: string;
  reason: string;
  recorded: false;
}

/** A session as the API shows it: its record, plus `detectedHalt` (null unless this agent saw it halted first). */
export function sessionView<T extends object>(session: T, halt: DetectedHalt | null): T & { detectedHalt: DetectedHaltView | null } {
  return { ...session, detectedHalt: halt === null ? null : { at: new Date(halt.at).toISOString(), reason: halt.reason, recorded: false } };
}
