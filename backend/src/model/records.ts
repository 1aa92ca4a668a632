/**
 * What the state store keeps (DESIGN.md §2 "State store", §4 rule 9): sessions, their baselines,
 * the postgresql.auto.conf overrides removed, iterations, every PATCH sent to Patroni, events and
 * commands. Every record is written before the action it describes is taken.
 */
import type { Configuration, SuggestionReason } from './configuration-space.js';

/** A window compared statement by statement with the session's reference window (tuning/statement-comparison.ts). */
export interface StatementComparison {
  /** The workload's time relative to the reference window: 0.8 = 20 % faster on the same statements. */
  ratio: number;
  /** 95 % interval of the ratio from the spread of the per-statement ratios. */
  low: number;
  high: number;
  /** Statements compared (seen often enough in both windows). */
  statements: number;
  /** Share of this window's execution time those statements account for. */
  coveredShare: number;
  /** The reference window's mean statement time, ms: ratio × this is the window's comparable mean. */
  referenceMeanMs: number;
}

export type SessionState =
  /** Recorded, not yet started by the executor. */
  | 'pending'
  /** Recording the baseline and removing auto.conf overrides. */
  | 'preparing'
  | 'running'
  /** Applying and verifying the final configuration (best or baseline). */
  | 'finishing'
  | 'completed'
  | 'stopped'
  | 'failed'
  /** The executing agent restarted mid-session; the baseline was restored. */
  | 'aborted'
  /** Stopped by a topology change; the failover protocol runs, then it awaits a person's acknowledgement. */
  | 'halted'
  /** Halted, baseline restored, and acknowledged by a person. */
  | 'acknowledged';

export const TERMINAL_SESSION_STATES: ReadonlySet<SessionState> = new Set(['completed', 'stopped', 'failed', 'aborted', 'acknowledged']);

export interface SessionOptions {
  iterations: number;
  iterationSeconds: number;
  warmupSeconds: number;
  objective: 'mean_query_time' | 'throughput';
  /** Knob names to tune; all tunable knobs when empty. */
  knobs: string[];
  seed: number;
  /**
   * `each`: every configuration the session would apply waits as a pending change until a person
   * approves it (DESIGN.md §4 rule 13). Absent in sessions recorded before approval mode: `none`.
   */
  approval?: ApprovalMode;
  /** How long a pending change may wait for a decision before it is dropped (approval `each`). */
  approvalTimeoutMs?: number;
}

export type ApprovalMode = 'none' | 'each';

export interface SessionResult {
  /**
   * Which configuration the session ended on; `current` when, in approval mode, no one approved a
   * move to the best or the baseline and the cluster kept the (verified) configuration in force.
   */
  final: 'best' | 'baseline' | 'current';
  bestIteration: number | null;
  baselineScore: number | null;
  bestScore: number | null;
  /** baselineScore / bestScore for a lower-is-better objective: 2 = twice as fast. */
  improvementRatio: number | null;
  /** The search stopped before its planned iterations: the model expected nothing better (`search_converged` event). Absent before it existed. */
  converged?: boolean;
}

export interface SessionRecord {
  id: string;
  /** Patroni scope of the cluster. */
  scope: string;
  state: SessionState;
  options: SessionOptions;
  /** The member whose agent executes the session (the leader when it started). */
  executor: string;
  createdAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
  result: SessionResult | null;
  /** Why the session failed, stopped, was aborted or halted (kept after acknowledgement). */
  reason: string | null;
}

export type ParameterValue = string | number | boolean;

export interface BaselineRecord {
  sessionId: string;
  /** `postgresql.parameters` of the DCS configuration when the session started. */
  dcsParameters: Record<string, ParameterValue>;
  /** Effective pg_settings value (in pg_settings units) of every tunable knob on the leader. */
  effective: Record<string, ParameterValue>;
  recordedAt: Date;
}

export interface AutoconfRemovalRecord {
  sessionId: string;
  member: string;
  name: string;
  /** The value postgresql.auto.conf had before ALTER SYSTEM RESET. */
  setting: string;
  removedAt: Date;
}

export type IterationState =
  | 'proposed'
  /** The guardrails refused it before anything was applied. */
  | 'rejected'
  | 'applying'
  | 'measuring'
  | 'measured'
  /** Apply, verification or measurement failed; the best known configuration was restored. */
  | 'failed'
  /** Measured worse than the regression threshold; the best known configuration was restored. */
  | 'reverted';

export interface MemberVerification {
  member: string;
  /** True when every parameter matched on this member. */
  verified: boolean;
  /** Parameters that did not match, with what the member reported. */
  mismatches: Array<{ name: string; expected: ParameterValue; actual: string | null }>;
  pendingRestart: string[];
  error: string | null;
}

export interface Measurement {
  windowSeconds: number;
  /** Mean statement runtime from pg_stat_statements deltas, agent excluded; null without pg_stat_statements. */
  meanQueryTimeMs: number | null;
  calls: number | null;
  transactionsPerSecond: number;
  /**
   * This window against the baseline window, statement by statement (ratio with its 95 % interval);
   * null for the baseline window itself, without pg_stat_statements, or when too little could be compared.
   */
  comparison: StatementComparison | null;
}

export interface GuardrailVerdict {
  /** `approval`: a person rejected the candidate (approval mode). */
  guardrail: 'memory' | 'regression' | 'error' | 'approval';
  ok: boolean;
  detail: string;
}

export interface IterationRecord {
  sessionId: string;
  /** 0 is the baseline measurement, then 1…n. */
  number: number;
  state: IterationState;
  reason: SuggestionReason | 'baseline' | 'final';
  /** The candidate in pg_settings units, as the optimizer proposed it (after repair). */
  candidate: Configuration;
  /** What was sent to Patroni (only the changed parameters), as strings. */
  parameters: Record<string, string>;
  verification: MemberVerification[];
  measurement: Measurement | null;
  score: number | null;
  verdicts: GuardrailVerdict[];
  startedAt: Date;
  endedAt: Date | null;
  error: string | null;
}

export interface PatchRecord {
  id: number;
  sessionId: string | null;
  iteration: number | null;
  /** The exact PATCH /config body. */
  body: unknown;
  sentAt: Date;
  /** null until Patroni answered; then ok or the error. */
  outcome: 'ok' | 'error' | null;
  error: string | null;
}

export interface EventRecord {
  id: number;
  sessionId: string | null;
  at: Date;
  type: string;
  member: string | null;
  detail: Record<string, unknown>;
}

export type CommandKind = 'start' | 'stop' | 'acknowledge' | 'approve' | 'reject';
export type CommandStatus = 'pending' | 'done' | 'rejected';

export interface CommandRecord {
  id: string;
  kind: CommandKind;
  /** Patroni scope of the cluster whose leader's agent executes it (several clusters may share an external store). */
  scope: string;
  sessionId: string | null;
  payload: Record<string, unknown>;
  /** The member whose agent received the API call. */
  receivedBy: string;
  createdAt: Date;
  /** After this moment it is never executed: the leader's agent rejects it as `command_expired`. */
  expiresAt: Date;
  status: CommandStatus;
  /** What the executor answered: e.g. `{ sessionId }` or `{ error: { code, message } }`. */
  result: Record<string, unknown> | null;
  handledBy: string | null;
  handledAt: Date | null;
}

/** Why the session proposes a pending change: the optimizer's reason for a candidate, or the session's step. */
export type PendingChangeReason =
  /** PGTune's first guess. */
  | 'first'
  /** Exploration: the space-filling design. */
  | 'initial'
  | 'model'
  | 'remeasure'
  /** Back to the best known configuration after a failed or regressed candidate. */
  | 'restore_best'
  /** The session ends on its best configuration. */
  | 'final_best'
  | 'revert_to_baseline'
  /** After a completed session whose final change was not decided in time: the configuration in force stays. */
  | 'keep_current';

/**
 * What a pending change is now: `pending` awaits a person; `approved` and `rejected` are a person's
 * decisions; `expired` was not decided within the session's approvalTimeout; `dropped` was cut off
 * by a halt, a stop or the session's end. Only an approved change is ever applied.
 */
export type PendingChangeStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'dropped';

/** The memory guardrail's verdict on a pending configuration, with the numbers behind it. */
export interface MemoryVerdict {
  ok: boolean;
  detail: string;
  /** The worst-case memory of the configuration. */
  boundBytes: number;
  /** The share of the smallest member's memory it may reach. */
  limitBytes: number;
  hostMemoryBytes: number;
  boundBy: string | null;
}

/** A value of the pending configuration next to the one it is compared with. */
export interface ValueChange {
  from: ParameterValue | null;
  to: ParameterValue;
}

/** Where the runner was when it proposed the change: enough to resume after an agent restart. */
export interface PendingChangeContext {
  /** The configuration in force (verified) when the change was proposed. */
  current: Record<string, ParameterValue>;
  best: { configuration: Record<string, ParameterValue>; score: number; iteration: number };
  baselineScore: number;
  /** The timeline the session holds the cluster to. */
  timeline: number | null;
  /** Whether the session had ended its iterations (the final change or its fallback). */
  ending: boolean;
  /** Whether a PATCH was sent by this session before the change was proposed. */
  sent: boolean;
  /** Whether the last change sent was verified on every member (the cluster is on `current`). */
  verified: boolean;
  /** Whether a PATCH went out since the cluster was last verified on its best or baseline configuration. */
  unconfirmed: boolean;
  /** The objective the session measures (the requested one, or its fallback). */
  objective: SessionOptions['objective'];
  /** The baseline window's statements every later window is compared with; null without pg_stat_statements. */
  referenceStatements: Record<string, { calls: number; execMs: number }> | null;
}

export interface PendingChangeRecord {
  id: number;
  sessionId: string;
  /** The iteration a candidate would be measured as; null for a restore, the final change and fallbacks. */
  iteration: number | null;
  reason: PendingChangeReason;
  /** The expired change this one was proposed instead of (the timeout's fallback); null otherwise. */
  replaces: number | null;
  /** The whole configuration the cluster would be on, in pg_settings units. */
  configuration: Record<string, ParameterValue>;
  /** What would be sent in PATCH /config (`postgresql.parameters`), null removing a parameter. */
  parameters: Record<string, string | null>;
  /** Knobs whose value differs from the baseline's, and from the best configuration so far. */
  vsBaseline: Record<string, ValueChange>;
  vsBest: Record<string, ValueChange>;
  memory: MemoryVerdict | null;
  /** The model's predicted score (the objective, lower is better) with its standard deviation, when the model proposed it. */
  prediction: { score: number; sd: number } | null;
  context: PendingChangeContext;
  createdAt: Date;
  /** Dropped (never applied) when not decided by then. */
  expiresAt: Date;
  status: PendingChangeStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** The reviewer's adjustments (pg_settings units), applied over `configuration`. */
  changes: Record<string, ParameterValue> | null;
  /** Why it was rejected, expired or dropped. */
  decisionReason: string | null;
}
