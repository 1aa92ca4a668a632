/**
 * What the state store keeps (DESIGN.md §2 "State store", §4 rule 9): sessions, their baselines,
 * the postgresql.auto.conf overrides removed, iterations, every PATCH sent to Patroni, events and
 * commands. Every record is written before the action it describes is taken.
 */
import type { StatementComparison } from '../tuning/statement-comparison.js';
import type { Configuration, SuggestionReason } from '../tuning/space.js';

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
}

export interface SessionResult {
  /** Which configuration the session ended on. */
  final: 'best' | 'baseline';
  bestIteration: number | null;
  baselineScore: number | null;
  bestScore: number | null;
  /** baselineScore / bestScore for a lower-is-better objective: 2 = twice as fast. */
  improvementRatio: number | null;
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
  guardrail: 'memory' | 'regression' | 'error';
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

export type CommandKind = 'start' | 'stop' | 'acknowledge';
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
