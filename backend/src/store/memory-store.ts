/**
 * The state store in memory, for unit tests of the session engine. Same semantics as PgStore (both
 * pass store-contract.ts): the same errors, orders and uniqueness rules, and the same copying — every
 * record is copied in and out, JSON fields through JSON as jsonb would, so a caller can neither
 * mutate what is stored nor rely on something PostgreSQL would not keep (undefined, NaN in JSON …).
 */
import type {
  AutoconfRemovalRecord,
  BaselineRecord,
  CommandRecord,
  EventRecord,
  IterationRecord,
  PatchRecord,
  PendingChangeRecord,
  SessionRecord,
  SessionState,
} from '../model/records.js';
import { parseFailoverState } from '../model/failover-state.js';
import { expiredCommandResult, isActiveSessionState, validateCommandExpiry, validateLimit } from '../model/record-states.js';
import { TERMINAL_SESSION_STATES } from '../model/records.js';
import {
  type BeginFailover,
  DuplicateRecordError,
  type FailoverRecord,
  type SaveFailover,
  StaleRecordError,
  type IterationUpdate,
  type NewCommand,
  type NewPendingChange,
  type NewSession,
  PendingChangeDecidedError,
  type PendingChangeDecision,
  RecordNotFoundError,
  SessionConflictError,
  SessionStateError,
  type SessionUpdate,
  type SessionUpdateGuard,
  type Store,
} from './store.js';

export interface MemoryStoreOptions {
  /** Stamps createdAt/updatedAt of sessions; defaults to the real clock. */
  clock?: () => Date;
}

/** What jsonb keeps of a value. */
function json<T>(value: T): T {
  return (value === undefined ? null : JSON.parse(JSON.stringify(value))) as T;
}

function date(value: Date): Date {
  return new Date(value.getTime());
}

function dateOrNull(value: Date | null): Date | null {
  return value === null ? null : date(value);
}

function copySession(s: SessionRecord): SessionRecord {
  return {
    id: s.id,
    scope: s.scope,
    state: s.state,
    options: json(s.options),
    executor: s.executor,
    createdAt: date(s.createdAt),
    updatedAt: date(s.updatedAt),
    endedAt: dateOrNull(s.endedAt),
    result: json(s.result),
    reason: s.reason,
  };
}

function copyBaseline(b: BaselineRecord): BaselineRecord {
  return { sessionId: b.sessionId, dcsParameters: json(b.dcsParameters), effective: json(b.effective), recordedAt: date(b.recordedAt) };
}

function copyRemoval(r: AutoconfRemovalRecord): AutoconfRemovalRecord {
  return { sessionId: r.sessionId, member: r.member, name: r.name, setting: r.setting, removedAt: date(r.removedAt) };
}

function copyIteration(i: IterationRecord): IterationRecord {
  return {
    sessionId: i.sessionId,
    number: i.number,
    state: i.state,
    reason: i.reason,
    candidate: json(i.candidate),
    parameters: json(i.parameters),
    verification: json(i.verification),
    measurement: json(i.measurement),
    score: i.score,
    verdicts: json(i.verdicts),
    startedAt: date(i.startedAt),
    endedAt: dateOrNull(i.endedAt),
    error: i.error,
  };
}

function copyPatch(p: PatchRecord): PatchRecord {
  return {
    id: p.id,
    sessionId: p.sessionId,
    iteration: p.iteration,
    body: json(p.body),
    sentAt: date(p.sentAt),
    outcome: p.outcome,
    error: p.error,
  };
}

function copyEvent(e: EventRecord): EventRecord {
  return { id: e.id, sessionId: e.sessionId, at: date(e.at), type: e.type, member: e.member, detail: json(e.detail) };
}

/** Through JSON and back through the parser, as PgStore reads it from jsonb. */
function copyFailover(f: FailoverRecord): FailoverRecord {
  return { state: parseFailoverState(json(f.state)), revision: f.revision };
}

function copyPendingChange(p: PendingChangeRecord): PendingChangeRecord {
  return {
    id: p.id,
    sessionId: p.sessionId,
    iteration: p.iteration,
    reason: p.reason,
    replaces: p.replaces,
    configuration: json(p.configuration),
    parameters: json(p.parameters),
    vsBaseline: json(p.vsBaseline),
    vsBest: json(p.vsBest),
    memory: json(p.memory),
    prediction: json(p.prediction),
    context: json(p.context),
    createdAt: date(p.createdAt),
    expiresAt: date(p.expiresAt),
    status: p.status,
    decidedBy: p.decidedBy,
    decidedAt: dateOrNull(p.decidedAt),
    changes: json(p.changes),
    decisionReason: p.decisionReason,
  };
}

function copyCommand(c: CommandRecord): CommandRecord {
  return {
    id: c.id,
    kind: c.kind,
    scope: c.scope,
    sessionId: c.sessionId,
    payload: json(c.payload),
    receivedBy: c.receivedBy,
    createdAt: date(c.createdAt),
    expiresAt: date(c.expiresAt),
    status: c.status,
    result: json(c.result),
    handledBy: c.handledBy,
    handledAt: dateOrNull(c.handledAt),
  };
}

/** Oldest first; insertion order breaks ties, as `seq` does in PostgreSQL. */
function byCreation<T extends { record: { createdAt: Date }; seq: number }>(a: T, b: T): number {
  return a.record.createdAt.getTime() - b.record.createdAt.getTime() || a.seq - b.seq;
}

/** Assigns the value of every key present (not undefined) in `update`. */
function applyUpdate<R extends object>(record: R, update: Partial<R>): void {
  for (const key of Object.keys(update) as Array<keyof R>) {
    const value = update[key];
    if (value !== undefined) record[key] = value as R[keyof R];
  }
}

export class MemoryStore implements Store {
  readonly #clock: () => Date;
  readonly #sessions = new Map<string, { record: SessionRecord; seq: number }>();
  readonly #baselines = new Map<string, BaselineRecord>();
  readonly #removals: AutoconfRemovalRecord[] = [];
  /** Keyed by `${sessionId}\u0000${number}`. */
  readonly #iterations = new Map<string, IterationRecord>();
  readonly #patches: PatchRecord[] = [];
  readonly #events: EventRecord[] = [];
  readonly #commands = new Map<string, { record: CommandRecord; seq: number }>();
  readonly #failovers = new Map<string, FailoverRecord>();
  readonly #pendingChanges: PendingChangeRecord[] = [];
  #seq = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? (() => new Date());
  }

  async createSession(session: NewSession): Promise<SessionRecord> {
    if (this.#sessions.has(session.id)) throw new DuplicateRecordError(`session ${session.id}`);
    const active = this.#active(session.scope);
    if (active !== null) throw new SessionConflictError(active.id);
    const now = this.#clock();
    const record: SessionRecord = {
      id: session.id,
      scope: session.scope,
      state: 'pending',
      options: session.options,
      executor: session.executor,
      createdAt: now,
      updatedAt: now,
      endedAt: null,
      result: null,
      reason: null,
    };
    const stored = copySession(record);
    this.#sessions.set(stored.id, { record: stored, seq: (this.#seq += 1) });
    return copySession(stored);
  }

  async updateSession(id: string, update: SessionUpdate, guard?: SessionUpdateGuard): Promise<SessionRecord> {
    const entry = this.#sessions.get(id);
    if (entry === undefined) throw new RecordNotFoundError(`session ${id}`);
    const current = entry.record.state;
    if (TERMINAL_SESSION_STATES.has(current)) throw new SessionStateError(id, current, null);
    if (guard !== undefined && !guard.from.includes(current)) throw new SessionStateError(id, current, [...guard.from]);
    const updated = copySession({ ...entry.record });
    applyUpdate(updated, copyUpdate(update));
    updated.updatedAt = date(this.#clock());
    if (isActiveSessionState(updated.state)) {
      const other = this.#active(updated.scope, id);
      if (other !== null) throw new SessionConflictError(other.id);
    }
    entry.record = updated;
    return copySession(updated);
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const entry = this.#sessions.get(id);
    return entry === undefined ? null : copySession(entry.record);
  }

  async listSessions(scope: string, limit?: number): Promise<SessionRecord[]> {
    const max = validateLimit(limit);
    const newestFirst = this.#sessionsOf(scope).reverse();
    return (max === null ? newestFirst : newestFirst.slice(0, max)).map(copySession);
  }

  async activeSession(scope: string): Promise<SessionRecord | null> {
    const active = this.#active(scope);
    return active === null ? null : copySession(active);
  }

  async sessionsInState(scope: string, states: readonly SessionState[]): Promise<SessionRecord[]> {
    return this.#sessionsOf(scope)
      .filter((session) => states.includes(session.state))
      .map(copySession);
  }

  async saveBaseline(baseline: BaselineRecord): Promise<void> {
    this.#requireSession(baseline.sessionId);
    if (this.#baselines.has(baseline.sessionId)) throw new DuplicateRecordError(`baseline of session ${baseline.sessionId}`);
    this.#baselines.set(baseline.sessionId, copyBaseline(baseline));
  }

  async getBaseline(sessionId: string): Promise<BaselineRecord | null> {
    const baseline = this.#baselines.get(sessionId);
    return baseline === undefined ? null : copyBaseline(baseline);
  }

  async recordAutoconfRemoval(removal: AutoconfRemovalRecord): Promise<void> {
    this.#requireSession(removal.sessionId);
    this.#removals.push(copyRemoval(removal));
  }

  async listAutoconfRemovals(sessionId: string): Promise<AutoconfRemovalRecord[]> {
    return this.#removals.filter((removal) => removal.sessionId === sessionId).map(copyRemoval);
  }

  async insertIteration(iteration: IterationRecord): Promise<void> {
    this.#requireSession(iteration.sessionId);
    const key = iterationKey(iteration.sessionId, iteration.number);
    if (this.#iterations.has(key)) {
      throw new DuplicateRecordError(`iteration ${iteration.number} of session ${iteration.sessionId}`);
    }
    this.#iterations.set(key, copyIteration(iteration));
  }

  async updateIteration(sessionId: string, number: number, update: IterationUpdate): Promise<IterationRecord> {
    const key = iterationKey(sessionId, number);
    const stored = this.#iterations.get(key);
    if (stored === undefined) throw new RecordNotFoundError(`iteration ${number} of session ${sessionId}`);
    const updated = copyIteration(stored);
    applyUpdate(updated, copyUpdate(update));
    this.#iterations.set(key, copyIteration(updated));
    return copyIteration(updated);
  }

  async listIterations(sessionId: string): Promise<IterationRecord[]> {
    return [...this.#iterations.values()]
      .filter((iteration) => iteration.sessionId === sessionId)
      .sort((a, b) => a.number - b.number)
      .map(copyIteration);
  }

  async recordPatch(patch: Omit<PatchRecord, 'id' | 'outcome' | 'error'>): Promise<number> {
    if (patch.sessionId !== null) this.#requireSession(patch.sessionId);
    const id = this.#patches.length + 1;
    this.#patches.push(copyPatch({ ...patch, id, outcome: null, error: null }));
    return id;
  }

  async completePatch(id: number, outcome: 'ok' | 'error', error: string | null): Promise<void> {
    const patch = this.#patches.find((p) => p.id === id);
    if (patch === undefined) throw new RecordNotFoundError(`patch ${id}`);
    patch.outcome = outcome;
    patch.error = error;
  }

  async listPatches(sessionId: string): Promise<PatchRecord[]> {
    return this.#patches.filter((patch) => patch.sessionId === sessionId).map(copyPatch);
  }

  async appendEvent(event: Omit<EventRecord, 'id'>): Promise<EventRecord> {
    if (event.sessionId !== null) this.#requireSession(event.sessionId);
    const stored = copyEvent({ ...event, id: this.#events.length + 1 });
    this.#events.push(stored);
    return copyEvent(stored);
  }

  async listEvents(sessionId: string): Promise<EventRecord[]> {
    return this.#events.filter((event) => event.sessionId === sessionId).map(copyEvent);
  }

  async beginFailover(input: BeginFailover): Promise<FailoverRecord | null> {
    const { state } = input;
    const entry = this.#sessions.get(state.sessionId);
    if (entry === undefined || !isActiveSessionState(entry.record.state) || this.#failovers.has(state.sessionId)) return null;
    this.#checkEvents(state.sessionId, input.events);
    entry.record = { ...entry.record, state: 'halted', reason: input.reason, updatedAt: date(this.#clock()) };
    const record = copyFailover({ state, revision: 1 });
    this.#failovers.set(state.sessionId, record);
    for (const event of input.events) await this.appendEvent(event);
    return copyFailover(record);
  }

  async getFailoverState(sessionId: string): Promise<FailoverRecord | null> {
    const record = this.#failovers.get(sessionId);
    return record === undefined ? null : copyFailover(record);
  }

  async saveFailoverState(input: SaveFailover): Promise<FailoverRecord> {
    const { state } = input;
    const current = this.#failovers.get(state.sessionId);
    if (current === undefined) throw new RecordNotFoundError(`failover state of session ${state.sessionId}`);
    if (current.revision !== input.expectedRevision) {
      throw new StaleRecordError(`failover state of session ${state.sessionId}`, input.expectedRevision);
    }
    this.#checkEvents(state.sessionId, input.events);
    const record = copyFailover({ state, revision: current.revision + 1 });
    this.#failovers.set(state.sessionId, record);
    const session = this.#sessions.get(state.sessionId);
    if (input.endSession && session) {
      session.record = { ...session.record, state: input.endSession.state, endedAt: date(input.endSession.endedAt), updatedAt: date(this.#clock()) };
    }
    for (const event of input.events) await this.appendEvent(event);
    return copyFailover(record);
  }

  async listPatchedValues(scope: string): Promise<Map<string, string[]>> {
    const values = new Map<string, Set<string>>();
    for (const patch of this.#patches) {
      if (patch.sessionId === null || this.#sessions.get(patch.sessionId)?.record.scope !== scope) continue;
      const parameters = (patch.body as { postgresql?: { parameters?: Record<string, unknown> } } | null)?.postgresql?.parameters ?? {};
      for (const [name, value] of Object.entries(parameters)) {
        if (value === null || value === undefined) continue;
        values.set(name, (values.get(name) ?? new Set()).add(typeof value === 'object' ? JSON.stringify(value) : String(value)));
      }
    }
    // PostgreSQL's ORDER BY name, value (code-point order for these ASCII strings).
    return new Map([...values.keys()].sort().map((name) => [name, [...values.get(name)!].sort()]));
  }

  async insertPendingChange(change: NewPendingChange): Promise<PendingChangeRecord> {
    this.#requireSession(change.sessionId);
    if (this.#pendingChanges.some((p) => p.sessionId === change.sessionId && p.status === 'pending')) {
      throw new DuplicateRecordError(`a pending change of session ${change.sessionId}`);
    }
    if (change.replaces !== null && !this.#pendingChanges.some((p) => p.id === change.replaces)) {
      throw new RecordNotFoundError(`session ${change.sessionId}`);
    }
    const stored = copyPendingChange({
      ...change,
      id: this.#pendingChanges.length + 1,
      status: 'pending',
      decidedBy: null,
      decidedAt: null,
      changes: null,
      decisionReason: null,
    });
    this.#pendingChanges.push(stored);
    return copyPendingChange(stored);
  }

  async getPendingChange(sessionId: string): Promise<PendingChangeRecord | null> {
    const found = this.#pendingChanges.find((p) => p.sessionId === sessionId && p.status === 'pending');
    return found === undefined ? null : copyPendingChange(found);
  }

  async listPendingChanges(sessionId: string): Promise<PendingChangeRecord[]> {
    return this.#pendingChanges.filter((p) => p.sessionId === sessionId).map(copyPendingChange);
  }

  async decidePendingChange(id: number, decision: PendingChangeDecision): Promise<PendingChangeRecord> {
    const index = this.#pendingChanges.findIndex((p) => p.id === id);
    const current = this.#pendingChanges[index];
    if (current === undefined) throw new RecordNotFoundError(`pending change ${id}`);
    if (current.status !== 'pending') throw new PendingChangeDecidedError(id, current.status);
    const decided = copyPendingChange({
      ...current,
      status: decision.status,
      decidedBy: decision.by,
      decidedAt: decision.at,
      changes: decision.changes ?? null,
      decisionReason: decision.reason ?? null,
    });
    this.#pendingChanges[index] = decided;
    await this.appendEvent({ ...decision.event, sessionId: current.sessionId });
    return copyPendingChange(decided);
  }

  async insertCommand(command: NewCommand): Promise<CommandRecord> {
    validateCommandExpiry(command);
    if (this.#commands.has(command.id)) throw new DuplicateRecordError(`command ${command.id}`);
    const stored = copyCommand({ ...command, status: 'pending', result: null, handledBy: null, handledAt: null });
    this.#commands.set(stored.id, { record: stored, seq: (this.#seq += 1) });
    return copyCommand(stored);
  }

  async pendingCommands(scope: string, now: Date): Promise<CommandRecord[]> {
    return this.#pendingOf(scope)
      .filter((entry) => entry.record.expiresAt.getTime() > now.getTime())
      .map((entry) => copyCommand(entry.record));
  }

  async expireCommands(scope: string, now: Date, handledBy: string): Promise<CommandRecord[]> {
    const expired = this.#pendingOf(scope).filter((entry) => entry.record.expiresAt.getTime() <= now.getTime());
    for (const entry of expired) {
      entry.record = copyCommand({ ...entry.record, status: 'rejected', result: expiredCommandResult(entry.record), handledBy, handledAt: now });
    }
    return expired.map((entry) => copyCommand(entry.record));
  }

  /** The scope's pending commands, oldest first (stored entries: copy before handing out). */
  #pendingOf(scope: string): Array<{ record: CommandRecord; seq: number }> {
    return [...this.#commands.values()].filter((entry) => entry.record.status === 'pending' && entry.record.scope === scope).sort(byCreation);
  }

  async completeCommand(
    id: string,
    outcome: { status: 'done' | 'rejected'; result: Record<string, unknown>; handledBy: string; handledAt: Date },
  ): Promise<CommandRecord> {
    const entry = this.#commands.get(id);
    if (entry === undefined) throw new RecordNotFoundError(`command ${id}`);
    entry.record = copyCommand({ ...entry.record, ...outcome });
    return copyCommand(entry.record);
  }

  async getCommand(id: string): Promise<CommandRecord | null> {
    const entry = this.#commands.get(id);
    return entry === undefined ? null : copyCommand(entry.record);
  }

  /** The scope's sessions, oldest first (stored objects: copy before handing out). */
  #sessionsOf(scope: string): SessionRecord[] {
    return [...this.#sessions.values()]
      .filter((entry) => entry.record.scope === scope)
      .sort(byCreation)
      .map((entry) => entry.record);
  }

  #active(scope: string, exceptId?: string): SessionRecord | null {
    return this.#sessionsOf(scope).find((session) => session.id !== exceptId && isActiveSessionState(session.state)) ?? null;
  }

  #checkEvents(sessionId: string, events: BeginFailover['events']): void {
    for (const event of events) {
      if (event.sessionId !== sessionId) throw new RangeError(`an event of session ${event.sessionId} given with session ${sessionId}'s failover state`);
    }
  }

  #requireSession(id: string): void {
    if (!this.#sessions.has(id)) throw new RecordNotFoundError(`session ${id}`);
  }
}

function iterationKey(sessionId: string, number: number): string {
  return `${sessionId}\u0000${number}`;
}

/** Copies an update's JSON fields and dates through the same rules as the records. */
function copyUpdate<U extends object>(update: U): U {
  const copy = { ...update } as Record<string, unknown>;
  for (const [key, value] of Object.entries(copy)) {
    if (value instanceof Date) copy[key] = date(value);
    else if (value !== null && typeof value === 'object') copy[key] = json(value);
  }
  return copy as U;
}
