import type {
  AutoconfRemovalRecord,
  BaselineRecord,
  CommandKind,
  CommandRecord,
  EventRecord,
  IterationRecord,
  PatchRecord,
  SessionRecord,
  SessionState,
} from './records.js';

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

export type NewSession = Omit<SessionRecord, 'createdAt' | 'updatedAt' | 'endedAt' | 'result' | 'reason' | 'state'>;
export type SessionUpdate = Partial<Pick<SessionRecord, 'state' | 'result' | 'reason' | 'endedAt' | 'executor'>>;
export type IterationUpdate = Partial<
  Pick<IterationRecord, 'state' | 'parameters' | 'verification' | 'measurement' | 'score' | 'verdicts' | 'endedAt' | 'error'>
>;

/**
 * The only way to the state database. Implementations: PostgreSQL (production) and in-memory (unit
 * tests of the session engine); both pass the same contract tests.
 */
export interface Store {
  /** Rejects with SessionConflictError when the scope already has a non-terminal session (pending … halted). */
  createSession(session: NewSession): Promise<SessionRecord>;
  updateSession(id: string, update: SessionUpdate): Promise<SessionRecord>;
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

  insertCommand(command: Omit<CommandRecord, 'status' | 'result' | 'handledBy' | 'handledAt'>): Promise<CommandRecord>;
  /** Pending commands, oldest first. */
  pendingCommands(): Promise<CommandRecord[]>;
  completeCommand(
    id: string,
    outcome: { status: 'done' | 'rejected'; result: Record<string, unknown>; handledBy: string; handledAt: Date },
  ): Promise<CommandRecord>;
  getCommand(id: string): Promise<CommandRecord | null>;
}

export type { CommandKind };
