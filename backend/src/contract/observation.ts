/** What an agent observes: its health and the cluster as its watcher last saw it. */
import { type Static, type TObject, Type } from '@sinclair/typebox';
import { IsoTime, JsonObject, Nullable, StringEnum } from './common.js';

const ProbeState = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });

export const HealthView = Type.Object({
  status: StringEnum(['ok', 'degraded', 'starting']),
  /** Why the agent is degraded; empty when ok. */
  reasons: Type.Array(Type.String()),
  patroni: ProbeState,
  postgres: ProbeState,
  member: Nullable(Type.String()),
  lastPollAt: Nullable(IsoTime),
  lastSuccessfulPollAt: Nullable(IsoTime),
});

export const MemberRole = StringEnum(['primary', 'standby_leader', 'replica', 'transitional', 'unknown']);
export const MemberHealth = StringEnum(['up', 'starting', 'stopping', 'stopped', 'failed', 'unknown']);

export const Member = Type.Object({
  name: Type.String(),
  role: MemberRole,
  health: MemberHealth,
  /** Patroni's own state string (`running`, `streaming`, `start failed` …). */
  state: Type.String(),
  isLeader: Type.Boolean(),
  isSync: Type.Boolean(),
  apiUrl: Nullable(Type.String()),
  host: Nullable(Type.String()),
  port: Nullable(Type.Integer()),
  timeline: Nullable(Type.Integer()),
  /** Replication lag in bytes; null when Patroni reports `unknown`, or for the leader. */
  lagBytes: Nullable(Type.Number()),
  pendingRestart: Type.Boolean(),
  tags: JsonObject,
});

const TOPOLOGY_EVENTS = [
  Type.Object({ type: Type.Literal('leader_lost'), from: Type.String() }),
  Type.Object({ type: Type.Literal('leader_acquired'), to: Type.String() }),
  Type.Object({ type: Type.Literal('leader_changed'), from: Type.String(), to: Type.String() }),
  Type.Object({ type: Type.Literal('lock_released') }),
  Type.Object({ type: Type.Literal('lock_acquired') }),
  Type.Object({ type: Type.Literal('timeline_changed'), from: Type.Integer(), to: Type.Integer() }),
  Type.Object({ type: Type.Literal('paused') }),
  Type.Object({ type: Type.Literal('resumed') }),
  /** `health` is null when the member left the list. */
  Type.Object({ type: Type.Literal('member_down'), member: Type.String(), health: Nullable(MemberHealth), wasLeader: Type.Boolean() }),
  /** `previousHealth` is null when the member was not listed before. */
  Type.Object({ type: Type.Literal('member_up'), member: Type.String(), previousHealth: Nullable(MemberHealth) }),
] as const;

/** A change between two observations of the cluster. */
export const TopologyEvent = Type.Union([...TOPOLOGY_EVENTS]);

/** A topology event with the time the agent saw it. */
export const TimedTopologyEvent = Type.Union(TOPOLOGY_EVENTS.map((event) => Type.Object({ at: IsoTime, ...event.properties })) as unknown as Timed<typeof TOPOLOGY_EVENTS>);

/** Each event schema of the list with `at` added (what the map above builds, typed event by event). */
type Timed<T extends readonly TObject[]> = { -readonly [K in keyof T]: T[K] extends TObject<infer P> ? TObject<{ at: typeof IsoTime } & P> : never };

export const ClusterView = Type.Object({
  scope: Nullable(Type.String()),
  /** The member this agent runs beside (null when it could not be identified). */
  self: Nullable(Type.String()),
  leader: Nullable(Type.String()),
  timeline: Nullable(Type.Integer()),
  paused: Type.Boolean(),
  unlocked: Type.Boolean(),
  members: Type.Array(Member),
  observedAt: IsoTime,
  postgres: Type.Union([
    Type.Object({ ok: Type.Literal(true), inRecovery: Type.Boolean() }),
    Type.Object({ ok: Type.Literal(false), error: Type.String() }),
  ]),
  patroniVersion: Nullable(Type.String()),
  recentEvents: Type.Array(TimedTopologyEvent),
});

export type HealthView = Static<typeof HealthView>;
export type MemberRole = Static<typeof MemberRole>;
export type MemberHealth = Static<typeof MemberHealth>;
export type Member = Static<typeof Member>;
export type TopologyEvent = Static<typeof TopologyEvent>;
export type TimedTopologyEvent = Static<typeof TimedTopologyEvent>;
export type ClusterView = Static<typeof ClusterView>;
