/** Tuning sessions on the wire: the records the state store keeps, the session API's requests and answers. */
import { type Static, Type } from '@sinclair/typebox';
import { IsoTime, JsonObject, Nullable, ParameterValue, StringEnum } from './common.js';
import { PendingChangeRecord } from './approval.js';
import { FailoverState } from './failover.js';

export const SessionState = StringEnum(['pending', 'preparing', 'running', 'finishing', 'completed', 'stopped', 'failed', 'aborted', 'halted', 'acknowledged']);

export const Objective = StringEnum(['mean_query_time', 'throughput']);

/** `each`: every configuration waits for a person's approval. */
export const ApprovalMode = StringEnum(['none', 'each']);

export const SessionOptions = Type.Object({
  iterations: Type.Integer(),
  iterationSeconds: Type.Integer(),
  warmupSeconds: Type.Integer(),
  objective: Objective,
  /** Knob names to tune; all tunable knobs when empty. */
  knobs: Type.Array(Type.String()),
  seed: Type.Integer(),
  /** Absent in sessions recorded before approval mode: `none`. */
  approval: Type.Optional(ApprovalMode),
  /** How long a pending change may wait for a decision (approval `each`). */
  approvalTimeoutMs: Type.Optional(Type.Integer()),
});

export const SessionResult = Type.Object({
  /** `current`: in approval mode, the configuration in force when nobody approved a move off it. */
  final: StringEnum(['best', 'baseline', 'current']),
  bestIteration: Nullable(Type.Integer()),
  baselineScore: Nullable(Type.Number()),
  bestScore: Nullable(Type.Number()),
  /** baselineScore / bestScore for a lower-is-better objective: 2 = twice as fast. */
  improvementRatio: Nullable(Type.Number()),
  /** The search stopped before its planned iterations: the model expected nothing better. Absent in sessions recorded before. */
  converged: Type.Optional(Type.Boolean()),
});

/** A halt this agent saw that the session's record does not show yet (the record still says it runs). */
export const DetectedHaltView = Type.Object({ at: IsoTime, reason: Type.String(), recorded: Type.Literal(false) });

/** A session as the API answers it: its record, and `detectedHalt` (null unless this agent saw it halted before the record says so). */
export const SessionRecord = Type.Object({
  id: Type.String(),
  /** Patroni scope of the cluster. */
  scope: Type.String(),
  state: SessionState,
  options: SessionOptions,
  /** The member whose agent executes the session (the leader when it started). */
  executor: Type.String(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  endedAt: Nullable(IsoTime),
  result: Nullable(SessionResult),
  /** Why the session failed, stopped, was aborted or halted. */
  reason: Nullable(Type.String()),
  detectedHalt: Nullable(DetectedHaltView),
});

export const BaselineRecord = Type.Object({
  sessionId: Type.String(),
  /** `postgresql.parameters` of the DCS configuration when the session started. */
  dcsParameters: Type.Record(Type.String(), ParameterValue),
  /** Effective value (pg_settings units) of every tunable knob on the leader. */
  effective: Type.Record(Type.String(), ParameterValue),
  recordedAt: IsoTime,
});

export const AutoconfRemovalRecord = Type.Object({
  sessionId: Type.String(),
  member: Type.String(),
  name: Type.String(),
  /** The value postgresql.auto.conf had before ALTER SYSTEM RESET. */
  setting: Type.String(),
  removedAt: IsoTime,
});

export const IterationState = StringEnum(['proposed', 'rejected', 'applying', 'measuring', 'measured', 'failed', 'reverted']);

export const MemberVerification = Type.Object({
  member: Type.String(),
  verified: Type.Boolean(),
  mismatches: Type.Array(Type.Object({ name: Type.String(), expected: ParameterValue, actual: Nullable(Type.String()) })),
  pendingRestart: Type.Array(Type.String()),
  error: Nullable(Type.String()),
});

export const StatementComparison = Type.Object({
  /** The workload's time relative to the baseline window: 0.8 = 20 % faster on the same statements. */
  ratio: Type.Number(),
  /** 95 % interval of the ratio. */
  low: Type.Number(),
  high: Type.Number(),
  /** Statements compared. */
  statements: Type.Integer(),
  /** Share of this window's execution time those statements account for. */
  coveredShare: Type.Number(),
  /** The baseline window's mean statement time, ms. */
  referenceMeanMs: Type.Number(),
});

export const Measurement = Type.Object({
  windowSeconds: Type.Number(),
  /** Mean statement runtime from pg_stat_statements deltas, agent excluded; null without pg_stat_statements. */
  meanQueryTimeMs: Nullable(Type.Number()),
  calls: Nullable(Type.Number()),
  transactionsPerSecond: Type.Number(),
  /**
   * This window against the baseline window, statement by statement; null for the baseline window,
   * without pg_stat_statements, or when too little could be compared.
   */
  comparison: Nullable(StatementComparison),
});

export const GuardrailVerdict = Type.Object({ guardrail: StringEnum(['memory', 'regression', 'error', 'approval']), ok: Type.Boolean(), detail: Type.String() });

export const IterationRecord = Type.Object({
  sessionId: Type.String(),
  /** 0 is the baseline measurement, then 1…n. */
  number: Type.Integer(),
  state: IterationState,
  reason: StringEnum(['first', 'initial', 'model', 'remeasure', 'baseline', 'final']),
  /** The candidate in pg_settings units. */
  candidate: Type.Record(Type.String(), ParameterValue),
  /** What was sent to Patroni (the changed parameters), as strings. */
  parameters: Type.Record(Type.String(), Type.String()),
  verification: Type.Array(MemberVerification),
  measurement: Nullable(Measurement),
  score: Nullable(Type.Number()),
  verdicts: Type.Array(GuardrailVerdict),
  startedAt: IsoTime,
  endedAt: Nullable(IsoTime),
  error: Nullable(Type.String()),
});

export const PatchRecord = Type.Object({
  id: Type.Integer(),
  sessionId: Nullable(Type.String()),
  iteration: Nullable(Type.Integer()),
  /** The exact PATCH /config body. */
  body: Type.Unknown(),
  sentAt: IsoTime,
  /** null until Patroni answered. */
  outcome: Nullable(StringEnum(['ok', 'error'])),
  error: Nullable(Type.String()),
});

export const EventRecord = Type.Object({
  id: Type.Integer(),
  sessionId: Nullable(Type.String()),
  at: IsoTime,
  type: Type.String(),
  member: Nullable(Type.String()),
  /** Depends on `type`; times in it are ISO strings too. */
  detail: JsonObject,
});

export const CommandKind = StringEnum(['start', 'stop', 'acknowledge', 'approve', 'reject']);
export const CommandStatus = StringEnum(['pending', 'done', 'rejected']);

/** A request an agent beside a replica recorded for the leader's agent. */
export const CommandRecord = Type.Object({
  id: Type.String(),
  kind: CommandKind,
  /** Patroni scope of the cluster whose leader's agent executes it. */
  scope: Type.String(),
  sessionId: Nullable(Type.String()),
  payload: JsonObject,
  /** The member whose agent received the API call. */
  receivedBy: Type.String(),
  createdAt: IsoTime,
  /** After this moment it is never executed: it is `rejected` with `command_expired`. */
  expiresAt: IsoTime,
  status: CommandStatus,
  /** What the executor answered: `{ sessionId }` or `{ error: { code, message } }`. */
  result: Nullable(JsonObject),
  handledBy: Nullable(Type.String()),
  handledAt: Nullable(IsoTime),
});

export const SessionDetail = Type.Object({
  session: SessionRecord,
  baseline: Nullable(BaselineRecord),
  autoconfRemovals: Type.Array(AutoconfRemovalRecord),
  iterations: Type.Array(IterationRecord),
  patches: Type.Array(PatchRecord),
  events: Type.Array(EventRecord),
  /** The failover protocol's state, when the session was halted. */
  failover: Nullable(FailoverState),
  /** Approval mode: every change the session proposed and what became of it, oldest first. */
  pendingChanges: Type.Array(PendingChangeRecord),
});

// Requests.

/** The id in `/sessions/:id` and `/commands/:id`. */
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const MIN_APPROVAL_TIMEOUT_MS = 1_000;
/** A week: a change older than that describes a workload that is gone. */
export const MAX_APPROVAL_TIMEOUT_MS = 7 * 24 * 3_600_000;

export const StartSessionBody = Type.Object(
  {
    iterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 30' })),
    iterationSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: 'default 120' })),
    warmupSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: 'default 30' })),
    objective: Type.Optional(Objective),
    knobs: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true, maxItems: 100 })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
    /** `each`: every configuration waits for a person's approval (DESIGN.md §4 rule 13). */
    approval: Type.Optional(ApprovalMode),
    /** How long a pending change waits for a decision: milliseconds, or a duration such as `30m` or `1h`. Default 1h. */
    approvalTimeout: Type.Optional(
      Type.Union([
        Type.Integer({ minimum: MIN_APPROVAL_TIMEOUT_MS, maximum: MAX_APPROVAL_TIMEOUT_MS }),
        Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)$' }),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const AcknowledgeBody = Type.Object(
  {
    /** Who acknowledges (a person's name or login); recorded with the acknowledgement. Default `api`. */
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
    /** Needed when the failover protocol gave up restoring the baseline. */
    force: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

// Answers.

export const SessionList = Type.Object({ sessions: Type.Array(SessionRecord) });

/** 202 from an agent that is not the leader's: the request was recorded for the leader's agent. */
export const Forwarded = Type.Object({ command: CommandRecord, leader: Type.String() });

export const SessionStarted = Type.Object({ session: SessionRecord });

export const SessionStopping = Type.Object({ session: SessionRecord, stopping: Type.Literal(true) });

export const SessionAcknowledged = Type.Object({ session: SessionRecord, failover: FailoverState });

export const CommandView = Type.Object({ command: CommandRecord });

export type SessionState = Static<typeof SessionState>;
export type Objective = Static<typeof Objective>;
export type ApprovalMode = Static<typeof ApprovalMode>;
export type SessionOptions = Static<typeof SessionOptions>;
export type SessionResult = Static<typeof SessionResult>;
export type DetectedHaltView = Static<typeof DetectedHaltView>;
export type SessionRecord = Static<typeof SessionRecord>;
export type BaselineRecord = Static<typeof BaselineRecord>;
export type AutoconfRemovalRecord = Static<typeof AutoconfRemovalRecord>;
export type IterationState = Static<typeof IterationState>;
export type MemberVerification = Static<typeof MemberVerification>;
export type StatementComparison = Static<typeof StatementComparison>;
export type Measurement = Static<typeof Measurement>;
export type GuardrailVerdict = Static<typeof GuardrailVerdict>;
export type IterationRecord = Static<typeof IterationRecord>;
export type PatchRecord = Static<typeof PatchRecord>;
export type EventRecord = Static<typeof EventRecord>;
export type CommandKind = Static<typeof CommandKind>;
export type CommandStatus = Static<typeof CommandStatus>;
export type CommandRecord = Static<typeof CommandRecord>;
export type SessionDetail = Static<typeof SessionDetail>;
export type IdParams = Static<typeof IdParams>;
export type StartSessionBody = Static<typeof StartSessionBody>;
export type AcknowledgeBody = Static<typeof AcknowledgeBody>;
export type SessionList = Static<typeof SessionList>;
export type Forwarded = Static<typeof Forwarded>;
export type SessionStarted = Static<typeof SessionStarted>;
export type SessionStopping = Static<typeof SessionStopping>;
export type SessionAcknowledged = Static<typeof SessionAcknowledged>;
export type CommandView = Static<typeof CommandView>;
