/**
 * The failover protocol (DESIGN.md §4 rule 8) as a pure state machine, one run per halted session:
 *
 *   halted → recovering → stabilising → grace → restoring → awaiting_acknowledgement → acknowledged
 *                ↑______________|___________|________|
 *                 the leader changed, its timeline changed, it stopped serving, the lock went, or pause
 *
 * - `halted`: entered at once by startFailover; the first step moves on to recovering.
 * - `recovering`: waits for a leader that holds the lock, whose PostgreSQL serves (hasHealthyLeader),
 *   in a cluster that is not paused.
 * - `stabilising`: that leader, by name and timeline, stays healthy and the cluster unpaused for
 *   `stabilisationMs`, counted from the observation that first showed it healthy.
 * - `grace`: a further `graceMs` under the same conditions.
 * - `restoring`: the agent beside that leader (and only that agent) is asked to restore the session's
 *   baseline cluster-wide; it reports the outcome. A failure is retried after a backoff.
 * - `awaiting_acknowledgement`: the baseline is back, or `restoreMaxAttempts` restores in a row failed
 *   (`restore.unresolved`, acknowledged only with `force`); nothing resumes until a person acknowledges.
 * - `acknowledged`: terminal.
 * A departure of the leader in stabilising, grace or restoring falls back to recovering, and if the
 * same observation already shows a healthy leader, stabilisation restarts with it in the same step.
 * After the baseline is restored topology changes no longer matter: the DCS holds the baseline
 * whoever leads, and members that rejoin are reconciled by drift checks.
 *
 * Time is only ever what the caller passes: `now`, the wall clock, stamps what people see (events,
 * `phaseSince`, `phaseEndsAt`; never moved backwards within a state), and `mono`, a monotonic clock
 * (defaults to `now` for a caller whose clock never steps), orders observations and times every wait.
 * A deadline is kept on the monotonic clock of the process that saved the state (`phaseEndsAtMono`,
 * with `monoAt` the reading at the save); a process that loads a state saved by another (its own
 * predecessor, or another leader's agent) calls `resume`, which re-anchors it on its own clock with
 * the time the phase had left at the save. So a wall clock stepped forward or back neither ends a
 * phase early nor freezes it, in one process or across a restart (the time between the last save
 * and the restart is not counted: a phase is never shortened by a clock nobody can check).
 * Phases end on an observation: an observation at or after `phaseEndsAtMono` that still shows the
 * committed leader healthy. An unknown topology (Patroni
 * unreachable: `topology: null`) neither ends nor restarts a phase; it only lets time pass, and the
 * next known observation decides. Time spent unknown still counts towards stabilisation and grace
 * when the same leader on the same timeline is seen after the gap: a failover in between would have
 * changed the timeline (and a brief outage of the leader between two observations is invisible with
 * or without the gap).
 *
 * Every transition, restore request and restore outcome comes with a `record_event` action, ahead of
 * any action it describes, so the store keeps the full history (rule 9).
 */
import type { TopologyEvent } from '../../topology/diff.js';
import type { Topology } from '../../topology/model.js';
import { hasHealthyLeader } from '../../topology/predicates.js';
import {
  assertFailoverSettings,
  type ChangedKnob,
  DEFAULT_FAILOVER_SETTINGS,
  restoreBackoff,
  type FailoverAction,
  type FailoverCause,
  type FailoverObservation,
  type FailoverPhase,
  type FailoverSettings,
  type FailoverState,
  type FailoverTransition,
  type LeaderDeparture,
  type NotVerified,
  type PhaseChangeDetail,
  type RestoreProgress,
  type UnresolvedRestore,
} from '../../model/failover-state.js';

export interface StartFailoverInput {
  sessionId: string;
  /** When the session was halted (epoch ms). */
  haltedAt: number;
  /** The monotonic clock now; `haltedAt` when absent. */
  mono?: number;
  reason: string;
  /** The topology events that triggered the halt; none when, e.g., the executor was found to be a replica. */
  events?: TopologyEvent[];
  /**
   * When the change happened, if known; the poll time of the last good observation is a fair
   * stand-in (the latency is then an upper bound of one poll interval).
   */
  changedAt?: number | null;
}

/** Starts the protocol for a halted session: the state in phase `halted`, and its first event. */
export function startFailover(input: StartFailoverInput): FailoverTransition {
  assertTime(input.haltedAt, 'haltedAt');
  const changedAt = input.changedAt ?? null;
  if (changedAt !== null) assertTime(changedAt, 'changedAt');
  const at = input.haltedAt;
  const state: FailoverState = {
    version: 1,
    sessionId: input.sessionId,
    phase: 'halted',
    phaseSince: at,
    phaseEndsAt: null,
    phaseEndsAtMono: null,
    halt: {
      at,
      reason: input.reason,
      events: (input.events ?? []).map((event) => ({ ...event })),
      changedAt,
      // A change reported after the halt (clock skew between whoever timed it) counts as detected at once.
      detectionLatencyMs: changedAt === null ? null : Math.max(0, at - changedAt),
    },
    leader: null,
    stableSince: null,
    stabilisedAt: null,
    restore: {
      attempts: 0,
      inFlight: null,
      failures: 0,
      nextAttemptAt: null,
      lastError: null,
      restoredAt: null,
      restoredBy: null,
      restoredAttempt: null,
      unverified: [],
      unresolved: null,
      changedBySomeoneElse: [],
    },
    restarts: 0,
    acknowledgement: null,
    updatedAt: at,
    monoAt: input.mono ?? at,
  };
  const detail: PhaseChangeDetail = {
    from: null,
    to: 'halted',
    cause: 'halted',
    inPreviousPhaseMs: null,
    sinceHaltMs: 0,
    leader: null,
    timeline: null,
    phaseEndsAt: null,
    halt: { ...state.halt, events: state.halt.events.map((event) => ({ ...event })) },
  };
  return {
    state,
    actions: [{ type: 'record_event', event: { type: 'failover_phase_changed', sessionId: state.sessionId, at, member: null, detail } }],
  };
}

/** A moment as the machine uses it: `at` for stamps (never before the state's), `mono` for waits. */
interface Instant {
  at: number;
  mono: number;
}

function instant(state: FailoverState, input: { now: number; mono?: number }): Instant {
  assertTime(input.now, 'now');
  if (input.mono !== undefined && !Number.isFinite(input.mono)) throw new RangeError(`failover: mono must be a finite number, got ${String(input.mono)}`);
  return { at: Math.max(input.now, state.updatedAt), mono: Math.max(input.mono ?? input.now, state.monoAt) };
}

/** What every change of the state moves: when it changed, on both clocks. */
function touched(t: Instant): Pick<FailoverState, 'updatedAt' | 'monoAt'> {
  return { updatedAt: t.at, monoAt: t.mono };
}

/** A phase that ends on its own `ms` from `t`, on both clocks. */
function endsIn(t: Instant, ms: number): Pick<FailoverState, 'phaseEndsAt' | 'phaseEndsAtMono'> {
  return { phaseEndsAt: t.at + ms, phaseEndsAtMono: t.mono + ms };
}

const NO_END: Pick<FailoverState, 'phaseEndsAt' | 'phaseEndsAtMono'> = { phaseEndsAt: null, phaseEndsAtMono: null };

/**
 * Takes one observation into account. Observations older than the state on the monotonic clock
 * (`mono` before `state.monoAt`) are ignored; one at the same time is processed (it may carry news)
 * and repeating it changes nothing. Several
 * transitions may happen in one step (e.g. stabilising → recovering → stabilising with a new leader).
 * Returns the very same state object when nothing changed.
 */
export function step(
  state: FailoverState,
  observation: FailoverObservation,
  settings: FailoverSettings = DEFAULT_FAILOVER_SETTINGS,
): FailoverTransition {
  assertFailoverSettings(settings);
  assertTime(observation.now, 'observation.now');
  if ((observation.mono ?? observation.now) < state.monoAt) return { state, actions: [] };
  const t = instant(state, observation);
  const actions: FailoverAction[] = [];
  let current = state;
  // Each pass makes at most one transition; a fall back plus a full forward run is 5 passes.
  for (let pass = 0; pass < 16; pass++) {
    const next = advance(current, observation, t, settings, actions);
    if (next === current) break;
    current = next;
  }
  return { state: current, actions };
}

export interface RestoreSuccess {
  now: number;
  /** The monotonic clock now; `now` when absent. */
  mono?: number;
  /** The `attempt` of the restore_baseline action this reports on. */
  attempt: number;
  /**
   * Members that could not be reached to verify the baseline (reconciled later by drift checks).
   * A reachable member that shows anything else than the baseline is a failure, not a success.
   */
  unverified: string[];
  /** Tuned knobs left alone because someone else set them after the tuner. */
  changedBySomeoneElse?: readonly ChangedKnob[];
}

/**
 * The baseline is in the DCS and verified on every reachable member → awaiting_acknowledgement.
 * An outcome for an attempt that is not the one in flight (the protocol fell back to recovering
 * meanwhile, or it was already reported) changes nothing and is recorded as ignored.
 */
export function restoreSucceeded(state: FailoverState, outcome: RestoreSuccess): FailoverTransition {
  const t = instant(state, outcome);
  const inFlight = state.restore.inFlight;
  if (state.phase !== 'restoring' || inFlight === null || inFlight.attempt !== outcome.attempt) {
    return ignoredOutcome(state, t.at, outcome.attempt, 'succeeded');
  }
  const unverified = [...new Set(outcome.unverified)].sort(compareNames);
  const changedBySomeoneElse = (outcome.changedBySomeoneElse ?? []).map((knob) => ({ ...knob }));
  const actions: FailoverAction[] = [];
  const next = enter(
    state,
    'awaiting_acknowledgement',
    'restored',
    t,
    {
      ...NO_END,
      restore: {
        ...state.restore,
        inFlight: null,
        nextAttemptAt: null,
        restoredAt: t.at,
        restoredBy: inFlight.by,
        restoredAttempt: inFlight.attempt,
        unverified,
        changedBySomeoneElse,
      },
    },
    actions,
    { restore: { attempt: inFlight.attempt, by: inFlight.by, unverified: [...unverified], changedBySomeoneElse: changedBySomeoneElse.map((knob) => ({ ...knob })) } },
  );
  return { state: next, actions };
}

export interface RestoreFailure {
  now: number;
  /** The monotonic clock now; `now` when absent. */
  mono?: number;
  attempt: number;
  /** e.g. `Patroni unreachable: connect ECONNREFUSED`, or which member showed what. */
  error: string;
  /** Reachable members that did not show the baseline, with the parameters they did not show. */
  notVerified?: readonly NotVerified[];
}

/**
 * The restore failed (Patroni unreachable, PATCH refused, a reachable member not showing the
 * baseline): stay in restoring and allow the next attempt after the backoff
 * (`initial × 2^(failures−1)`, at most `max`). A later step falls back to recovering if the leader
 * changed meanwhile. An outcome for another attempt is recorded as ignored.
 */
export function restoreFailed(
  state: FailoverState,
  outcome: RestoreFailure,
  settings: FailoverSettings = DEFAULT_FAILOVER_SETTINGS,
): FailoverTransition {
  assertFailoverSettings(settings);
  const t = instant(state, outcome);
  const at = t.at;
  const inFlight = state.restore.inFlight;
  if (state.phase !== 'restoring' || inFlight === null || inFlight.attempt !== outcome.attempt) {
    return ignoredOutcome(state, at, outcome.attempt, 'failed');
  }
  const failures = state.restore.failures + 1;
  const failed = (backoffMs: number, retryAt: number | null): FailoverAction => ({
    type: 'record_event',
    event: {
      type: 'failover_restore_failed',
      sessionId: state.sessionId,
      at,
      member: inFlight.by,
      detail: { attempt: inFlight.attempt, error: outcome.error, failures, backoffMs, retryAt },
    },
  });
  const restore: RestoreProgress = { ...state.restore, inFlight: null, failures, lastError: outcome.error };
  if (failures >= settings.restoreMaxAttempts) {
    // Retrying for ever would keep the session (and every new one) blocked with no way out: a person decides.
    const unresolved: UnresolvedRestore = {
      failures,
      lastError: outcome.error,
      notVerified: (outcome.notVerified ?? [])
        .map((entry) => ({ member: entry.member, parameters: [...new Set(entry.parameters)].sort(compareNames) }))
        .sort((a, b) => compareNames(a.member, b.member)),
    };
    const actions: FailoverAction[] = [failed(0, null)];
    const next = enter(state, 'awaiting_acknowledgement', 'restore_abandoned', t, { ...NO_END, restore: { ...restore, nextAttemptAt: null, unresolved } }, actions, {
      unresolved,
    });
    return { state: next, actions };
  }
  const backoffMs = restoreBackoff(settings, failures);
  const retryAt = at + backoffMs;
  const next: FailoverState = { ...state, ...endsIn(t, backoffMs), restore: { ...restore, nextAttemptAt: retryAt }, ...touched(t) };
  return { state: next, actions: [failed(backoffMs, retryAt)] };
}

/**
 * Members left unverified by the restore were checked again (they rejoined) and show the baseline:
 * they come off the list. Only after the baseline was restored; members not on the list are ignored.
 */
export function membersVerified(state: FailoverState, input: { now: number; mono?: number; members: readonly string[] }): FailoverTransition {
  const t = instant(state, input);
  const restored = state.phase === 'awaiting_acknowledgement' || state.phase === 'acknowledged';
  const verified = [...new Set(input.members)].filter((member) => state.restore.unverified.includes(member)).sort(compareNames);
  if (!restored || verified.length === 0) return { state, actions: [] };
  const at = t.at;
  const remaining = state.restore.unverified.filter((member) => !verified.includes(member));
  return {
    state: { ...state, restore: { ...state.restore, unverified: remaining }, ...touched(t) },
    actions: [
      {
        type: 'record_event',
        event: { type: 'failover_members_verified', sessionId: state.sessionId, at, member: null, detail: { members: verified, remaining: [...remaining] } },
      },
    ],
  };
}

export type AcknowledgeRefusalCode =
  /** The baseline is not restored yet (any phase before awaiting_acknowledgement). */
  | 'not_awaiting_acknowledgement'
  | 'already_acknowledged'
  /** `by` is empty: an acknowledgement must name a person. */
  | 'acknowledger_required'
  /** The protocol gave up restoring the baseline: only an acknowledgement with `force` clears the halt. */
  | 'force_required';

export type AcknowledgeResult =
  | ({ ok: true } & FailoverTransition)
  | { ok: false; code: AcknowledgeRefusalCode; phase: FailoverPhase; message: string };

/**
 * A person acknowledges the halt. Accepted only in awaiting_acknowledgement: before the baseline is
 * back an acknowledgement would let a person start a new session on top of a half-restored cluster,
 * so it is refused with the phase the protocol is in. When the protocol gave up restoring, the
 * person must say `force` (they take over a cluster not known to be on its baseline); the
 * acknowledgement records that it was forced and what was left unresolved.
 */
export function acknowledge(state: FailoverState, input: { now: number; mono?: number; by: string; force?: boolean }): AcknowledgeResult {
  const t = instant(state, input);
  const by = input.by.trim();
  if (by === '') {
    return { ok: false, code: 'acknowledger_required', phase: state.phase, message: 'an acknowledgement must say who acknowledges' };
  }
  if (state.phase === 'acknowledged') {
    const ack = state.acknowledgement;
    const when = ack ? ` by ${ack.by} at ${new Date(ack.at).toISOString()}` : '';
    return { ok: false, code: 'already_acknowledged', phase: state.phase, message: `session ${state.sessionId} was already acknowledged${when}` };
  }
  if (state.phase !== 'awaiting_acknowledgement') {
    return {
      ok: false,
      code: 'not_awaiting_acknowledgement',
      phase: state.phase,
      message: `session ${state.sessionId} cannot be acknowledged yet: the baseline is not restored (failover protocol phase: ${state.phase})`,
    };
  }
  const unresolved = state.restore.unresolved;
  if (unresolved !== null && input.force !== true) {
    return { ok: false, code: 'force_required', phase: state.phase, message: forceRequiredMessage(state.sessionId, unresolved) };
  }
  const actions: FailoverAction[] = [];
  const forced = unresolved !== null;
  const next = enter(state, 'acknowledged', 'acknowledged', t, { acknowledgement: { by, at: t.at, forced, unresolved } }, actions, { acknowledgedBy: by, forced });
  return { ok: true, state: next, actions };
}

function forceRequiredMessage(sessionId: string, unresolved: UnresolvedRestore): string {
  const where =
    unresolved.notVerified.length === 0
      ? ''
      : `; not verified on ${unresolved.notVerified.map((n) => (n.parameters.length === 0 ? n.member : `${n.member} (${n.parameters.join(', ')})`)).join(', ')}`;
  return (
    `session ${sessionId}: the baseline could not be restored after ${unresolved.failures} attempts (last error: ${unresolved.lastError})${where}. ` +
    'Check the cluster, then acknowledge with "force": true to clear the halt'
  );
}

/**
 * For an agent that loads a state another process saved (after its own restart, or after taking
 * over as the new leader): the state's monotonic times belong to that process's clock, so they are
 * re-anchored on `mono` keeping the time the phase had left at the save (wall-clock timestamps are
 * kept, and `phaseEndsAt` is moved to match). An attempt that was in flight in the other process can
 * never report, so it counts as failed and is retried after the backoff (restoring the baseline
 * twice is harmless). A state already on this clock (`mono` equal to `monoAt`) is returned as it is.
 */
export function resume(
  state: FailoverState,
  input: { now: number; mono?: number },
  settings: FailoverSettings = DEFAULT_FAILOVER_SETTINGS,
): FailoverTransition {
  assertTime(input.now, 'now');
  const mono = input.mono ?? input.now;
  let current = state;
  if (mono !== state.monoAt) {
    const at = Math.max(input.now, state.updatedAt);
    const left = state.phaseEndsAtMono === null ? null : Math.max(0, state.phaseEndsAtMono - state.monoAt);
    current = {
      ...state,
      phaseEndsAt: left === null ? null : at + left,
      phaseEndsAtMono: left === null ? null : mono + left,
      restore: { ...state.restore, nextAttemptAt: state.restore.nextAttemptAt === null || left === null ? state.restore.nextAttemptAt : at + left },
      updatedAt: at,
      monoAt: mono,
    };
  }
  const inFlight = current.restore.inFlight;
  if (current.phase !== 'restoring' || inFlight === null) return { state: current, actions: [] };
  return restoreFailed(
    current,
    { now: input.now, mono, attempt: inFlight.attempt, error: `no outcome for attempt ${inFlight.attempt}: the agent was restarted or replaced while it ran` },
    settings,
  );
}

/**
 * Records how much of the current wait is left, without changing anything else: saved from time to
 * time, it bounds what a restart loses of a phase (resume counts from the last save). A state with
 * no phase end is returned as it is.
 */
export function checkpoint(state: FailoverState, input: { now: number; mono?: number }): FailoverState {
  if (state.phaseEndsAtMono === null) return state;
  const t = instant(state, input);
  if (t.mono === state.monoAt) return state;
  return { ...state, ...touched(t) };
}

/** Why `leader` no longer counts in `topology`, or null when it still leads, healthy, unpaused. */
export function leaderDeparture(leader: { name: string; timeline: number | null }, topology: Topology): LeaderDeparture | null {
  if (topology.leader === null) return 'leader_lost';
  if (topology.leader !== leader.name) return 'leader_changed';
  if (topology.unlocked) return 'lock_released';
  if (leader.timeline !== null && topology.timeline !== null && topology.timeline !== leader.timeline) return 'timeline_changed';
  if (!hasHealthyLeader(topology)) return 'leader_unhealthy';
  if (topology.paused) return 'paused';
  return null;
}

/** Whether recovery can begin: a healthy leader in a cluster that is not paused. */
export function isRecovered(topology: Topology): boolean {
  return topology.leader !== null && hasHealthyLeader(topology) && !topology.paused;
}

function advance(state: FailoverState, observation: FailoverObservation, t: Instant, settings: FailoverSettings, actions: FailoverAction[]): FailoverState {
  const { topology, self } = observation;
  switch (state.phase) {
    case 'halted':
      return enter(state, 'recovering', 'protocol_started', t, {}, actions);

    case 'recovering': {
      if (topology === null || !isRecovered(topology)) return state;
      return enter(
        state,
        'stabilising',
        'leader_healthy',
        t,
        { leader: { name: topology.leader!, timeline: topology.timeline }, stableSince: t.at, ...endsIn(t, settings.stabilisationMs) },
        actions,
      );
    }

    case 'stabilising':
    case 'grace':
    case 'restoring': {
      if (topology === null) return state;
      const leader = state.leader!;
      const departure = leaderDeparture(leader, topology);
      if (departure !== null) return fallBack(state, departure, topology, t, actions);
      if (leader.timeline === null && topology.timeline !== null) {
        // Learnt quietly: from now on a change of it counts.
        return { ...state, leader: { ...leader, timeline: topology.timeline }, ...touched(t) };
      }
      if (state.phase === 'stabilising') {
        if (t.mono < state.phaseEndsAtMono!) return state;
        return enter(state, 'grace', 'stabilised', t, { stabilisedAt: t.at, ...endsIn(t, settings.graceMs) }, actions);
      }
      if (state.phase === 'grace') {
        if (t.mono < state.phaseEndsAtMono!) return state;
        return enter(
          state,
          'restoring',
          'grace_ended',
          t,
          { ...NO_END, restore: { ...state.restore, inFlight: null, failures: 0, nextAttemptAt: null } },
          actions,
        );
      }
      return maybeStartRestore(state, self, t, actions);
    }

    case 'awaiting_acknowledgement':
    case 'acknowledged':
      return state;
  }
}

/** In restoring: ask the agent beside the committed leader, and no other, to restore the baseline. */
function maybeStartRestore(state: FailoverState, self: string | null, t: Instant, actions: FailoverAction[]): FailoverState {
  const { restore } = state;
  const leader = state.leader!;
  if (restore.inFlight !== null) return state;
  // In restoring the phase's end is the end of the backoff after a failure.
  if (state.phaseEndsAtMono !== null && t.mono < state.phaseEndsAtMono) return state;
  if (self === null || self !== leader.name) return state;
  const attempt = restore.attempts + 1;
  const now = t.at;
  const next: FailoverState = {
    ...state,
    ...NO_END,
    restore: { ...restore, attempts: attempt, inFlight: { attempt, startedAt: now, by: self }, nextAttemptAt: null },
    ...touched(t),
  };
  actions.push(
    {
      type: 'record_event',
      event: {
        type: 'failover_restore_requested',
        sessionId: state.sessionId,
        at: now,
        member: self,
        detail: { attempt, leader: leader.name, timeline: leader.timeline },
      },
    },
    { type: 'restore_baseline', sessionId: state.sessionId, attempt, leader: leader.name, timeline: leader.timeline },
  );
  return next;
}

function fallBack(state: FailoverState, cause: LeaderDeparture, topology: Topology, t: Instant, actions: FailoverAction[]): FailoverState {
  const inFlight = state.restore.inFlight;
  const restore: RestoreProgress = { ...state.restore, inFlight: null, failures: 0, nextAttemptAt: null };
  const extra: Partial<PhaseChangeDetail> = {
    observed: {
      leader: topology.leader,
      timeline: topology.timeline,
      paused: topology.paused,
      unlocked: topology.unlocked,
      healthyLeader: hasHealthyLeader(topology),
    },
  };
  if (inFlight !== null) extra.abandonedAttempt = inFlight.attempt;
  return enter(
    state,
    'recovering',
    cause,
    t,
    { leader: null, stableSince: null, stabilisedAt: null, ...NO_END, restore, restarts: state.restarts + 1 },
    actions,
    extra,
  );
}

function enter(
  state: FailoverState,
  to: FailoverPhase,
  cause: FailoverCause,
  t: Instant,
  changes: Partial<Omit<FailoverState, 'phase' | 'phaseSince' | 'updatedAt' | 'monoAt'>>,
  actions: FailoverAction[],
  extra: Partial<PhaseChangeDetail> = {},
): FailoverState {
  const at = t.at;
  const next: FailoverState = { ...state, ...changes, phase: to, phaseSince: at, ...touched(t) };
  const detail: PhaseChangeDetail = {
    from: state.phase,
    to,
    cause,
    inPreviousPhaseMs: at - state.phaseSince,
    sinceHaltMs: at - state.halt.at,
    leader: next.leader?.name ?? null,
    timeline: next.leader?.timeline ?? null,
    phaseEndsAt: next.phaseEndsAt,
    ...extra,
  };
  actions.push({
    type: 'record_event',
    event: { type: 'failover_phase_changed', sessionId: state.sessionId, at, member: next.leader?.name ?? state.leader?.name ?? null, detail },
  });
  return next;
}

function ignoredOutcome(state: FailoverState, at: number, attempt: number, outcome: 'succeeded' | 'failed'): FailoverTransition {
  const inFlight = state.restore.inFlight;
  const reason =
    state.phase !== 'restoring'
      ? `the protocol is in phase ${state.phase}`
      : inFlight === null
        ? 'no restore attempt is in flight'
        : `attempt ${inFlight.attempt} is the one in flight`;
  return {
    state,
    actions: [
      {
        type: 'record_event',
        event: {
          type: 'failover_restore_outcome_ignored',
          sessionId: state.sessionId,
          at,
          member: null,
          detail: { attempt, outcome, phase: state.phase, reason },
        },
      },
    ],
  };
}

function assertTime(value: number, what: string): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`failover: ${what} must be epoch milliseconds (a finite number ≥ 0), got ${String(value)}`);
  }
}

// Code-point order, the order Patroni lists members in.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
