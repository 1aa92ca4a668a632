/**
 * The failover protocol's persisted state (DESIGN.md §4 rules 8 and 9), its settings and its events.
 *
 * Everything here is JSON-safe: epoch milliseconds as numbers, strings, booleans, arrays and plain
 * objects, `null` for absent values (never `undefined`), so `JSON.parse(JSON.stringify(state))` is
 * deep-equal to `state`. The state is kept in the state store so that a new leader's agent can
 * continue it after a handoff and an agent that restarts can resume it in any phase. Times people
 * read are wall-clock epoch ms; waits are timed on a monotonic clock (`phaseEndsAtMono`, `monoAt`),
 * whose readings mean something only in the process that saved them: `phaseEndsAtMono − monoAt` is
 * what the phase had left at the save, and `resume` carries that over to another process's clock.
 */
import { CONFIG_VARIABLES, defaultDurationMs } from '../config/config.js';
import type { TopologyEvent } from '../topology/diff.js';
import type { Topology } from '../topology/model.js';

/**
 * The phases, in protocol order. `acknowledged` is the only terminal phase; the protocol goes back
 * from `stabilising`, `grace` and `restoring` to `recovering` when the leader it waits on changes.
 */
export const FAILOVER_PHASES = [
  'halted',
  'recovering',
  'stabilising',
  'grace',
  'restoring',
  'awaiting_acknowledgement',
  'acknowledged',
] as const;

export type FailoverPhase = (typeof FAILOVER_PHASES)[number];

/** Why a phase was entered (the `cause` of a `failover_phase_changed` event). */
export type FailoverCause =
  /** null → halted: the session was halted by a topology change. */
  | 'halted'
  /** halted → recovering: the first step after the halt. */
  | 'protocol_started'
  /** recovering → stabilising: a leader holds the lock, its PostgreSQL serves, the cluster is not paused. */
  | 'leader_healthy'
  /** stabilising → grace: the same leader and timeline stayed healthy for `stabilisationMs`. */
  | 'stabilised'
  /** grace → restoring: `graceMs` passed with the same leader and timeline healthy. */
  | 'grace_ended'
  /** restoring → awaiting_acknowledgement: the baseline is back. */
  | 'restored'
  /**
   * restoring → awaiting_acknowledgement: `restoreMaxAttempts` restores in a row failed; the halt can
   * only be cleared by a person acknowledging with `force`.
   */
  | 'restore_abandoned'
  /** awaiting_acknowledgement → acknowledged: a person acknowledged the halt. */
  | 'acknowledged'
  | LeaderDeparture;

/** Why the leader being waited on no longer counts (stabilising, grace or restoring → recovering). */
export type LeaderDeparture =
  /** Nobody is listed as the leader. */
  | 'leader_lost'
  /** Another member holds the leader lock. */
  | 'leader_changed'
  /** The leader is still listed but the cluster reports no lock (e.g. the local Patroni lost the DCS). */
  | 'lock_released'
  /** Same leader name, another timeline: a failover (and back) happened between observations. */
  | 'timeline_changed'
  /** The leader holds the lock but its PostgreSQL does not serve. */
  | 'leader_unhealthy'
  /** The cluster is in maintenance mode: no failover can happen, so nothing can be called stable. */
  | 'paused';

export interface FailoverSettings {
  /** How long the same leader and timeline must stay healthy before the grace period (default 30 s). */
  stabilisationMs: number;
  /** How long after stabilisation before the baseline is restored (default 5 min). */
  graceMs: number;
  /** Wait after a failed restore: `initial`, doubling after each consecutive failure, at most `max`. */
  restoreBackoffMs: { initial: number; max: number };
  /**
   * Restores that may fail in a row (in one restoring phase) before the protocol stops trying and
   * waits for a person to acknowledge with `force` (default 10).
   */
  restoreMaxAttempts: number;
}

/** DESIGN.md §3 / §4 rule 8 defaults (DBtune's published behaviour), from the configuration table. */
export const DEFAULT_FAILOVER_SETTINGS: Readonly<FailoverSettings> = Object.freeze({
  stabilisationMs: defaultDurationMs('TUNER_STABILIZATION'),
  graceMs: defaultDurationMs('TUNER_FAILOVER_GRACE'),
  restoreBackoffMs: Object.freeze({ initial: 1_000, max: 30_000 }),
  restoreMaxAttempts: Number(CONFIG_VARIABLES.TUNER_RESTORE_MAX_ATTEMPTS.default),
});

/** The topology change that halted the session. */
export interface HaltRecord {
  /** When the session was halted (epoch ms). */
  at: number;
  /** Human-readable, e.g. `topology changed: leader_changed, timeline_changed`. */
  reason: string;
  /** The topology events that triggered the halt (may be empty, e.g. the executor found to be a replica). */
  events: TopologyEvent[];
  /**
   * When the change happened, as far as the caller knows; typically the poll time of the last good
   * observation, which makes `detectionLatencyMs` an upper bound. Null when unknown.
   */
  changedAt: number | null;
  /** `at − changedAt` (never negative: a `changedAt` after the halt counts as 0); null when unknown. */
  detectionLatencyMs: number | null;
}

/** The leader the protocol waits on (stabilising, grace) or restores through (restoring). */
export interface FailoverLeader {
  name: string;
  /** Its timeline when first seen healthy; null if Patroni did not report one (learnt later). */
  timeline: number | null;
}

export interface RestoreAttempt {
  /** 1, 2, 3 … over the whole protocol run, so a late outcome of an abandoned attempt is recognised. */
  attempt: number;
  startedAt: number;
  /** The member whose agent was asked to restore (always the leader at the time). */
  by: string;
}

export interface RestoreProgress {
  /** Restore attempts started so far (over every restoring phase of this run). */
  attempts: number;
  /** The attempt asked for whose outcome has not been reported yet. */
  inFlight: RestoreAttempt | null;
  /** Consecutive failures in the current restoring phase; sets the backoff. Reset on entering restoring. */
  failures: number;
  /** After a failure: no attempt before this time. Null when an attempt may start at once. */
  nextAttemptAt: number | null;
  lastError: string | null;
  /** When the baseline was restored, by which member's agent, and which attempt. */
  restoredAt: number | null;
  restoredBy: string | null;
  restoredAttempt: number | null;
  /** Members that could not be reached to verify the restored baseline; reconciled later by drift checks. */
  unverified: string[];
  /** Set when the protocol gave up restoring (cause `restore_abandoned`); null otherwise. */
  unresolved: UnresolvedRestore | null;
  /** Tuned knobs the restore left alone because someone else set them after the tuner (rule 12). */
  changedBySomeoneElse: ChangedKnob[];
}

/** A tuned knob whose DCS value is not one the tuner set: reported, never overwritten. */
export interface ChangedKnob {
  name: string;
  /** The DCS value when the restore ran (null: absent). */
  dcs: string | null;
  /** The value of the latest PATCH of the session that set it; null when that PATCH removed it or none set it. */
  lastSentByTuner: string | null;
}

/** A member on which the baseline could not be verified, and the parameters it did not show. */
export interface NotVerified {
  member: string;
  /** Parameters showing another value or waiting for a restart; empty when the member could not be read. */
  parameters: string[];
}

/** Why the protocol stopped trying to restore the baseline. */
export interface UnresolvedRestore {
  /** Failed restores in a row. */
  failures: number;
  lastError: string;
  /** What the last attempt could not verify (empty when it failed before verifying, e.g. Patroni refused). */
  notVerified: NotVerified[];
}

export interface Acknowledgement {
  /** Who acknowledged (a person: user name or token subject). */
  by: string;
  at: number;
  /** True when the baseline was never restored and the person acknowledged with `force`. */
  forced: boolean;
  /** What was left unresolved when forced; null otherwise. */
  unresolved: UnresolvedRestore | null;
}

export interface FailoverState {
  /** Shape version of the persisted state. */
  version: 1;
  sessionId: string;
  phase: FailoverPhase;
  /** When the current phase was entered. */
  phaseSince: number;
  /**
   * When the current phase ends on its own: the end of stabilisation, the end of grace, or the end of
   * the backoff after a failed restore. Null in every other phase or moment. A phase ends only on an
   * observation at or after this time that still shows the same healthy leader. Shown to people;
   * the machine waits on `phaseEndsAtMono`.
   */
  phaseEndsAt: number | null;
  /** The same end on the monotonic clock of the process that saved the state; null with `phaseEndsAt`. */
  phaseEndsAtMono: number | null;
  halt: HaltRecord;
  /** Null in halted and recovering; in later phases the leader the protocol committed to. */
  leader: FailoverLeader | null;
  /** When `leader` was first seen healthy (the start of the current stabilisation); null with no leader. */
  stableSince: number | null;
  /** When stabilisation ended; null until then and after a fall back to recovering. */
  stabilisedAt: number | null;
  restore: RestoreProgress;
  /** How many times the protocol fell back to recovering. */
  restarts: number;
  acknowledgement: Acknowledgement | null;
  /**
   * When this state last changed (a transition, a restore attempt or outcome, a timeline learnt, a
   * checkpoint of the time left), on the wall clock; never moved backwards. Observations older than
   * `monoAt` on the monotonic clock are ignored, so a clock going backwards cannot undo anything.
   * Steps that change nothing return the very same object and do not move it, so the caller
   * persists only when `transition.state !== previous`.
   */
  updatedAt: number;
  /** The monotonic clock's reading at `updatedAt`, in the process that saved the state. */
  monoAt: number;
}

/** What an agent saw at `now`. */
export interface FailoverObservation {
  now: number;
  /** The monotonic clock at the same moment; `now` when absent (a clock that never steps). */
  mono?: number;
  /** The cluster as the local Patroni reports it; null when Patroni is unreachable or its answer unusable. */
  topology: Topology | null;
  /** The member this agent runs beside; null when unknown. */
  self: string | null;
}

/** Details of a phase change; cause-specific fields are present only for their cause. */
export interface PhaseChangeDetail {
  from: FailoverPhase | null;
  to: FailoverPhase;
  cause: FailoverCause;
  /** How long the protocol was in `from`; null for the first entry. */
  inPreviousPhaseMs: number | null;
  /** Time since the halt. */
  sinceHaltMs: number;
  /** The leader committed to after the change, with its timeline (null when none). */
  leader: string | null;
  timeline: number | null;
  phaseEndsAt: number | null;
  /** cause `halted`: what halted the session. */
  halt?: HaltRecord;
  /** A leader departure: what the observation showed. */
  observed?: { leader: string | null; timeline: number | null; paused: boolean; unlocked: boolean; healthyLeader: boolean };
  /** restoring → recovering with an attempt in flight: its number (its outcome will be ignored). */
  abandonedAttempt?: number;
  /** cause `restored`. */
  restore?: { attempt: number; by: string; unverified: string[]; changedBySomeoneElse: ChangedKnob[] };
  /** cause `restore_abandoned`: why the protocol stopped trying. */
  unresolved?: UnresolvedRestore;
  /** cause `acknowledged`. */
  acknowledgedBy?: string;
  /** cause `acknowledged`: whether the acknowledgement had to force an unresolved restore. */
  forced?: boolean;
}

interface EventBase {
  sessionId: string;
  /** Epoch ms. */
  at: number;
  /** The member the event is about (the leader, or the restoring agent's member); null when none. */
  member: string | null;
}

/** Maps onto the store's EventRecord (`at` as epoch ms); one record per transition or attempt. */
export type FailoverEvent =
  | (EventBase & { type: 'failover_phase_changed'; detail: PhaseChangeDetail })
  | (EventBase & { type: 'failover_restore_requested'; detail: { attempt: number; leader: string; timeline: number | null } })
  | (EventBase & {
      type: 'failover_restore_failed';
      /** `retryAt` null and `backoffMs` 0 when this failure made the protocol give up. */
      detail: { attempt: number; error: string; failures: number; backoffMs: number; retryAt: number | null };
    })
  | (EventBase & { type: 'failover_members_verified'; detail: { members: string[]; remaining: string[] } })
  | (EventBase & {
      type: 'failover_restore_outcome_ignored';
      detail: { attempt: number; outcome: 'succeeded' | 'failed'; phase: FailoverPhase; reason: string };
    });

export type FailoverEventType = FailoverEvent['type'];

export type FailoverAction =
  /** Store this event (before taking any action that follows it). */
  | { type: 'record_event'; event: FailoverEvent }
  /**
   * Restore the session's recorded baseline through Patroni, cluster-wide, and verify it on every
   * reachable member; report with restoreSucceeded / restoreFailed quoting `attempt`. Only ever
   * given to the agent beside the healthy leader the protocol committed to.
   */
  | { type: 'restore_baseline'; sessionId: string; attempt: number; leader: string; timeline: number | null };

export interface FailoverTransition {
  state: FailoverState;
  /** In order; every `record_event` comes before the action it describes. */
  actions: FailoverAction[];
}

/** The wait after the `failures`-th failed restore in a row: `initial × 2^(failures−1)`, at most `max`. */
export function restoreBackoff(settings: FailoverSettings, failures: number): number {
  const { initial, max } = settings.restoreBackoffMs;
  return Math.min(initial * 2 ** (failures - 1), max);
}

/** A settings object that would corrupt deadlines (NaN, negative, max below initial) is a programming error. */
export function assertFailoverSettings(settings: FailoverSettings): void {
  const bad = (what: string, value: unknown) => new RangeError(`failover settings: ${what} must be ${value}`);
  if (!isNonNegative(settings.stabilisationMs)) throw bad('stabilisationMs', 'a finite number ≥ 0');
  if (!isNonNegative(settings.graceMs)) throw bad('graceMs', 'a finite number ≥ 0');
  const { initial, max } = settings.restoreBackoffMs;
  if (!(isNonNegative(initial) && initial > 0)) throw bad('restoreBackoffMs.initial', 'a finite number > 0');
  if (!(isNonNegative(max) && max >= initial)) throw bad('restoreBackoffMs.max', 'a finite number ≥ restoreBackoffMs.initial');
  if (!(Number.isSafeInteger(settings.restoreMaxAttempts) && settings.restoreMaxAttempts >= 1)) throw bad('restoreMaxAttempts', 'a whole number ≥ 1');
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** A persisted state that does not have the expected shape. */
export class FailoverStateError extends Error {
  override readonly name = 'FailoverStateError';
  constructor(
    /** Where, e.g. `state.restore.inFlight.attempt`. */
    readonly where: string,
    problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}

/**
 * Checks a state read back from the store (after JSON.parse) and returns it typed. Throws
 * FailoverStateError naming the first field that does not fit, so a corrupt record is reported
 * rather than half-followed. Fields added since version 1 was first stored (`restore.unresolved`,
 * `restore.changedBySomeoneElse`, `acknowledgement.forced` and `.unresolved`, `phaseEndsAtMono`
 * and `monoAt`) are filled in when absent: neutral values, or the wall-clock times those states used.
 */
export function parseFailoverState(json: unknown): FailoverState {
  const state = object(json, 'state');
  if (state.version !== 1) throw new FailoverStateError('state.version', `expected 1, got ${JSON.stringify(state.version)}`);
  string(state.sessionId, 'state.sessionId');
  const phase = state.phase;
  if (typeof phase !== 'string' || !(FAILOVER_PHASES as readonly string[]).includes(phase)) {
    throw new FailoverStateError('state.phase', `expected one of ${FAILOVER_PHASES.join(', ')}, got ${JSON.stringify(phase)}`);
  }
  time(state.phaseSince, 'state.phaseSince');
  nullable(state.phaseEndsAt, 'state.phaseEndsAt', time);
  // States saved before the monotonic clock timed their waits used the wall clock for both.
  if (state.phaseEndsAtMono === undefined) state.phaseEndsAtMono = state.phaseEndsAt;
  nullable(state.phaseEndsAtMono, 'state.phaseEndsAtMono', finite);
  if ((state.phaseEndsAtMono === null) !== (state.phaseEndsAt === null)) {
    throw new FailoverStateError('state.phaseEndsAtMono', 'must be null exactly when state.phaseEndsAt is');
  }

  const halt = object(state.halt, 'state.halt');
  time(halt.at, 'state.halt.at');
  string(halt.reason, 'state.halt.reason');
  if (!Array.isArray(halt.events)) throw new FailoverStateError('state.halt.events', 'expected an array');
  halt.events.forEach((event, i) => string(object(event, `state.halt.events[${i}]`).type, `state.halt.events[${i}].type`));
  nullable(halt.changedAt, 'state.halt.changedAt', time);
  nullable(halt.detectionLatencyMs, 'state.halt.detectionLatencyMs', time);

  nullable(state.leader, 'state.leader', (value, where) => {
    const leader = object(value, where);
    string(leader.name, `${where}.name`);
    nullable(leader.timeline, `${where}.timeline`, time);
  });
  nullable(state.stableSince, 'state.stableSince', time);
  nullable(state.stabilisedAt, 'state.stabilisedAt', time);

  const restore = object(state.restore, 'state.restore');
  count(restore.attempts, 'state.restore.attempts');
  nullable(restore.inFlight, 'state.restore.inFlight', (value, where) => {
    const attempt = object(value, where);
    count(attempt.attempt, `${where}.attempt`);
    time(attempt.startedAt, `${where}.startedAt`);
    string(attempt.by, `${where}.by`);
  });
  count(restore.failures, 'state.restore.failures');
  nullable(restore.nextAttemptAt, 'state.restore.nextAttemptAt', time);
  nullable(restore.lastError, 'state.restore.lastError', string);
  nullable(restore.restoredAt, 'state.restore.restoredAt', time);
  nullable(restore.restoredBy, 'state.restore.restoredBy', string);
  nullable(restore.restoredAttempt, 'state.restore.restoredAttempt', count);
  if (!Array.isArray(restore.unverified)) throw new FailoverStateError('state.restore.unverified', 'expected an array');
  restore.unverified.forEach((member, i) => string(member, `state.restore.unverified[${i}]`));
  // Absent in states saved before restores could be abandoned.
  restore.unresolved ??= null;
  nullable(restore.unresolved, 'state.restore.unresolved', unresolved);
  restore.changedBySomeoneElse ??= [];
  if (!Array.isArray(restore.changedBySomeoneElse)) throw new FailoverStateError('state.restore.changedBySomeoneElse', 'expected an array');
  restore.changedBySomeoneElse.forEach((entry, i) => {
    const where = `state.restore.changedBySomeoneElse[${i}]`;
    const knob = object(entry, where);
    string(knob.name, `${where}.name`);
    nullable(knob.dcs, `${where}.dcs`, string);
    nullable(knob.lastSentByTuner, `${where}.lastSentByTuner`, string);
  });

  count(state.restarts, 'state.restarts');
  nullable(state.acknowledgement, 'state.acknowledgement', (value, where) => {
    const ack = object(value, where);
    string(ack.by, `${where}.by`);
    time(ack.at, `${where}.at`);
    // Absent in states saved before acknowledgements could be forced.
    ack.forced ??= false;
    if (typeof ack.forced !== 'boolean') throw new FailoverStateError(`${where}.forced`, `expected a boolean, got ${JSON.stringify(ack.forced)}`);
    ack.unresolved ??= null;
    nullable(ack.unresolved, `${where}.unresolved`, unresolved);
  });
  time(state.updatedAt, 'state.updatedAt');
  if (state.monoAt === undefined) state.monoAt = state.updatedAt;
  finite(state.monoAt, 'state.monoAt');
  if ((state.updatedAt as number) < (state.phaseSince as number)) {
    throw new FailoverStateError('state.updatedAt', 'is before state.phaseSince');
  }

  // The fields each phase relies on.
  const needsLeader = phase === 'stabilising' || phase === 'grace' || phase === 'restoring';
  if (needsLeader && (state.leader === null || state.stableSince === null)) {
    throw new FailoverStateError('state.leader', `phase ${phase} needs a leader and stableSince`);
  }
  if ((phase === 'stabilising' || phase === 'grace') && state.phaseEndsAt === null) {
    throw new FailoverStateError('state.phaseEndsAt', `phase ${phase} needs phaseEndsAt`);
  }
  if ((phase === 'awaiting_acknowledgement' || phase === 'acknowledged') && restore.restoredAt === null && restore.unresolved === null) {
    throw new FailoverStateError('state.restore.restoredAt', `phase ${phase} needs restoredAt or unresolved`);
  }
  if (phase === 'acknowledged' && state.acknowledgement === null) {
    throw new FailoverStateError('state.acknowledgement', 'phase acknowledged needs an acknowledgement');
  }
  return json as FailoverState;
}

function unresolved(value: unknown, where: string): void {
  const record = object(value, where);
  count(record.failures, `${where}.failures`);
  string(record.lastError, `${where}.lastError`);
  if (!Array.isArray(record.notVerified)) throw new FailoverStateError(`${where}.notVerified`, 'expected an array');
  record.notVerified.forEach((entry, i) => {
    const item = object(entry, `${where}.notVerified[${i}]`);
    string(item.member, `${where}.notVerified[${i}].member`);
    if (!Array.isArray(item.parameters)) throw new FailoverStateError(`${where}.notVerified[${i}].parameters`, 'expected an array');
    item.parameters.forEach((name, j) => string(name, `${where}.notVerified[${i}].parameters[${j}]`));
  });
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FailoverStateError(where, 'expected an object');
  return value as Record<string, unknown>;
}

function string(value: unknown, where: string): void {
  if (typeof value !== 'string') throw new FailoverStateError(where, `expected a string, got ${JSON.stringify(value)}`);
}

function time(value: unknown, where: string): void {
  if (!isNonNegative(value)) throw new FailoverStateError(where, `expected epoch ms or a duration (a finite number ≥ 0), got ${JSON.stringify(value)}`);
}

/** A monotonic clock reading: any finite number (its origin is the process's). */
function finite(value: unknown, where: string): void {
  if (!(typeof value === 'number' && Number.isFinite(value))) throw new FailoverStateError(where, `expected a finite number, got ${JSON.stringify(value)}`);
}

function count(value: unknown, where: string): void {
  if (!(Number.isSafeInteger(value) && (value as number) >= 0)) {
    throw new FailoverStateError(where, `expected a whole number ≥ 0, got ${JSON.stringify(value)}`);
  }
}

function nullable(value: unknown, where: string, check: (value: unknown, where: string) => void): void {
  if (value !== null) check(value, where);
}
