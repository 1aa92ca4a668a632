/**
 * The failover protocol's state as the API shows it: wall-clock times as ISO strings; the monotonic
 * readings the protocol times its waits with stay inside the agent (they mean nothing elsewhere).
 */
import { type Static, Type } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum } from './common.js';
import { TopologyEvent } from './observation.js';

export const FailoverPhase = StringEnum(['halted', 'recovering', 'stabilising', 'grace', 'restoring', 'awaiting_acknowledgement', 'acknowledged']);

/** The topology change that halted the session. */
export const HaltRecord = Type.Object({
  at: IsoTime,
  reason: Type.String(),
  events: Type.Array(TopologyEvent),
  /** When the change happened as far as the agent knows (the last good poll); null when unknown. */
  changedAt: Nullable(IsoTime),
  /** `at − changedAt`; null when unknown. */
  detectionLatencyMs: Nullable(Type.Number()),
});

export const FailoverLeader = Type.Object({ name: Type.String(), timeline: Nullable(Type.Integer()) });

export const RestoreAttempt = Type.Object({ attempt: Type.Integer(), startedAt: IsoTime, by: Type.String() });

/** A tuned knob whose DCS value is not one the tuner set: reported, never overwritten. */
export const ChangedKnob = Type.Object({ name: Type.String(), dcs: Nullable(Type.String()), lastSentByTuner: Nullable(Type.String()) });

export const NotVerified = Type.Object({ member: Type.String(), parameters: Type.Array(Type.String()) });

/** Why the protocol stopped trying to restore the baseline. */
export const UnresolvedRestore = Type.Object({ failures: Type.Integer(), lastError: Type.String(), notVerified: Type.Array(NotVerified) });

export const RestoreProgress = Type.Object({
  attempts: Type.Integer(),
  inFlight: Nullable(RestoreAttempt),
  failures: Type.Integer(),
  nextAttemptAt: Nullable(IsoTime),
  lastError: Nullable(Type.String()),
  restoredAt: Nullable(IsoTime),
  restoredBy: Nullable(Type.String()),
  restoredAttempt: Nullable(Type.Integer()),
  /** Members that could not be reached to verify the restored baseline. */
  unverified: Type.Array(Type.String()),
  unresolved: Nullable(UnresolvedRestore),
  changedBySomeoneElse: Type.Array(ChangedKnob),
});

export const Acknowledgement = Type.Object({
  by: Type.String(),
  at: IsoTime,
  /** True when the baseline was never restored and the person acknowledged with `force`. */
  forced: Type.Boolean(),
  unresolved: Nullable(UnresolvedRestore),
});

export const FailoverState = Type.Object({
  sessionId: Type.String(),
  phase: FailoverPhase,
  phaseSince: IsoTime,
  /** When the current phase ends on its own (stabilisation, grace, a restore's backoff); null otherwise. */
  phaseEndsAt: Nullable(IsoTime),
  halt: HaltRecord,
  leader: Nullable(FailoverLeader),
  stableSince: Nullable(IsoTime),
  stabilisedAt: Nullable(IsoTime),
  restore: RestoreProgress,
  /** How many times the protocol fell back to recovering. */
  restarts: Type.Integer(),
  acknowledgement: Nullable(Acknowledgement),
  updatedAt: IsoTime,
});

export type FailoverPhase = Static<typeof FailoverPhase>;
export type HaltRecord = Static<typeof HaltRecord>;
export type FailoverLeader = Static<typeof FailoverLeader>;
export type RestoreAttempt = Static<typeof RestoreAttempt>;
export type ChangedKnob = Static<typeof ChangedKnob>;
export type NotVerified = Static<typeof NotVerified>;
export type UnresolvedRestore = Static<typeof UnresolvedRestore>;
export type RestoreProgress = Static<typeof RestoreProgress>;
export type Acknowledgement = Static<typeof Acknowledgement>;
export type FailoverState = Static<typeof FailoverState>;
