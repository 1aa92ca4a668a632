/**
 * What a tuning session needs from the outside world. The runner takes these as arguments, so every
 * transition is tested with a fake clock and fakes in milliseconds, and for real on the lab.
 */
import type { PatroniConfig, PatroniConfigPatch } from '../../patroni/responses.js';
import type { AutoConfOverride } from '../../postgres/autoconf.js';
import type { PgSetting } from '../../postgres/settings.js';
import type { ParameterValue } from '../../model/records.js';
import type { Store } from '../../store/store.js';
import type { StatementsStatus } from '../../postgres/statements-status.js';
import type { SearchPrior } from '../knobs/priors.js';
import type { WorkloadSnapshot } from '../objective.js';
import type { Configuration, Dimension, Suggestion, Trial } from '../../model/configuration-space.js';

export interface Clock {
  /** Wall-clock epoch ms: timestamps that people read. May step (NTP, an operator). */
  now(): number;
  /** Monotonic ms from an arbitrary origin, never stepping: every duration and deadline in one process. */
  monotonic(): number;
  /** Resolves after `ms`, or rejects with an AbortError as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** A refusal's reason is a whole sentence: "Patroni reports role replica", "the cluster is paused (maintenance mode)". */
export type RoleCheck = { leader: true; timeline: number | null } | { leader: false; reason: string };

/**
 * What a session holds the cluster to while it runs (DESIGN.md §4 rule 10): the start preconditions
 * (a leader, not paused, every member healthy) and the timeline it started on (null: pin nothing yet).
 */
export interface HeldConditions {
  timeline: number | null;
}

/** This node, which must be the leader while the session runs. */
export interface LeaderPort {
  /**
   * Asked fresh right before every change: Patroni's role, pg_is_in_recovery() and no pause (safety
   * rule 1). With `held`, also the start preconditions and the leader's timeline; a baseline restore
   * passes null (it runs after a failover, on a new timeline, and tolerates members that are down).
   */
  checkLeader(held: HeldConditions | null): Promise<RoleCheck>;
  readSettings(): Promise<PgSetting[]>;
  /**
   * pg_settings as read by a backend that loaded the configuration files after `mark` (a server
   * time from `resetAutoconf`), or null while the backend answering has not reloaded yet.
   */
  readSettingsLoadedAfter(mark: Date): Promise<PgSetting[] | null>;
  readAutoconfOverrides(): Promise<AutoConfOverride[]>;
  /**
   * `ALTER SYSTEM RESET` of each name, then `pg_reload_conf()`, checking `signal` before each: once
   * it is aborted nothing more is changed and its reason is thrown. Returns the server's time after
   * the last reset and before the reload, for `readSettingsLoadedAfter`.
   */
  resetAutoconf(names: readonly string[], signal: AbortSignal): Promise<Date>;
  workloadSnapshot(): Promise<WorkloadSnapshot>;
  /**
   * Whether pg_stat_statements can measure the workload, creating the extension when the agent may;
   * once `signal` is aborted nothing is created and its reason is thrown.
   */
  statementsStatus(signal: AbortSignal): Promise<StatementsStatus>;
  /** Whose transactions the fallback objective counts, in words. */
  readonly transactionsCounted: string;
}

/** Patroni's dynamic configuration: the only way configuration is changed (safety rule 2). */
export interface ConfigPort {
  getConfig(): Promise<PatroniConfig>;
  patchConfig(patch: PatroniConfigPatch): Promise<PatroniConfig>;
}

export type MemberSettings =
  | { member: string; ok: true; settings: PgSetting[] }
  | { member: string; ok: false; error: string };

/** A member's host memory as its PostgreSQL sees it (the lower of RAM and its cgroup limit), or why it is unknown. */
export type MemberMemory = { member: string; ok: true; bytes: number } | { member: string; ok: false; error: string };

export interface MembersPort {
  /** pg_settings rows named `names` on every member of the cluster, the leader included. */
  readMemberSettings(names: readonly string[]): Promise<MemberSettings[]>;
}

export type Validation =
  | { ok: true; parameters: Record<string, string> }
  | { ok: false; errors: Array<{ name: string; message: string }> };

/** The knob catalogue as a session uses it, built once from the leader's pg_settings. */
export interface SessionCatalogue {
  /** The knobs this session tunes. */
  names: readonly string[];
  space: readonly Dimension[];
  /** Hardware-aware starting points, tried first: PGTune's, then PGTune's moved by the workload's signals. */
  firstCandidates: readonly Configuration[];
  /** What the workload's signals moved in the second first candidate, and why; empty when nothing stood out. */
  priors: readonly SearchPrior[];
  /** The effective value of every tuned knob, in pg_settings units. */
  currentValues(settings: readonly PgSetting[]): Configuration;
  /** Cross-knob rules applied to a suggestion (random_page_cost ≥ seq_page_cost …). */
  repair(config: Configuration): Configuration;
  /**
   * Safety rule 6: type, range and unit checks, and the strings to send to Patroni. A `restore`
   * (the baseline, or the best known configuration) may lie outside the search range but never
   * outside what pg_settings accepts.
   */
  validate(changes: Configuration, options?: { restore?: boolean }): Validation;
  /** Whether a member's pg_settings row shows `expected` (in pg_settings units). */
  matches(expected: ParameterValue, setting: PgSetting): boolean;
}

export interface OptimizerContext {
  seed: number;
  /** The iterations the session plans. */
  budget: number;
  firstCandidates: readonly Configuration[];
  /** The session's cross-knob repair, so the optimizer proposes exactly what will be measured. */
  repair: (config: Configuration) => Configuration;
}

/** Pure and seeded: the same history, space and context give the same suggestion. */
export type Optimizer = (history: readonly Trial[], space: readonly Dimension[], context: OptimizerContext) => Suggestion;

export interface SessionPorts {
  clock: Clock;
  store: Store;
  leader: LeaderPort;
  config: ConfigPort;
  cluster: MembersPort;
  optimizer: Optimizer;
  /** Builds the catalogue from the leader's settings, limited to the session's knobs. */
  catalogue(settings: readonly PgSetting[], knobs: readonly string[]): SessionCatalogue;
  /** This agent's host memory (the lower of RAM and the cgroup limit): the fallback for a member whose memory is unknown. */
  hostMemoryBytes: number;
  /** Every member's host memory, for the memory guardrail: configuration is cluster-wide. */
  memberMemory(): Promise<MemberMemory[]>;
  /** The member this agent runs beside. */
  member: string;
}
