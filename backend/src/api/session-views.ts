/**
 * Sessions, their history and the failover protocol's state as the wire contract shows them: every
 * time an ISO string (the store keeps Dates, the protocol epoch milliseconds), the protocol's
 * monotonic readings left out.
 */
import type * as Wire from '../contract/index.js';
import type * as Store from '../model/records.js';
import type { FailoverState } from '../tuning/failover/index.js';
import type { DetectedHalt, SessionDetail } from '../tuning/session/types.js';

const iso = (date: Date): string => date.toISOString();
const isoOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString());
const isoMs = (ms: number): string => new Date(ms).toISOString();
const isoMsOrNull = (ms: number | null): string | null => (ms === null ? null : isoMs(ms));

/** A session as the API shows it: its record, plus `detectedHalt` (null unless this agent saw it halted first). */
export function sessionView(session: Store.SessionRecord, halt: DetectedHalt | null): Wire.SessionRecord {
  return {
    id: session.id,
    scope: session.scope,
    state: session.state,
    options: session.options,
    executor: session.executor,
    createdAt: iso(session.createdAt),
    updatedAt: iso(session.updatedAt),
    endedAt: isoOrNull(session.endedAt),
    result: session.result,
    reason: session.reason,
    detectedHalt: halt === null ? null : { at: isoMs(halt.at), reason: halt.reason, recorded: false },
  };
}

export function sessionDetailView(detail: SessionDetail, halt: DetectedHalt | null): Wire.SessionDetail {
  return {
    session: sessionView(detail.session, halt),
    baseline: detail.baseline === null ? null : { ...detail.baseline, recordedAt: iso(detail.baseline.recordedAt) },
    autoconfRemovals: detail.autoconfRemovals.map((removal) => ({ ...removal, removedAt: iso(removal.removedAt) })),
    iterations: detail.iterations.map(iterationView),
    patches: detail.patches.map((patch) => ({ ...patch, sentAt: iso(patch.sentAt) })),
    events: detail.events.map(eventView),
    failover: detail.failover === null ? null : failoverView(detail.failover),
    pendingChanges: detail.pendingChanges.map(pendingChangeView),
  };
}

/** A pending change as the API shows it: its resume context (the runner's state) stays inside the agent. */
export function pendingChangeView(change: Store.PendingChangeRecord): Wire.PendingChangeRecord {
  const { context: _context, ...shown } = change;
  return { ...shown, createdAt: iso(change.createdAt), expiresAt: iso(change.expiresAt), decidedAt: isoOrNull(change.decidedAt) };
}

function iterationView(iteration: Store.IterationRecord): Wire.IterationRecord {
  return {
    ...iteration,
    // Measurements recorded before statement-by-statement comparison have no `comparison`.
    measurement: iteration.measurement === null ? null : { ...iteration.measurement, comparison: iteration.measurement.comparison ?? null },
    startedAt: iso(iteration.startedAt),
    endedAt: isoOrNull(iteration.endedAt),
  };
}

export function failoverView(state: FailoverState): Wire.FailoverState {
  const { halt, restore, acknowledgement } = state;
  return {
    sessionId: state.sessionId,
    phase: state.phase,
    phaseSince: isoMs(state.phaseSince),
    phaseEndsAt: isoMsOrNull(state.phaseEndsAt),
    halt: { ...halt, at: isoMs(halt.at), changedAt: isoMsOrNull(halt.changedAt) },
    leader: state.leader,
    stableSince: isoMsOrNull(state.stableSince),
    stabilisedAt: isoMsOrNull(state.stabilisedAt),
    restore: {
      ...restore,
      inFlight: restore.inFlight === null ? null : { ...restore.inFlight, startedAt: isoMs(restore.inFlight.startedAt) },
      nextAttemptAt: isoMsOrNull(restore.nextAttemptAt),
      restoredAt: isoMsOrNull(restore.restoredAt),
    },
    restarts: state.restarts,
    acknowledgement: acknowledgement === null ? null : { ...acknowledgement, at: isoMs(acknowledgement.at) },
    updatedAt: isoMs(state.updatedAt),
  };
}

/** The failover protocol's events carry epoch times in their detail (machine.ts); on the wire they are ISO too. */
export function eventView(event: Store.EventRecord): Wire.EventRecord {
  return { ...event, at: iso(event.at), detail: withIsoTimes(event.detail) };
}

export function commandView(command: Store.CommandRecord): Wire.CommandRecord {
  return {
    ...command,
    createdAt: iso(command.createdAt),
    expiresAt: iso(command.expiresAt),
    result: command.result === null ? null : withIsoTimes(command.result),
    handledAt: isoOrNull(command.handledAt),
  };
}

/** Fields of event details and command results that hold epoch milliseconds: `retryAt`, `phaseEndsAt`, and `at`/`changedAt` of a nested halt or acknowledgement. */
const EPOCH_FIELDS: ReadonlySet<string> = new Set(['retryAt', 'phaseEndsAt']);
const NESTED_WITH_TIMES: ReadonlyMap<string, readonly string[]> = new Map([
  ['halt', ['at', 'changedAt']],
  ['acknowledgement', ['at']],
]);

function withIsoTimes(detail: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...detail };
  for (const [key, value] of Object.entries(detail)) {
    if (EPOCH_FIELDS.has(key) && typeof value === 'number') out[key] = isoMs(value);
    const nested = NESTED_WITH_TIMES.get(key);
    if (nested && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const field of nested) if (typeof copy[field] === 'number') copy[field] = isoMs(copy[field] as number);
      out[key] = copy;
    }
  }
  return out;
}

/**
 * Compile-time: the wire shows every field the records have. A response schema drops what it does not
 * list, so a field added to a record must be added to the contract too, or named here as kept inside
 * the agent (the protocol's monotonic readings and its shape version).
 */
type Unlisted<WireType, Record, KeptInside extends PropertyKey = never> = Exclude<keyof Record, keyof WireType | KeptInside>;
type NoneUnlisted<T extends never> = T;
export type WireCoversRecords = [
  NoneUnlisted<Unlisted<Wire.SessionRecord, Store.SessionRecord>>,
  NoneUnlisted<Unlisted<Wire.SessionOptions, Store.SessionOptions>>,
  NoneUnlisted<Unlisted<Wire.SessionResult, Store.SessionResult>>,
  NoneUnlisted<Unlisted<Wire.SessionDetail, SessionDetail>>,
  NoneUnlisted<Unlisted<Wire.BaselineRecord, Store.BaselineRecord>>,
  NoneUnlisted<Unlisted<Wire.AutoconfRemovalRecord, Store.AutoconfRemovalRecord>>,
  NoneUnlisted<Unlisted<Wire.IterationRecord, Store.IterationRecord>>,
  NoneUnlisted<Unlisted<Wire.MemberVerification, Store.MemberVerification>>,
  NoneUnlisted<Unlisted<Wire.Measurement, Store.Measurement>>,
  NoneUnlisted<Unlisted<Wire.StatementComparison, NonNullable<Store.Measurement['comparison']>>>,
  NoneUnlisted<Unlisted<Wire.GuardrailVerdict, Store.GuardrailVerdict>>,
  NoneUnlisted<Unlisted<Wire.PatchRecord, Store.PatchRecord>>,
  NoneUnlisted<Unlisted<Wire.EventRecord, Store.EventRecord>>,
  NoneUnlisted<Unlisted<Wire.CommandRecord, Store.CommandRecord>>,
  NoneUnlisted<Unlisted<Wire.FailoverState, FailoverState, 'version' | 'phaseEndsAtMono' | 'monoAt'>>,
  NoneUnlisted<Unlisted<Wire.HaltRecord, FailoverState['halt']>>,
  NoneUnlisted<Unlisted<Wire.RestoreProgress, FailoverState['restore']>>,
  NoneUnlisted<Unlisted<Wire.UnresolvedRestore, NonNullable<FailoverState['restore']['unresolved']>>>,
  NoneUnlisted<Unlisted<Wire.Acknowledgement, NonNullable<FailoverState['acknowledgement']>>>,
];
