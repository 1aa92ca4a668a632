/** The JSON shapes the API answers with, built from the watcher's observations. */
import { redact } from '../config/config.js';
import type * as Wire from '../contract/index.js';
import type { ClusterView, HealthView, KnobsView, KnobView } from '../contract/index.js';
import type { DriftReport } from '../drift/report.js';
import type { StorageInference } from '../host/storage-inference.js';
import type { ClusterObservation, TimedTopologyEvent, WatcherStats } from '../observer/observation.js';
import type { Member } from '../topology/model.js';
import { formatForDisplay, type BoolKnob, type EnumKnob, type HostFacts, type Knob, type KnobCatalogue, type NumericKnob } from '../tuning/knobs/index.js';

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

/** The catalogue as GET /api/v1/knobs shows it: each tunable knob with its values formatted as PostgreSQL shows them. */
export function knobsView({ host, storageInference, tunable, excluded }: KnobCatalogue & { storageInference: StorageInference }): KnobsView {
  return { host: { ...host, storageInference }, tunable: tunable.map(knobView), excluded };
}

function knobView(knob: Knob): KnobView {
  const current = formatForDisplay(knob.current, knob.unit);
  switch (knob.vartype) {
    case 'integer':
    case 'real':
      return { ...knob, specials: [...knob.specials], display: { current, low: formatForDisplay(knob.low, knob.unit), high: formatForDisplay(knob.high, knob.unit) } };
    case 'bool':
      return { ...knob, choices: [...knob.choices], display: { current } };
    case 'enum':
      return { ...knob, enumvals: [...knob.enumvals], choices: [...knob.choices], display: { current } };
  }
}

/** Compile-time: the wire shows every field of what these views pass on (see session-views.ts). */
type Unlisted<WireType, Shown> = Exclude<keyof Shown, keyof WireType>;
type NoneUnlisted<T extends never> = T;
export type WireCoversObservations = [
  NoneUnlisted<Unlisted<Wire.Member, Member>>,
  NoneUnlisted<Unlisted<KnobsView['host'], HostFacts & { storageInference: StorageInference }>>,
  NoneUnlisted<Unlisted<KnobsView['host']['storageInference'], StorageInference>>,
  NoneUnlisted<Unlisted<Wire.NumericKnob, NumericKnob>>,
  NoneUnlisted<Unlisted<Wire.BoolKnob, BoolKnob>>,
  NoneUnlisted<Unlisted<Wire.EnumKnob, EnumKnob>>,
  NoneUnlisted<Unlisted<KnobsView['excluded'][number], KnobCatalogue['excluded'][number]>>,
  NoneUnlisted<Unlisted<Wire.DriftReport, DriftReport>>,
  NoneUnlisted<Unlisted<Wire.Drift, DriftReport['drifts'][number]>>,
];
