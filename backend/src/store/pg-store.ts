/**
 * The state store in PostgreSQL (schema: migrations.ts). Every method is one statement, so each write
 * is durable once its promise resolves; writes that must happen together (a failover state with its
 * events and the session's state) are one statement of data-modifying CTEs, so they are atomic too.
 *
 * Rows map onto records exactly: timestamptz ↔ Date, jsonb ↔ plain values (passed as JSON text, so a
 * JS array is never mistaken for a PostgreSQL array), bigserial ids ↔ numbers.
 */
import type { Queryable } from '../postgres/connection.js';
import { PostgresError, PostgresUnexpectedResultError } from '../postgres/errors.js';
import type {
  AutoconfRemovalRecord,
  BaselineRecord,
  CommandKind,
  CommandRecord,
  CommandStatus,
  EventRecord,
  GuardrailVerdict,
  IterationRecord,
  IterationState,
  Measurement,
  MemberVerification,
  ParameterValue,
  PatchRecord,
  PendingChangeReason,
  PendingChangeRecord,
  PendingChangeStatus,
  SessionOptions,
  SessionRecord,
  SessionResult,
  SessionState,
} from '../model/records.js';
import { parseFailoverState } from '../model/failover-state.js';
import { ACTIVE_SESSION_STATES, COMMAND_EXPIRED, validateCommandExpiry, validateLimit } from '../model/record-states.js';
import { TERMINAL_SESSION_STATES } from '../model/records.js';
import {
  type BeginFailover,
  DuplicateRecordError,
  type FailoverRecord,
  type NewEvent,
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

export interface PgStoreOptions {
  /** Stamps createdAt/updatedAt of sessions; defaults to the agent's clock. */
  clock?: () => Date;
}

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
/** The partial unique index of migration 1 that allows one non-terminal session per scope. */
const ONE_ACTIVE_SESSION_INDEX = 'sessions_one_active_per_scope';
/** createSession retries when the session it conflicted with ended before it could be named. */
const CONFLICT_ATTEMPTS = 3;

const SESSION_COLUMNS = 'id, scope, state, options, executor, created_at, updated_at, ended_at, result, reason';
const ITERATION_COLUMNS =
  'session_id, number, state, reason, candidate, parameters, verification, measurement, score, verdicts, started_at, ended_at, error';
const PATCH_COLUMNS = 'id, session_id, iteration, body, sent_at, outcome, error';
const EVENT_COLUMNS = 'id, session_id, at, type, member, detail';
const PENDING_COLUMNS =
  'id, session_id, iteration, reason, replaces, configuration, parameters, vs_baseline, vs_best, memory, prediction, context, created_at, expires_at, status, decided_by, decided_at, changes, decision_reason';
const COMMAND_COLUMNS = 'id, kind, scope, session_id, payload, received_by, created_at, expires_at, status, result, handled_by, handled_at';

const SQL = {
  insertSession: `INSERT INTO sessions (id, scope, state, options, executor, created_at, updated_at)
    VALUES ($1, $2, 'pending', $3::jsonb, $4, $5, $5)
    RETURNING ${SESSION_COLUMNS}`,
  /**
   * Each field is replaced only when its flag is true, so one statement serves every partial update.
   * A terminal session ($13) is never changed, nor one outside the expected states ($14, when given).
   */
  updateSession: `UPDATE sessions SET
      state = CASE WHEN $2::boolean THEN $3::text ELSE state END,
      result = CASE WHEN $4::boolean THEN $5::jsonb ELSE result END,
      reason = CASE WHEN $6::boolean THEN $7::text ELSE reason END,
      ended_at = CASE WHEN $8::boolean THEN $9::timestamptz ELSE ended_at END,
      executor = CASE WHEN $10::boolean THEN $11::text ELSE executor END,
      updated_at = $12
    WHERE id = $1 AND state <> ALL($13::text[]) AND ($14::text[] IS NULL OR state = ANY($14::text[]))
    RETURNING ${SESSION_COLUMNS}`,
  getSession: `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`,
  listSessions: `SELECT ${SESSION_COLUMNS} FROM sessions WHERE scope = $1 ORDER BY created_at DESC, seq DESC LIMIT $2`,
  sessionsInState: `SELECT ${SESSION_COLUMNS} FROM sessions WHERE scope = $1 AND state = ANY($2::text[]) ORDER BY created_at, seq`,

  insertBaseline: `INSERT INTO baselines (session_id, dcs_parameters, effective, recorded_at) VALUES ($1, $2::jsonb, $3::jsonb, $4)`,
  getBaseline: 'SELECT session_id, dcs_parameters, effective, recorded_at FROM baselines WHERE session_id = $1',

  insertAutoconfRemoval: `INSERT INTO autoconf_removals (session_id, member, name, setting, removed_at) VALUES ($1, $2, $3, $4, $5)`,
  listAutoconfRemovals: 'SELECT session_id, member, name, setting, removed_at FROM autoconf_removals WHERE session_id = $1 ORDER BY id',

  insertIteration: `INSERT INTO iterations (${ITERATION_COLUMNS})
    VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10::jsonb, $11, $12, $13)`,
  updateIteration: `UPDATE iterations SET
      state = CASE WHEN $3::boolean THEN $4::text ELSE state END,
      parameters = CASE WHEN $5::boolean THEN $6::jsonb ELSE parameters END,
      verification = CASE WHEN $7::boolean THEN $8::jsonb ELSE verification END,
      measurement = CASE WHEN $9::boolean THEN $10::jsonb ELSE measurement END,
      score = CASE WHEN $11::boolean THEN $12::double precision ELSE score END,
      verdicts = CASE WHEN $13::boolean THEN $14::jsonb ELSE verdicts END,
      ended_at = CASE WHEN $15::boolean THEN $16::timestamptz ELSE ended_at END,
      error = CASE WHEN $17::boolean THEN $18::text ELSE error END,
      candidate = CASE WHEN $19::boolean THEN $20::jsonb ELSE candidate END
    WHERE session_id = $1 AND number = $2
    RETURNING ${ITERATION_COLUMNS}`,
  listIterations: `SELECT ${ITERATION_COLUMNS} FROM iterations WHERE session_id = $1 ORDER BY number`,

  insertPatch: `INSERT INTO patches (session_id, iteration, body, sent_at) VALUES ($1, $2, $3::jsonb, $4) RETURNING id`,
  completePatch: 'UPDATE patches SET outcome = $2, error = $3 WHERE id = $1 RETURNING id',
  listPatches: `SELECT ${PATCH_COLUMNS} FROM patches WHERE session_id = $1 ORDER BY id`,

  insertEvent: `INSERT INTO events (session_id, at, type, member, detail) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING ${EVENT_COLUMNS}`,
  listEvents: `SELECT ${EVENT_COLUMNS} FROM events WHERE session_id = $1 ORDER BY id`,

  /** Halts an active session without a failover state, then stores the state and its events: all or nothing. */
  beginFailover: `WITH halted AS (
      UPDATE sessions SET state = 'halted', reason = $2, updated_at = $3
       WHERE id = $1 AND state = ANY($5::text[])
         AND NOT EXISTS (SELECT 1 FROM failover_states WHERE session_id = $1)
      RETURNING id
    ), started AS (
      INSERT INTO failover_states (session_id, state, revision, updated_at)
      SELECT id, $4::jsonb, 1, $3 FROM halted
      RETURNING state, revision
    ), logged AS (
      ${insertEvents('started', '$6')}
    )
    SELECT state, revision FROM started`,
  getFailoverState: 'SELECT state, revision FROM failover_states WHERE session_id = $1',
  /** Compare-and-set on revision; the session's end and the events only with the state. */
  saveFailoverState: `WITH saved AS (
      UPDATE failover_states SET state = $2::jsonb, revision = revision + 1, updated_at = $3
       WHERE session_id = $1 AND revision = $4
      RETURNING state, revision
    ), ended AS (
      UPDATE sessions SET state = $5::text, ended_at = $6, updated_at = $3
       WHERE id = $1 AND $5::text IS NOT NULL AND EXISTS (SELECT 1 FROM saved)
      RETURNING id
    ), logged AS (
      ${insertEvents('saved', '$7')}
    )
    SELECT state, revision FROM saved`,
  listPatchedValues: `SELECT DISTINCT parameter.key AS name, parameter.value AS value
      FROM patches
      JOIN sessions ON sessions.id = patches.session_id,
           jsonb_each_text(patches.body -> 'postgresql' -> 'parameters') AS parameter
     WHERE sessions.scope = $1 AND parameter.value IS NOT NULL`,

  insertPendingChange: `INSERT INTO pending_changes (session_id, iteration, reason, replaces, configuration, parameters, vs_baseline, vs_best,
      memory, prediction, context, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13)
    RETURNING ${PENDING_COLUMNS}`,
  getPendingChange: `SELECT ${PENDING_COLUMNS} FROM pending_changes WHERE session_id = $1 AND status = 'pending'`,
  listPendingChanges: `SELECT ${PENDING_COLUMNS} FROM pending_changes WHERE session_id = $1 ORDER BY id`,
  /** Only a change still pending is decided; its event goes in with the decision. */
  decidePendingChange: `WITH decided AS (
      UPDATE pending_changes SET status = $2, decided_by = $3, decided_at = $4, changes = $5::jsonb, decision_reason = $6
       WHERE id = $1 AND status = 'pending'
      RETURNING ${PENDING_COLUMNS}
    ), logged AS (
      INSERT INTO events (session_id, at, type, member, detail)
      SELECT session_id, $7, $8, $9, $10::jsonb FROM decided
      RETURNING id
    )
    SELECT * FROM decided`,
  pendingChangeStatus: 'SELECT status FROM pending_changes WHERE id = $1',

  insertCommand: `INSERT INTO commands (id, kind, scope, session_id, payload, received_by, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
    RETURNING ${COMMAND_COLUMNS}`,
  pendingCommands: `SELECT ${COMMAND_COLUMNS} FROM commands
    WHERE status = 'pending' AND scope = $1 AND expires_at > $2
    ORDER BY created_at, seq`,
  /** The same result as states.ts expiredCommandResult (the contract tests compare them), built per row. */
  expireCommands: `UPDATE commands SET status = 'rejected', handled_by = $3, handled_at = $2,
      result = jsonb_build_object('error', jsonb_build_object(
        'code', $4::text,
        'message', 'command ' || id || ' expired at '
          || to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' before a leader''s agent executed it'))
    WHERE status = 'pending' AND scope = $1 AND expires_at <= $2
    RETURNING ${COMMAND_COLUMNS}, seq`,
  completeCommand: `UPDATE commands SET status = $2, result = $3::jsonb, handled_by = $4, handled_at = $5
    WHERE id = $1
    RETURNING ${COMMAND_COLUMNS}`,
  getCommand: `SELECT ${COMMAND_COLUMNS} FROM commands WHERE id = $1`,
} as const;

/** Inserts the events of `$1`'s session given as a JSON array in parameter `events`, in array order, if `guard` has a row. */
function insertEvents(guard: string, events: string): string {
  return `INSERT INTO events (session_id, at, type, member, detail)
      SELECT $1, (event ->> 'at')::timestamptz, event ->> 'type', event ->> 'member', event -> 'detail'
        FROM ${guard}, jsonb_array_elements(${events}::jsonb) WITH ORDINALITY AS given (event, position)
       ORDER BY position
      RETURNING id`;
}

interface SessionRow {
  id: string;
  scope: string;
  state: SessionState;
  options: SessionOptions;
  executor: string;
  created_at: Date;
  updated_at: Date;
  ended_at: Date | null;
  result: SessionResult | null;
  reason: string | null;
}

interface BaselineRow {
  session_id: string;
  dcs_parameters: Record<string, ParameterValue>;
  effective: Record<string, ParameterValue>;
  recorded_at: Date;
}

interface AutoconfRemovalRow {
  session_id: string;
  member: string;
  name: string;
  setting: string;
  removed_at: Date;
}

interface IterationRow {
  session_id: string;
  number: number;
  state: IterationState;
  reason: IterationRecord['reason'];
  candidate: IterationRecord['candidate'];
  parameters: Record<string, string>;
  verification: MemberVerification[];
  measurement: Measurement | null;
  score: number | null;
  verdicts: GuardrailVerdict[];
  started_at: Date;
  ended_at: Date | null;
  error: string | null;
}

/** bigserial columns arrive as strings (int8 may exceed a JS number). */
interface PatchRow {
  id: string;
  session_id: string | null;
  iteration: number | null;
  body: unknown;
  sent_at: Date;
  outcome: 'ok' | 'error' | null;
  error: string | null;
}

interface EventRow {
  id: string;
  session_id: string | null;
  at: Date;
  type: string;
  member: string | null;
  detail: Record<string, unknown>;
}

interface PendingRow {
  id: string;
  session_id: string;
  iteration: number | null;
  reason: PendingChangeReason;
  replaces: string | null;
  configuration: PendingChangeRecord['configuration'];
  parameters: PendingChangeRecord['parameters'];
  vs_baseline: PendingChangeRecord['vsBaseline'];
  vs_best: PendingChangeRecord['vsBest'];
  memory: PendingChangeRecord['memory'];
  prediction: PendingChangeRecord['prediction'];
  context: PendingChangeRecord['context'];
  created_at: Date;
  expires_at: Date;
  status: PendingChangeStatus;
  decided_by: string | null;
  decided_at: Date | null;
  changes: PendingChangeRecord['changes'];
  decision_reason: string | null;
}

function toPendingChange(row: PendingRow): PendingChangeRecord {
  return {
    id: toId(row.id),
    sessionId: row.session_id,
    iteration: row.iteration,
    reason: row.reason,
    replaces: row.replaces === null ? null : toId(row.replaces),
    configuration: row.configuration,
    parameters: row.parameters,
    vsBaseline: row.vs_baseline,
    vsBest: row.vs_best,
    memory: row.memory,
    prediction: row.prediction,
    context: row.context,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    status: row.status,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    changes: row.changes,
    decisionReason: row.decision_reason,
  };
}

interface CommandRow {
  id: string;
  kind: CommandKind;
  scope: string;
  session_id: string | null;
  payload: Record<string, unknown>;
  received_by: string;
  created_at: Date;
  expires_at: Date;
  status: CommandStatus;
  result: Record<string, unknown> | null;
  handled_by: string | null;
  handled_at: Date | null;
}

interface FailoverRow {
  state: unknown;
  revision: number;
}

function toFailover(row: FailoverRow): FailoverRecord {
  return { state: parseFailoverState(row.state), revision: row.revision };
}

/** Events for insertEvents; each must belong to `sessionId` (the statement stores them under it). */
function eventsJson(sessionId: string, events: readonly NewEvent[]): string {
  for (const event of events) {
    if (event.sessionId !== sessionId) throw new RangeError(`an event of session ${event.sessionId} given with session ${sessionId}'s failover state`);
  }
  return json(events.map((event) => ({ at: event.at.toISOString(), type: event.type, member: event.member, detail: event.detail })));
}

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    scope: row.scope,
    state: row.state,
    options: row.options,
    executor: row.executor,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
    result: row.result,
    reason: row.reason,
  };
}

function toIteration(row: IterationRow): IterationRecord {
  return {
    sessionId: row.session_id,
    number: row.number,
    state: row.state,
    reason: row.reason,
    candidate: row.candidate,
    parameters: row.parameters,
    verification: row.verification,
    measurement: row.measurement,
    score: row.score,
    verdicts: row.verdicts,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    error: row.error,
  };
}

function toPatch(row: PatchRow): PatchRecord {
  return {
    id: toId(row.id),
    sessionId: row.session_id,
    iteration: row.iteration,
    body: row.body,
    sentAt: row.sent_at,
    outcome: row.outcome,
    error: row.error,
  };
}

function toEvent(row: EventRow): EventRecord {
  return { id: toId(row.id), sessionId: row.session_id, at: row.at, type: row.type, member: row.member, detail: row.detail };
}

function toCommand(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    kind: row.kind,
    scope: row.scope,
    sessionId: row.session_id,
    payload: row.payload,
    receivedBy: row.received_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    status: row.status,
    result: row.result,
    handledBy: row.handled_by,
    handledAt: row.handled_at,
  };
}

function toId(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id)) throw new RangeError(`id ${value} is beyond the safe integer range`);
  return id;
}

/** A jsonb parameter of a NOT NULL column. `undefined` (which JSON.stringify drops) is stored as JSON null. */
function json(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** A jsonb parameter of a nullable column: null (or undefined) is SQL NULL. */
function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : json(value);
}

/** `[given, value]` pairs for the CASE-guarded updates. */
function field<U extends object>(update: U, key: keyof U, encode: (value: unknown) => unknown = (value) => value): [boolean, unknown] {
  const value = update[key];
  return value === undefined ? [false, null] : [true, encode(value)];
}

function isViolation(error: unknown, sqlState: string): error is PostgresError {
  return error instanceof PostgresError && error.sqlState === sqlState;
}

/** The constraint (or unique index) a violation names; pg puts it on the DatabaseError kept as cause. */
function violatedConstraint(error: PostgresError): string | null {
  const constraint = (error.cause as { constraint?: unknown } | undefined)?.constraint;
  return typeof constraint === 'string' ? constraint : null;
}

/** Maps a duplicate key onto DuplicateRecordError and a missing session onto RecordNotFoundError. */
function insertError(error: unknown, duplicate: string, sessionId: string | null): unknown {
  if (isViolation(error, UNIQUE_VIOLATION)) return new DuplicateRecordError(duplicate);
  if (isViolation(error, FOREIGN_KEY_VIOLATION)) return new RecordNotFoundError(`session ${sessionId}`);
  return error;
}

export class PgStore implements Store {
  readonly #db: Queryable;
  readonly #clock: () => Date;

  constructor(db: Queryable, options: PgStoreOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
  }

  async createSession(session: NewSession): Promise<SessionRecord> {
    for (let attempt = 1; ; attempt += 1) {
      const now = this.#clock();
      try {
        const [row] = await this.#db.query<SessionRow>(SQL.insertSession, [
          session.id,
          session.scope,
          json(session.options),
          session.executor,
          now,
        ]);
        return toSession(expectRow(row, 'INSERT … RETURNING'));
      } catch (error) {
        if (!isActiveSessionConflict(error)) throw insertError(error, `session ${session.id}`, null);
        const active = await this.activeSession(session.scope);
        if (active !== null) throw new SessionConflictError(active.id);
        // The active session ended between the insert and the look-up: try again.
        if (attempt >= CONFLICT_ATTEMPTS) throw error;
      }
    }
  }

  async updateSession(id: string, update: SessionUpdate, guard?: SessionUpdateGuard): Promise<SessionRecord> {
    const params = [
      id,
      ...field(update, 'state'),
      ...field(update, 'result', jsonOrNull),
      ...field(update, 'reason'),
      ...field(update, 'endedAt'),
      ...field(update, 'executor'),
      this.#clock(),
      [...TERMINAL_SESSION_STATES],
      guard === undefined ? null : [...guard.from],
    ];
    let rows: SessionRow[];
    try {
      rows = await this.#db.query<SessionRow>(SQL.updateSession, params);
    } catch (error) {
      if (!isActiveSessionConflict(error)) throw error;
      const current = await this.getSession(id);
      const active = current === null ? null : await this.activeSession(current.scope);
      throw active !== null && active.id !== id ? new SessionConflictError(active.id) : error;
    }
    const [row] = rows;
    if (row !== undefined) return toSession(row);
    // Nothing changed: say why, from the state the session has now.
    const current = await this.getSession(id);
    if (current === null) throw new RecordNotFoundError(`session ${id}`);
    throw new SessionStateError(id, current.state, TERMINAL_SESSION_STATES.has(current.state) || guard === undefined ? null : [...guard.from]);
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const [row] = await this.#db.query<SessionRow>(SQL.getSession, [id]);
    return row === undefined ? null : toSession(row);
  }

  async listSessions(scope: string, limit?: number): Promise<SessionRecord[]> {
    const rows = await this.#db.query<SessionRow>(SQL.listSessions, [scope, validateLimit(limit)]);
    return rows.map(toSession);
  }

  async activeSession(scope: string): Promise<SessionRecord | null> {
    const [session] = await this.sessionsInState(scope, ACTIVE_SESSION_STATES);
    return session ?? null;
  }

  async sessionsInState(scope: string, states: readonly SessionState[]): Promise<SessionRecord[]> {
    const rows = await this.#db.query<SessionRow>(SQL.sessionsInState, [scope, [...states]]);
    return rows.map(toSession);
  }

  async saveBaseline(baseline: BaselineRecord): Promise<void> {
    try {
      await this.#db.query(SQL.insertBaseline, [
        baseline.sessionId,
        json(baseline.dcsParameters),
        json(baseline.effective),
        baseline.recordedAt,
      ]);
    } catch (error) {
      throw insertError(error, `baseline of session ${baseline.sessionId}`, baseline.sessionId);
    }
  }

  async getBaseline(sessionId: string): Promise<BaselineRecord | null> {
    const [row] = await this.#db.query<BaselineRow>(SQL.getBaseline, [sessionId]);
    if (row === undefined) return null;
    return { sessionId: row.session_id, dcsParameters: row.dcs_parameters, effective: row.effective, recordedAt: row.recorded_at };
  }

  async recordAutoconfRemoval(removal: AutoconfRemovalRecord): Promise<void> {
    try {
      await this.#db.query(SQL.insertAutoconfRemoval, [removal.sessionId, removal.member, removal.name, removal.setting, removal.removedAt]);
    } catch (error) {
      throw insertError(error, 'auto.conf removal', removal.sessionId);
    }
  }

  async listAutoconfRemovals(sessionId: string): Promise<AutoconfRemovalRecord[]> {
    const rows = await this.#db.query<AutoconfRemovalRow>(SQL.listAutoconfRemovals, [sessionId]);
    return rows.map((row) => ({
      sessionId: row.session_id,
      member: row.member,
      name: row.name,
      setting: row.setting,
      removedAt: row.removed_at,
    }));
  }

  async insertIteration(iteration: IterationRecord): Promise<void> {
    try {
      await this.#db.query(SQL.insertIteration, [
        iteration.sessionId,
        iteration.number,
        iteration.state,
        iteration.reason,
        json(iteration.candidate),
        json(iteration.parameters),
        json(iteration.verification),
        jsonOrNull(iteration.measurement),
        iteration.score,
        json(iteration.verdicts),
        iteration.startedAt,
        iteration.endedAt,
        iteration.error,
      ]);
    } catch (error) {
      throw insertError(error, `iteration ${iteration.number} of session ${iteration.sessionId}`, iteration.sessionId);
    }
  }

  async updateIteration(sessionId: string, number: number, update: IterationUpdate): Promise<IterationRecord> {
    const [row] = await this.#db.query<IterationRow>(SQL.updateIteration, [
      sessionId,
      number,
      ...field(update, 'state'),
      ...field(update, 'parameters', json),
      ...field(update, 'verification', json),
      ...field(update, 'measurement', jsonOrNull),
      ...field(update, 'score'),
      ...field(update, 'verdicts', json),
      ...field(update, 'endedAt'),
      ...field(update, 'error'),
      ...field(update, 'candidate', json),
    ]);
    if (row === undefined) throw new RecordNotFoundError(`iteration ${number} of session ${sessionId}`);
    return toIteration(row);
  }

  async listIterations(sessionId: string): Promise<IterationRecord[]> {
    const rows = await this.#db.query<IterationRow>(SQL.listIterations, [sessionId]);
    return rows.map(toIteration);
  }

  async recordPatch(patch: Omit<PatchRecord, 'id' | 'outcome' | 'error'>): Promise<number> {
    try {
      const [row] = await this.#db.query<{ id: string }>(SQL.insertPatch, [patch.sessionId, patch.iteration, json(patch.body), patch.sentAt]);
      return toId(expectRow(row, 'INSERT … RETURNING').id);
    } catch (error) {
      throw insertError(error, 'patch', patch.sessionId);
    }
  }

  async completePatch(id: number, outcome: 'ok' | 'error', error: string | null): Promise<void> {
    const rows = await this.#db.query(SQL.completePatch, [id, outcome, error]);
    if (rows.length === 0) throw new RecordNotFoundError(`patch ${id}`);
  }

  async listPatches(sessionId: string): Promise<PatchRecord[]> {
    const rows = await this.#db.query<PatchRow>(SQL.listPatches, [sessionId]);
    return rows.map(toPatch);
  }

  async appendEvent(event: Omit<EventRecord, 'id'>): Promise<EventRecord> {
    try {
      const [row] = await this.#db.query<EventRow>(SQL.insertEvent, [event.sessionId, event.at, event.type, event.member, json(event.detail)]);
      return toEvent(expectRow(row, 'INSERT … RETURNING'));
    } catch (error) {
      throw insertError(error, 'event', event.sessionId);
    }
  }

  async listEvents(sessionId: string): Promise<EventRecord[]> {
    const rows = await this.#db.query<EventRow>(SQL.listEvents, [sessionId]);
    return rows.map(toEvent);
  }

  async beginFailover(input: BeginFailover): Promise<FailoverRecord | null> {
    const { state } = input;
    try {
      const [row] = await this.#db.query<FailoverRow>(SQL.beginFailover, [
        state.sessionId,
        input.reason,
        this.#clock(),
        json(state),
        [...ACTIVE_SESSION_STATES],
        eventsJson(state.sessionId, input.events),
      ]);
      return row === undefined ? null : toFailover(row);
    } catch (error) {
      // Another agent started it between this statement's snapshot and its insert.
      if (isViolation(error, UNIQUE_VIOLATION)) return null;
      throw error;
    }
  }

  async getFailoverState(sessionId: string): Promise<FailoverRecord | null> {
    const [row] = await this.#db.query<FailoverRow>(SQL.getFailoverState, [sessionId]);
    return row === undefined ? null : toFailover(row);
  }

  async saveFailoverState(input: SaveFailover): Promise<FailoverRecord> {
    const { state } = input;
    const [row] = await this.#db.query<FailoverRow>(SQL.saveFailoverState, [
      state.sessionId,
      json(state),
      this.#clock(),
      input.expectedRevision,
      input.endSession?.state ?? null,
      input.endSession?.endedAt ?? null,
      eventsJson(state.sessionId, input.events),
    ]);
    if (row !== undefined) return toFailover(row);
    if ((await this.getFailoverState(state.sessionId)) === null) throw new RecordNotFoundError(`failover state of session ${state.sessionId}`);
    throw new StaleRecordError(`failover state of session ${state.sessionId}`, input.expectedRevision);
  }

  async listPatchedValues(scope: string): Promise<Map<string, string[]>> {
    const rows = await this.#db.query<{ name: string; value: string }>(SQL.listPatchedValues, [scope]);
    const values = new Map<string, string[]>();
    for (const { name, value } of rows) values.set(name, [...(values.get(name) ?? []), value]);
    // Code-point order, whatever the database's collation.
    return new Map([...values.keys()].sort().map((name) => [name, values.get(name)!.sort()]));
  }

  async insertPendingChange(change: NewPendingChange): Promise<PendingChangeRecord> {
    try {
      const [row] = await this.#db.query<PendingRow>(SQL.insertPendingChange, [
        change.sessionId,
        change.iteration,
        change.reason,
        change.replaces,
        json(change.configuration),
        json(change.parameters),
        json(change.vsBaseline),
        json(change.vsBest),
        jsonOrNull(change.memory),
        jsonOrNull(change.prediction),
        json(change.context),
        change.createdAt,
        change.expiresAt,
      ]);
      return toPendingChange(expectRow(row, 'INSERT … RETURNING'));
    } catch (error) {
      throw insertError(error, `a pending change of session ${change.sessionId}`, change.sessionId);
    }
  }

  async getPendingChange(sessionId: string): Promise<PendingChangeRecord | null> {
    const [row] = await this.#db.query<PendingRow>(SQL.getPendingChange, [sessionId]);
    return row === undefined ? null : toPendingChange(row);
  }

  async listPendingChanges(sessionId: string): Promise<PendingChangeRecord[]> {
    const rows = await this.#db.query<PendingRow>(SQL.listPendingChanges, [sessionId]);
    return rows.map(toPendingChange);
  }

  async decidePendingChange(id: number, decision: PendingChangeDecision): Promise<PendingChangeRecord> {
    const { event } = decision;
    const [row] = await this.#db.query<PendingRow>(SQL.decidePendingChange, [
      id,
      decision.status,
      decision.by,
      decision.at,
      jsonOrNull(decision.changes ?? null),
      decision.reason ?? null,
      event.at,
      event.type,
      event.member,
      json(event.detail),
    ]);
    if (row !== undefined) return toPendingChange(row);
    const [current] = await this.#db.query<{ status: PendingChangeStatus }>(SQL.pendingChangeStatus, [id]);
    if (current === undefined) throw new RecordNotFoundError(`pending change ${id}`);
    throw new PendingChangeDecidedError(id, current.status);
  }

  async insertCommand(command: NewCommand): Promise<CommandRecord> {
    validateCommandExpiry(command);
    try {
      const [row] = await this.#db.query<CommandRow>(SQL.insertCommand, [
        command.id,
        command.kind,
        command.scope,
        command.sessionId,
        json(command.payload),
        command.receivedBy,
        command.createdAt,
        command.expiresAt,
      ]);
      return toCommand(expectRow(row, 'INSERT … RETURNING'));
    } catch (error) {
      throw insertError(error, `command ${command.id}`, command.sessionId);
    }
  }

  async pendingCommands(scope: string, now: Date): Promise<CommandRecord[]> {
    const rows = await this.#db.query<CommandRow>(SQL.pendingCommands, [scope, now]);
    return rows.map(toCommand);
  }

  async expireCommands(scope: string, now: Date, handledBy: string): Promise<CommandRecord[]> {
    const rows = await this.#db.query<CommandRow & { seq: string }>(SQL.expireCommands, [scope, now, handledBy, COMMAND_EXPIRED]);
    // UPDATE … RETURNING has no order: oldest first, as pendingCommands.
    return rows
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || Number(BigInt(a.seq) - BigInt(b.seq)))
      .map(toCommand);
  }

  async completeCommand(
    id: string,
    outcome: { status: 'done' | 'rejected'; result: Record<string, unknown>; handledBy: string; handledAt: Date },
  ): Promise<CommandRecord> {
    const [row] = await this.#db.query<CommandRow>(SQL.completeCommand, [
      id,
      outcome.status,
      json(outcome.result),
      outcome.handledBy,
      outcome.handledAt,
    ]);
    if (row === undefined) throw new RecordNotFoundError(`command ${id}`);
    return toCommand(row);
  }

  async getCommand(id: string): Promise<CommandRecord | null> {
    const [row] = await this.#db.query<CommandRow>(SQL.getCommand, [id]);
    return row === undefined ? null : toCommand(row);
  }
}

function isActiveSessionConflict(error: unknown): boolean {
  return isViolation(error, UNIQUE_VIOLATION) && violatedConstraint(error) === ONE_ACTIVE_SESSION_INDEX;
}

function expectRow<Row>(row: Row | undefined, statement: string): Row {
  if (row === undefined) throw new PostgresUnexpectedResultError(`${statement} returned no row`);
  return row;
}
