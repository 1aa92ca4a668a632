import type { FailoverState } from '../model/failover-state.js';
import type {
  AutoconfRemovalRecord,
  BaselineRecord,
  CommandKind,
  CommandRecord,
  EventRecord,
  IterationRecord,
  PatchRecord,
  PendingChangeRecord,
  PendingChangeStatus,
  SessionRecord,
  SessionState,
} from '../model/records.js';

/** Thrown when a second non-terminal session is created for a cluster. */
export class SessionConflictError extends Error {
  override readonly name = 'SessionConflictError';
  readonly code = 'PGT_STORE_SESSION_CONFLICT';
  constructor(readonly activeSessionId: string) {
    super(`session ${activeSessionId} is already active for this cluster`);
  }
}

export class RecordNotFoundError extends Error {
  override readonly name = 'RecordNotFoundError';
  readonly code = 'PGT_STORE_NOT_FOUND';
  constructor(what: string) {
    super(`${what} not found`);
  }
}

/** Thrown when a record is inserted twice: a session or command id, a session's baseline, an iteration number. */
export class DuplicateRecordError extends Error {
  override readonly name = 'DuplicateRecordError';
  readonly code = 'PGT_STORE_DUPLICATE';
  constructor(what: string) {
    super(`${what} already exists`);
  }
}

/** Thrown when a failover state is saved over a revision another writer already replaced. */
export class StaleRecordError extends Error {
  override readonly name = 'StaleRecordError';
  readonly code = 'PGT_STORE_STALE';
  constructor(what: string, readonly expectedRevision: number) {
    super(`${what} changed since revision ${expectedRevision} was read`);
  }
}

/**
 * Thrown when a session update is refused because of the session's stored state: a terminal session
 * never changes, and an update guarded by `from` finds the session in another state (a stale writer,
 * such as a runner that has not seen its session halted, must not overwrite it).
 */
export class SessionStateError extends Error {
  override readonly name = 'SessionStateError';
  readonly code = 'PGT_STORE_SESSION_STATE';
  constructor(
    readonly sessionId: string,
    readonly actual: SessionState,
    /** The states the update expected; null when it was refused because `actual` is terminal. */
    readonly expected: readonly SessionState[] | null,
  ) {
    super(
      expected === null
        ? `session ${sessionId} is ${actual}, a terminal state: it cannot change`
        : `session ${sessionId} is ${actual}, not ${expected.join(' or ')}: it was changed by another writer`,
    );
  }
}

/** A session's failover protocol state, with the revision that guards concurrent writers. */
export interface FailoverRecord {
  state: FailoverState;
  /** 1 when the protocol started, +1 on every save. */
  revision: number;
}

export type NewEvent = Omit<EventRecord, 'id'>;

export interface BeginFailover {
  state: FailoverState;
  /** The session's reason (why it was halted). */
  reason: string;
  /** The protocol's first events, stored with the state. */
  events: NewEvent[];
}

export interface SaveFailover {
  state: FailoverState;
  /** The revision the caller read; the save fails with StaleRecordError if it moved on. */
  expectedRevision: number;
  /** Stored with the state, in order, only if the state is. */
  events: NewEvent[];
  /** Ends the session with the same write (acknowledged). */
  endSession?: { state: SessionState; endedAt: Date };
}

export type NewSession = Omit<SessionRecord, 'createdAt' | 'updatedAt' | 'endedAt' | 'result' | 'reason' | 'state'>;
export type SessionUpdate = Partial<Pick<SessionRecord, 'state' | 'result' | 'reason' | 'endedAt' | 'executor'>>;
/** Guards an update: it is refused (SessionStateError) unless the stored session is in one of `from`. */
export interface SessionUpdateGuard {
  from: readonly SessionState[];
}

export type NewCommand = Omit<CommandRecord, 'status' | 'result' | 'handledBy' | 'handledAt'>;

export type IterationUpdate = Partial<
  Pick<IterationRecord, 'state' | 'candidate' | 'parameters' | 'verification' | 'measurement' | 'score' | 'verdicts' | 'endedAt' | 'error'>
>;

export type NewPendingChange = Omit<PendingChangeRecord, 'id' | 'status' | 'decidedBy' | 'decidedAt' | 'changes' | 'decisionReason'>;

export interface PendingChangeDecision {
  status: Exclude<PendingChangeStatus, 'pending'>;
  /** The person (approved, rejected) or `tuner` (expired, dropped). */
  by: string;
  at: Date;
  changes?: Record<string, PendingChangeRecord['configuration'][string]> | null;
  reason?: string | null;
  /** Stored with the decision, in the same write, before anything is applied. */
  event: NewEvent;
}

/** Thrown when a decision is recorded for a pending change that is no longer pending. */
export class PendingChangeDecidedError extends Error {
  override readonly name = 'PendingChangeDecidedError';
  readonly code = 'PGT_STORE_PENDING_DECIDED';
  constructor(
    readonly id: number,
    readonly status: PendingChangeStatus,
  ) {
    super(`pending change ${id} is already ${status}`);
  }
}

/**
 * The only way to the state database. Implementations: PostgreSQL (production) and in-memory (unit
 * tests of the session engine); both pass the same contract tests.
 */
export interface Store {
  /** Rejects with SessionConflictError when the scope already has a non-terminal session (pending … halted). */
  createSession(session: NewSession): Promise<SessionRecord>;
  /**
   * Rejects with SessionStateError, and writes nothing, when the session is terminal (a terminal
   * session never changes) or, given `guard`, when its stored state is not one of `guard.from`.
   */
  updateSession(id: string, update: SessionUpdate, guard?: SessionUpdateGuard): Promise<SessionRecord>;
  getSession(id: string): Promise<SessionRecord | null>;
  /** Newest first. */
  listSessions(scope: string, limit?: number): Promise<SessionRecord[]>;
  /** The scope's non-terminal session (including halted), if any. */
  activeSession(scope: string): Promise<SessionRecord | null>;
  /** Sessions in one of `states`, oldest first. */
  sessionsInState(scope: string, states: readonly SessionState[]): Promise<SessionRecord[]>;

  saveBaseline(baseline: BaselineRecord): Promise<void>;
  getBaseline(sessionId: string): Promise<BaselineRecord | null>;

  recordAutoconfRemoval(removal: AutoconfRemovalRecord): Promise<void>;
  listAutoconfRemovals(sessionId: string): Promise<AutoconfRemovalRecord[]>;

  insertIteration(iteration: IterationRecord): Promise<void>;
  updateIteration(sessionId: string, number: number, update: IterationUpdate): Promise<IterationRecord>;
  /** In iteration order. */
  listIterations(sessionId: string): Promise<IterationRecord[]>;

  /** Records a PATCH body before it is sent; returns its id for `completePatch`. */
  recordPatch(patch: Omit<PatchRecord, 'id' | 'outcome' | 'error'>): Promise<number>;
  completePatch(id: number, outcome: 'ok' | 'error', error: string | null): Promise<void>;
  listPatches(sessionId: string): Promise<PatchRecord[]>;

  appendEvent(event: Omit<EventRecord, 'id'>): Promise<EventRecord>;
  /** Oldest first. */
  listEvents(sessionId: string): Promise<EventRecord[]>;

  /**
   * Starts the failover protocol of an active (non-terminal) session: the session becomes `halted`
   * with `reason`, and its state and first events are stored, all in one write. Returns null, and
   * writes nothing, when the session is terminal, unknown, or already has a failover state.
   */
  beginFailover(input: BeginFailover): Promise<FailoverRecord | null>;
  getFailoverState(sessionId: string): Promise<FailoverRecord | null>;
  /**
   * Replaces the state if its revision is still `expectedRevision`, with its events (and the
   * session's end) in the same write. Throws StaleRecordError when another writer saved first,
   * RecordNotFoundError when the session has no failover state.
   */
  saveFailoverState(input: SaveFailover): Promise<FailoverRecord>;

  /**
   * Records a change awaiting approval. Rejects with DuplicateRecordError when the session already
   * has one pending, RecordNotFoundError for an unknown session.
   */
  insertPendingChange(change: NewPendingChange): Promise<PendingChangeRecord>;
  /** The session's change awaiting a decision, if any. */
  getPendingChange(sessionId: string): Promise<PendingChangeRecord | null>;
  /** Every change the session proposed, oldest first. */
  listPendingChanges(sessionId: string): Promise<PendingChangeRecord[]>;
  /**
   * Records the decision on a pending change with its event, in one write. Throws
   * PendingChangeDecidedError (and writes nothing) when it is no longer pending,
   * RecordNotFoundError when there is no such change.
   */
  decidePendingChange(id: number, decision: PendingChangeDecision): Promise<PendingChangeRecord>;

  /** Every value the tuner sent for each parameter in PATCH /config, across the scope's sessions (removals excluded). */
  listPatchedValues(scope: string): Promise<Map<string, string[]>>;

  /** Rejects with RangeError when `expiresAt` is not after `createdAt`. */
  insertCommand(command: NewCommand): Promise<CommandRecord>;
  /** The scope's pending commands that have not expired at `now`, oldest first. */
  pendingCommands(scope: string, now: Date): Promise<CommandRecord[]>;
  /**
   * Completes the scope's pending commands expired at `now` as `rejected` with error code
   * `command_expired`, handled by `handledBy` at `now`; returns them, oldest first.
   */
  expireCommands(scope: string, now: Date, handledBy: string): Promise<CommandRecord[]>;
  completeCommand(
    id: string,
    outcome: { status: 'done' | 'rejected'; result: Record<string, unknown>; handledBy: string; handledAt: Date },
  ): Promise<CommandRecord>;
  getCommand(id: string): Promise<CommandRecord | null>;
}

export type { CommandKind };
