/**
 * Runs the failover protocol (machine.ts) against the real world, on every agent:
 *
 * - every poll, it notes when this agent first saw the leader go (its detections), so a halt written
 *   later by whoever becomes leader carries the time the change was seen, not the time it was written;
 * - on the leader's agent only (the one that can write the state store), it halts the sessions a
 *   failover orphaned (their executor no longer leads, or this agent's own runner was halted),
 *   steps each halted session's protocol, restores the baseline when the protocol says so, and
 *   re-checks members left unverified;
 * - a session this agent was executing before it restarted is put back on its baseline and aborted;
 * - acknowledgements are applied here, between steps, so they never race a step.
 * Every state change is saved with its events in one revision-guarded write, before the action
 * that follows it (rule 9).
 */
import { observedScope, type ClusterObservation } from '../../observer/observation.js';
import { isMissingStateStore } from '../../store/database.js';
import type { SessionRecord } from '../../model/records.js';
import { ACTIVE_SESSION_STATES } from '../../model/record-states.js';
import { PendingChangeDecidedError, StaleRecordError, type FailoverRecord, type NewEvent, type Store } from '../../store/store.js';
import type { TopologyEvent } from '../../topology/diff.js';
import type { Topology } from '../../topology/model.js';
import { hasHealthyLeader } from '../../topology/predicates.js';
import { SessionRequestError } from '../refusal.js';
import { isUnreachable } from '../apply/verification.js';
import { BaselineRestoreError } from '../apply/baseline-restore.js';
import { acknowledge, checkpoint, membersVerified, restoreFailed, restoreSucceeded, resume, startFailover, step } from './machine.js';
import { restoreBackoff, type ChangedKnob, type FailoverEvent, type FailoverSettings, type FailoverState, type FailoverTransition, type NotVerified } from '../../model/failover-state.js';
import { isLeaderObservation, pollTrigger, type HaltTrigger } from './trigger.js';
import type { Detection, FailoverProtocol, HaltedSession, LocalRuns } from './protocol.js';
import type { Log } from '../../util/log.js';

export interface CoordinatorDeps {
  store: Store;
  prepareStore(): Promise<void>;
  /** Restores a session's baseline cluster-wide; rejects when it could not (see BaselineRestorer). */
  restoreBaseline(sessionId: string, knownMembers: readonly string[], signal: AbortSignal): Promise<{ unverified: string[]; changedBySomeoneElse: ChangedKnob[] }>;
  /** The given members that now show the session's baseline. */
  verifiedMembers(sessionId: string, members: readonly string[]): Promise<string[]>;
  /** The sessions this process executes (the session manager's). */
  localRuns: LocalRuns;
  /** The wall clock (epoch ms): timestamps people read. */
  now(): number;
  /** A monotonic clock (ms, any origin, never steps): every wait and deadline. */
  monotonic(): number;
  settings: FailoverSettings;
  /** How often members left unverified by a restore are checked again. */
  reverifyIntervalMs: number;
  /**
   * How often a phase in progress (stabilisation, grace, a backoff) is saved with what it has left:
   * the most an agent restart can cost it. DEFAULT_CHECKPOINT_MS when absent.
   */
  checkpointIntervalMs?: number;
  log: Log;
}

const MAX_DETECTIONS = 50;
export const DEFAULT_CHECKPOINT_MS = 5_000;

export class FailoverCoordinator implements FailoverProtocol {
  readonly #deps: CoordinatorDeps;
  readonly #detections: Detection[] = [];
  /** Last poll time each leader was seen leading, healthy and reachable. */
  readonly #lastHealthy = new Map<string, number>();
  readonly #knownMembers = new Set<string>();
  /** Monotonic time of the last re-check of each session's unverified members. */
  readonly #lastReverify = new Map<string, number>();
  /**
   * The revision of each protocol state this process saved last: a stored state with another
   * revision was saved by another process (or this agent before a restart), on another monotonic
   * clock, and is re-anchored with `resume` before it is stepped.
   */
  readonly #ownRevisions = new Map<string, number>();
  #lastGoodAt: number | null = null;
  #wasLeader = false;
  /** Patroni's scope as last seen, so a poll without Patroni does not lose track of the cluster. */
  #scope = 'unknown';
  /** Orphaned sessions whose loss is already recorded (a failed restore is retried, not re-announced). */
  readonly #announcedLosses = new Set<string>();
  /** Orphaned sessions whose baseline restore failed: how often in a row, and when (monotonic) to try again. */
  readonly #abortRetries = new Map<string, { failures: number; nextAttemptAt: number }>();
  /** Ticks and acknowledgements run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();
  #ticking = false;
  #closed = false;
  readonly #aborts = new AbortController();

  constructor(deps: CoordinatorDeps) {
    this.#deps = deps;
  }

  /** Halted sessions awaiting acknowledgement, read from this node's copy of the store (for a scrape). */
  async haltedSessions(): Promise<HaltedSession[]> {
    const { store } = this.#deps;
    try {
      const sessions = await store.sessionsInState(this.#scope, ['halted']);
      return await Promise.all(sessions.map(async (session) => ({ session, failover: (await store.getFailoverState(session.id))?.state ?? null })));
    } catch (error) {
      // No state database on this node yet (no session ever ran): nothing to show. Any other failure
      // is the caller's to report (the metric must read "unknown", never 0).
      if (isMissingStateStore(error)) return [];
      throw error;
    }
  }

  /** The detections this agent made, oldest first. */
  get detections(): readonly Detection[] {
    return [...this.#detections];
  }

  /**
   * Takes one poll into account: notes detections at once, then (unless a step is still running)
   * steps the protocol in the background. Returns the detection this poll belongs to when it shows
   * something wrong (the episode's first, for a condition that lasts), else null. Never throws.
   */
  observe(observation: ClusterObservation, events: TopologyEvent[]): Detection | null {
    const detection = this.#track(observation, events);
    if (this.#ticking || this.#closed) return detection;
    this.#ticking = true;
    void this.#exclusive(() => this.#tick(observation))
      .catch((error: unknown) => this.#deps.log.warn({ err: error }, 'failover protocol step failed; retrying on the next poll'))
      .finally(() => {
        this.#ticking = false;
      });
    return detection;
  }

  /** A person acknowledges the halt of `sessionId` (leader's agent only). */
  acknowledge(sessionId: string, by: string, options: { force?: boolean } = {}): Promise<{ session: SessionRecord; failover: FailoverState }> {
    return this.#exclusive(async () => {
      const { store, now } = this.#deps;
      await this.#deps.prepareStore();
      const session = await store.getSession(sessionId);
      if (!session) throw new SessionRequestError('session_not_found', `no session ${sessionId}`);
      if (session.state !== 'halted') {
        throw new SessionRequestError('session_not_halted', `session ${sessionId} is ${session.state}: only a halted session is acknowledged`, {
          state: session.state,
        });
      }
      const record = await store.getFailoverState(sessionId);
      if (!record) {
        throw new SessionRequestError('not_awaiting_acknowledgement', `session ${sessionId} cannot be acknowledged yet: the failover protocol has not started`, {
          phase: null,
        });
      }
      const result = acknowledge(record.state, { now: now(), mono: this.#deps.monotonic(), by, force: options.force === true });
      if (!result.ok) {
        const details = result.code === 'force_required' ? { phase: result.phase, unresolved: record.state.restore.unresolved } : { phase: result.phase };
        throw new SessionRequestError(result.code, result.message, details);
      }
      const acknowledgement = result.state.acknowledgement!;
      await this.#save(record, result, { state: 'acknowledged', endedAt: new Date(acknowledgement.at) });
      const updated = (await store.getSession(sessionId))!;
      this.#deps.log.info({ session: sessionId, by, forced: acknowledgement.forced }, 'failover halt acknowledged');
      return { session: updated, failover: result.state };
    });
  }

  /** Waits for the step under way; a restore in progress is cut short. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#aborts.abort(new Error('the agent is shutting down'));
    await this.#queue.catch(() => undefined);
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #track(observation: ClusterObservation, events: TopologyEvent[]): Detection | null {
    const trigger = pollTrigger({ observation, events, wasLeader: this.#wasLeader });
    const detection = trigger === null ? null : this.#detect(trigger, this.#deps.now());
    if (trigger === null && observation.patroni.ok) {
      const topology = observation.patroni.value.topology;
      if (topology.leader !== null && hasHealthyLeader(topology) && (observation.leader === null || observation.leader.ok)) {
        this.#lastHealthy.set(topology.leader, observation.at);
        this.#lastGoodAt = observation.at;
      }
    }
    if (observation.patroni.ok) for (const member of observation.patroni.value.topology.members) this.#knownMembers.add(member.name);
    this.#scope = observedScope(observation) ?? this.#scope;
    this.#wasLeader = isLeaderObservation(observation);
    return detection;
  }

  #detect(trigger: HaltTrigger, now: number): Detection {
    // One detection per episode: a condition that lasts is not seen anew at every poll.
    const last = this.#detections.at(-1);
    if (last !== undefined && last.changedAt === this.#lastGoodAt) return last;
    const detection: Detection = { at: now, changedAt: this.#lastGoodAt, reason: trigger.reason, events: trigger.events };
    this.#detections.push(detection);
    this.#detections.splice(0, Math.max(0, this.#detections.length - MAX_DETECTIONS));
    return detection;
  }

  async #tick(observation: ClusterObservation): Promise<void> {
    // Only the leader's agent can write the store: the protocol is stepped there.
    if (!isLeaderObservation(observation)) return;
    await this.#deps.prepareStore();
    for (const session of await this.#deps.store.sessionsInState(this.#scope, ACTIVE_SESSION_STATES)) {
      if (this.#closed) return;
      await this.#handle(session, observation);
    }
  }

  async #handle(session: SessionRecord, observation: ClusterObservation): Promise<void> {
    const self = observation.self!;
    const local = this.#deps.localRuns.localRun(session.id);
    if (session.state === 'halted') {
      const record = await this.#deps.store.getFailoverState(session.id);
      // This agent's runner wrote `halted` and is still winding down: its detection comes with the hand-over.
      if (record === null && local?.kind === 'running') return;
      if (record === null) await this.#begin(session, local?.kind === 'halted' ? local.detection : this.#storedHalt(session));
      else await this.#advance(record, observation);
      return;
    }
    if (local?.kind === 'running' || local?.kind === 'ended') return;
    if (local?.kind === 'halted') return this.#begin(session, local.detection);
    if (session.executor === self && local === null && (await this.#deps.localRuns.resume(session))) return;
    if (session.executor === self) return this.#abort(session, local === null ? 'the agent executing it restarted' : 'its runner lost the state store');
    return this.#begin(session, this.#detectionFor(session.executor, self));
  }

  /** The halt of a session whose executor is gone: the first detection after it was last seen leading. */
  #detectionFor(executor: string, self: string): Detection {
    const lastSeen = this.#lastHealthy.get(executor) ?? null;
    const seen = this.#detections.find((d) => lastSeen === null || d.at > lastSeen);
    const orphaned = `its executor ${executor} no longer leads; ${self} does`;
    if (seen) return { ...seen, reason: `${seen.reason}; ${orphaned}` };
    return { at: this.#deps.now(), changedAt: lastSeen, reason: orphaned, events: [] };
  }

  /** A session recorded as halted without a protocol state (its first write was lost): halted when last updated. */
  #storedHalt(session: SessionRecord): Detection {
    return { at: session.updatedAt.getTime(), changedAt: null, reason: session.reason ?? 'halted', events: [] };
  }

  async #begin(session: SessionRecord, detection: Detection): Promise<void> {
    const started = startFailover({
      sessionId: session.id,
      haltedAt: detection.at,
      mono: this.#deps.monotonic(),
      reason: detection.reason,
      events: detection.events,
      changedAt: detection.changedAt,
    });
    const record = await this.#deps.store.beginFailover({ state: started.state, reason: detection.reason, events: eventsOf(started) });
    if (record) {
      await this.#dropPending(session, `the session was halted: ${detection.reason}`);
      this.#ownRevisions.set(session.id, record.revision);
      this.#deps.log.warn(
        { session: session.id, reason: detection.reason, detectionLatencyMs: record.state.halt.detectionLatencyMs },
        'tuning session halted: failover protocol started',
      );
    }
  }

  async #advance(record: FailoverRecord, observation: ClusterObservation): Promise<void> {
    const { now, monotonic, settings } = this.#deps;
    // A state another process saved is on its monotonic clock, and an attempt it had in flight can
    // never report (ticks here run one at a time and finish their restores): resume takes it over.
    const resumed: FailoverTransition =
      this.#ownRevisions.get(record.state.sessionId) === record.revision ? { state: record.state, actions: [] } : resume(record.state, { now: now(), mono: monotonic() }, settings);
    const topology = leaderTopology(observation);
    const stepped = step(resumed.state, { now: now(), mono: monotonic(), topology, self: observation.self }, settings);
    let state = stepped.state;
    if (state.phaseEndsAtMono !== null && monotonic() - state.monoAt >= (this.#deps.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_MS)) {
      state = checkpoint(state, { now: now(), mono: monotonic() });
    }
    // One write for all, before any restore the step asks for.
    let current = await this.#save(record, { state, actions: [...resumed.actions, ...stepped.actions] });
    for (const action of stepped.actions) {
      if (action.type !== 'restore_baseline') continue;
      let outcome: FailoverTransition;
      try {
        const restored = await this.#deps.restoreBaseline(action.sessionId, [...this.#knownMembers], this.#aborts.signal);
        outcome = restoreSucceeded(current.state, {
          now: now(),
          mono: monotonic(),
          attempt: action.attempt,
          unverified: restored.unverified,
          changedBySomeoneElse: restored.changedBySomeoneElse,
        });
        this.#deps.log.info(
          { session: action.sessionId, unverified: restored.unverified, changedBySomeoneElse: restored.changedBySomeoneElse },
          'baseline restored after failover',
        );
      } catch (error) {
        outcome = restoreFailed(
          current.state,
          { now: now(), mono: monotonic(), attempt: action.attempt, error: messageOf(error), notVerified: notVerifiedBy(error) },
          settings,
        );
        const gaveUp = outcome.state.restore.unresolved !== null;
        this.#deps.log.warn(
          { session: action.sessionId, err: error },
          gaveUp ? 'baseline restore failed; giving up: a person must check the cluster and acknowledge with force' : 'baseline restore failed; retrying after the backoff',
        );
      }
      current = await this.#save(current, outcome);
    }
    await this.#reverify(current);
  }

  /** Members the restore could not reach are checked again as they come back. */
  async #reverify(record: FailoverRecord): Promise<void> {
    const { state } = record;
    const mono = this.#deps.monotonic();
    if (state.phase !== 'awaiting_acknowledgement' || state.restore.unverified.length === 0) return;
    const last = this.#lastReverify.get(state.sessionId);
    if (last !== undefined && mono - last < this.#deps.reverifyIntervalMs) return;
    this.#lastReverify.set(state.sessionId, mono);
    const verified = await this.#deps.verifiedMembers(state.sessionId, state.restore.unverified);
    await this.#save(record, membersVerified(state, { now: this.#deps.now(), mono: this.#deps.monotonic(), members: verified }));
  }

  /**
   * The executor of a running session is gone from this process: put the baseline back, then abort
   * it. A failed restore is retried after the protocol's backoff; after `restoreMaxAttempts` failures
   * in a row the session is halted and handed to the failover protocol (rule 11), which can end in
   * a forced acknowledgement.
   */
  async #abort(session: SessionRecord, why: string): Promise<void> {
    const { store, now, monotonic, settings } = this.#deps;
    const event = (type: string, detail: Record<string, unknown>): NewEvent => ({ sessionId: session.id, at: new Date(now()), type, member: session.executor, detail });
    const retry = this.#abortRetries.get(session.id);
    if (retry !== undefined && monotonic() < retry.nextAttemptAt) return;
    const baseline = await store.getBaseline(session.id);
    let reason: string;
    let changedBySomeoneElse: ChangedKnob[] = [];
    if (baseline === null) {
      reason = `${why} before the baseline was recorded; nothing had been applied`;
    } else {
      if (!this.#announcedLosses.has(session.id)) {
        await store.appendEvent(event('executor_lost', { why, state: session.state }));
        this.#announcedLosses.add(session.id);
      }
      try {
        const restored = await this.#deps.restoreBaseline(session.id, [...this.#knownMembers], this.#aborts.signal);
        changedBySomeoneElse = restored.changedBySomeoneElse;
        reason =
          `${why} mid-session; the baseline was restored` +
          (restored.unverified.length > 0 ? ` (unverified: ${restored.unverified.join(', ')})` : '') +
          (changedBySomeoneElse.length > 0 ? ` (changed by someone else, left as set: ${changedBySomeoneElse.map((knob) => knob.name).join(', ')})` : '');
      } catch (error) {
        const failures = (retry?.failures ?? 0) + 1;
        const backoffMs = restoreBackoff(settings, failures);
        await store.appendEvent(event('baseline_restore_failed', { error: messageOf(error), failures, backoffMs }));
        if (failures >= settings.restoreMaxAttempts) {
          this.#abortRetries.delete(session.id);
          const detail = `${why}; the baseline could not be restored after ${failures} attempts: ${messageOf(error)}`;
          this.#deps.log.warn({ session: session.id, err: error }, 'could not restore the baseline of an orphaned session; handing it to the failover protocol');
          await this.#begin(session, { at: now(), changedAt: null, reason: detail, events: [] });
          return;
        }
        this.#abortRetries.set(session.id, { failures, nextAttemptAt: monotonic() + backoffMs });
        this.#deps.log.warn({ session: session.id, err: error }, 'could not restore the baseline of an orphaned session; retrying after the backoff');
        return;
      }
    }
    this.#abortRetries.delete(session.id);
    await this.#dropPending(session, `the session was aborted: ${why}`);
    await store.updateSession(session.id, { state: 'aborted', reason, endedAt: new Date(now()) }, { from: [session.state] });
    await store.appendEvent(event('session_aborted', { reason, ...(changedBySomeoneElse.length > 0 ? { changedBySomeoneElse } : {}) }));
    this.#deps.log.warn({ session: session.id, reason }, 'tuning session aborted');
  }

  /**
   * Approval mode: a change that waited for a person's decision when its session was halted or
   * aborted here is dropped, never applied (the runner drops its own; this covers a session whose
   * runner is gone).
   */
  async #dropPending(session: SessionRecord, why: string): Promise<void> {
    const { store, now } = this.#deps;
    const pending = await store.getPendingChange(session.id).catch((error: unknown) => (isMissingStateStore(error) ? null : Promise.reject(error)));
    if (pending === null) return;
    const at = new Date(now());
    try {
      await store.decidePendingChange(pending.id, {
        status: 'dropped',
        by: 'tuner',
        at,
        reason: why,
        event: { sessionId: session.id, at, type: 'approval_dropped', member: null, detail: { pendingChange: pending.id, reason: pending.reason, why } },
      });
    } catch (error) {
      if (!(error instanceof PendingChangeDecidedError)) throw error;
    }
  }

  /** Saves a transition that changed something, with its events; returns the record now stored. */
  async #save(record: FailoverRecord, transition: FailoverTransition, endSession?: { state: 'acknowledged'; endedAt: Date }): Promise<FailoverRecord> {
    const events = eventsOf(transition);
    if (transition.state === record.state && events.length === 0) return record;
    try {
      const saved = await this.#deps.store.saveFailoverState({ state: transition.state, expectedRevision: record.revision, events, ...(endSession ? { endSession } : {}) });
      this.#ownRevisions.set(saved.state.sessionId, saved.revision);
      return saved;
    } catch (error) {
      if (error instanceof StaleRecordError) this.#deps.log.warn({ session: record.state.sessionId }, 'failover state changed under this agent; re-reading it');
      throw error;
    }
  }

}

/**
 * The topology as the leader's own agent knows it: just after a promotion /cluster still lists the
 * leader's old timeline for a loop, while this node's /patroni already reports its PostgreSQL's new
 * one. Stepping on the stale value would restart stabilisation for a timeline "change" that is the
 * promotion itself.
 */
function leaderTopology(observation: ClusterObservation): Topology | null {
  if (!observation.patroni.ok) return null;
  const { node, topology } = observation.patroni.value;
  if (topology.leader !== observation.self || node.timeline === null) return topology;
  return { ...topology, timeline: node.timeline };
}

function eventsOf(transition: FailoverTransition): NewEvent[] {
  return transition.actions.flatMap((action) => (action.type === 'record_event' ? [toRecord(action.event)] : []));
}

function toRecord(event: FailoverEvent): NewEvent {
  return { sessionId: event.sessionId, at: new Date(event.at), type: event.type, member: event.member, detail: { ...event.detail } };
}

/** What a failed restore could not verify: each reachable member that showed something else. */
function notVerifiedBy(error: unknown): NotVerified[] {
  if (!(error instanceof BaselineRestoreError)) return [];
  return error.verification
    .filter((v) => !v.verified && !isUnreachable(v))
    .map((v) => ({ member: v.member, parameters: [...v.mismatches.map((m) => m.name), ...v.pendingRestart] }));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
