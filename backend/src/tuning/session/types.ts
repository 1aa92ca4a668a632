/**
 * The session room's data, as the API and the metrics read it: requests, progress, outcomes, and
 * the interface the routes depend on (SessionService implements it).
 */
import type {
  AutoconfRemovalRecord,
  BaselineRecord,
  CommandRecord,
  EventRecord,
  IterationRecord,
  ParameterValue,
  PatchRecord,
  PendingChangeRecord,
  SessionOptions,
  SessionRecord,
  SessionState,
} from '../../model/records.js';
import type { FailoverState } from '../../model/failover-state.js';

/** The options a start may set; the rest default (DEFAULT_SESSION_OPTIONS), the seed is random when absent. */
export type StartRequest = Partial<Omit<SessionOptions, 'seed'>> & { seed?: number };

/** What the session has done so far, for metrics: one object, replaced as the session moves. */
export interface SessionProgress {
  sessionId: string;
  state: SessionState;
  /** The iteration under way or last finished; 0 while the baseline is measured. */
  iteration: number;
  iterations: number;
  baselineScore: number | null;
  bestScore: number | null;
  lastScore: number | null;
  /** Finished iterations by outcome (the baseline not counted). */
  outcomes: Record<'measured' | 'rejected' | 'reverted' | 'failed', number>;
}

/** A person's decision on the pending change, as the API takes it. */
export type ApprovalDecision =
  | { approve: true; by: string; changes?: Readonly<Record<string, ParameterValue>> }
  | { approve: false; by: string; reason?: string };

/** What the API adds to an active session this agent saw halted: `recorded` is false until the record says halted. */
export interface DetectedHalt {
  /** When this agent saw the change (epoch ms). */
  at: number;
  reason: string;
  recorded: false;
}

/** Recorded as a command for the leader's agent. */
export type Forwarded = { executed: false; command: CommandRecord; leader: string };

/** Executed here (the leader's agent), or recorded as a command for the leader's agent. */
export type RequestOutcome = { executed: true; session: SessionRecord } | Forwarded;

export type DecisionOutcome = { executed: true; pendingChange: PendingChangeRecord } | Forwarded;

export type AcknowledgeOutcome = { executed: true; session: SessionRecord; failover: FailoverState } | Forwarded;

export interface SessionDetail {
  session: SessionRecord;
  baseline: BaselineRecord | null;
  autoconfRemovals: AutoconfRemovalRecord[];
  iterations: IterationRecord[];
  patches: PatchRecord[];
  events: EventRecord[];
  /** The failover protocol's state, when the session was halted. */
  failover: FailoverState | null;
  /** Approval mode: every change the session proposed and what became of it, oldest first. */
  pendingChanges: PendingChangeRecord[];
}

/** What the session API asks of the tuning side; the routes depend on this, SessionService implements it. */
export interface SessionApi {
  list(): Promise<SessionRecord[]>;
  get(sessionId: string): Promise<SessionDetail>;
  start(request: StartRequest): Promise<RequestOutcome>;
  stop(sessionId: string): Promise<RequestOutcome>;
  acknowledge(sessionId: string, by: string, options?: { force?: boolean }): Promise<AcknowledgeOutcome>;
  command(commandId: string): Promise<CommandRecord>;
  /** Approval mode: the change awaiting a decision, and a person's decision on it. */
  pendingChange(sessionId: string): Promise<PendingChangeRecord>;
  decide(sessionId: string, decision: ApprovalDecision): Promise<DecisionOutcome>;
}
