/**
 * Fakes for the session runner's ports (ports.ts), all in memory and instant:
 *
 * - FakeClock: `sleep` advances `now` and the monotonic reading at once (`stepWall` moves the wall
 *   clock alone, as NTP or an operator would) and rejects with the signal's reason when the signal
 *   is, or becomes, aborted (or with an AbortError carrying it, as node:timers/promises does).
 * - FakeCluster: Patroni (the DCS `postgresql.parameters`, PATCH /config merging with null removing)
 *   and three members whose pg_settings are the recorded PostgreSQL 15 rows with the DCS parameters
 *   (and, on the leader, postgresql.auto.conf overrides) applied. Patroni's value strings ("16MB",
 *   "8192kB", "200ms", "1.1", "on") are parsed into each setting's pg_settings unit by
 *   `parseParameterValue`. Members can lag (never converge), be unreachable or report
 *   pending_restart; the leader check can be flipped; the workload counters advance by a synthetic
 *   model of the leader's effective settings.
 * - scriptedOptimizer: returns scripted changes over the baseline, in order, and records its calls.
 * - sessionHarness: a MemoryStore session with a SessionRunner wired to all of the above.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PatroniConfig, PatroniConfigPatch } from '../../../../src/patroni/responses.js';
import type { AutoConfOverride } from '../../../../src/postgres/autoconf.js';
import { parseSettingRow, type PgSetting, type PgSettingRow } from '../../../../src/postgres/settings.js';
import { unitScale } from '../../../../src/postgres/units.js';
import { MemoryStore } from '../../../../src/store/memory-store.js';
import type { SessionOptions, SessionRecord } from '../../../../src/model/records.js';
import { DEFAULT_GUARDRAILS } from '../../../../src/tuning/guardrails.js';
import type { HostFacts } from '../../../../src/tuning/knobs/host-facts.js';
import type { WorkloadSignals } from '../../../../src/tuning/knobs/priors.js';
import type { StatementsStatus } from '../../../../src/postgres/statements-status.js';
import type { WorkloadSnapshot } from '../../../../src/tuning/objective.js';
import { sessionCatalogue } from '../../../../src/tuning/session/catalogue-adapter.js';
import type {
  Clock,
  MembersPort,
  ConfigPort,
  HeldConditions,
  LeaderPort,
  MemberMemory,
  MemberSettings,
  Optimizer,
  OptimizerContext,
  RoleCheck,
  SessionPorts,
} from '../../../../src/tuning/apply/ports.js';
import { SessionRunner, type RunnerSettings } from '../../../../src/tuning/session/runner.js';
import type { Configuration, ConfigurationValue, Dimension, SuggestionReason, Trial } from '../../../../src/model/configuration-space.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PG_SETTINGS_15 = join(HERE, '../../../fixtures/pg-settings/15.json');
const PATRONI_CONFIG = join(HERE, '../../../fixtures/patroni/4.1.5/recorded/config.json');

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** The recorded pg_settings rows of PostgreSQL 15. */
export function fixtureRows(): PgSettingRow[] {
  return (JSON.parse(readFileSync(PG_SETTINGS_15, 'utf8')) as { rows: PgSettingRow[] }).rows;
}

export function fixtureSettings(): PgSetting[] {
  return fixtureRows().map(parseSettingRow);
}

/** GET /config as recorded from the lab (Patroni 4.1.5). */
export function recordedPatroniConfig(): PatroniConfig {
  return JSON.parse(readFileSync(PATRONI_CONFIG, 'utf8')) as PatroniConfig;
}

// ---------------------------------------------------------------------------------------------
// Clock

export class FakeClock implements Clock {
  #now: number;
  /** The monotonic reading: moves with `advance` and `sleep`, not with `stepWall`. */
  #mono = 0;
  /** Every sleep asked for, in ms, in order (also those that were cut short). */
  readonly sleeps: number[] = [];
  /** Reject like node:timers/promises (an AbortError whose cause is the reason) instead of with the reason. */
  abortStyle: 'reason' | 'abort-error' = 'reason';
  /** Runs after `now` advanced, before the sleep resolves: may abort the signal ("during" the sleep). */
  onSleep: ((ms: number) => void | Promise<void>) | null = null;

  constructor(start = T0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#mono;
  }

  /** Time passes: both clocks move. */
  advance(ms: number): void {
    this.#now += ms;
    this.#mono += ms;
  }

  /** The wall clock is stepped (NTP, an operator) by `ms`, forward or back; no time passes. */
  stepWall(ms: number): void {
    this.#now += ms;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    this.#throwIfAborted(signal);
    this.advance(ms);
    await this.onSleep?.(ms);
    // A turn of the event loop, so an abort from elsewhere lands inside the sleep.
    await Promise.resolve();
    this.#throwIfAborted(signal);
  }

  #throwIfAborted(signal: AbortSignal): void {
    if (!signal.aborted) return;
    if (this.abortStyle === 'reason') throw signal.reason;
    throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR', cause: signal.reason });
  }
}

// ---------------------------------------------------------------------------------------------
// Patroni value strings → pg_settings units

export type ParsedValue = { ok: true; setting: string } | { ok: false; error: string };

const NUMBER_WITH_UNIT = /^(-?\d+(?:\.\d+)?)\s*([a-zA-Z]+)?$/;
const TRUE_WORDS = new Set(['on', 'true', 'yes', '1']);
const FALSE_WORDS = new Set(['off', 'false', 'no', '0']);

/**
 * A `postgresql.parameters` value as PostgreSQL would read it for `row`: the pg_settings `setting`
 * text it results in (a number in the setting's own unit, on/off, the enum value), or why PostgreSQL
 * would refuse it. "16MB" for work_mem (kB) → "16384", "200ms" for bgwriter_delay → "200",
 * "10min" for checkpoint_timeout (s) → "600", "1GB" for effective_cache_size (8kB) → "131072".
 */
export function parseParameterValue(value: string | number | boolean, row: PgSettingRow): ParsedValue {
  const text = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value).trim();
  switch (row.vartype) {
    case 'bool': {
      const lower = text.toLowerCase();
      if (TRUE_WORDS.has(lower)) return { ok: true, setting: 'on' };
      if (FALSE_WORDS.has(lower)) return { ok: true, setting: 'off' };
      return { ok: false, error: `${row.name}: ${JSON.stringify(text)} is not a boolean` };
    }
    case 'enum': {
      const match = (row.enumvals ?? []).find((v) => v.toLowerCase() === text.toLowerCase());
      return match === undefined ? { ok: false, error: `${row.name}: ${JSON.stringify(text)} is not one of ${(row.enumvals ?? []).join(', ')}` } : { ok: true, setting: match };
    }
    case 'string':
      return { ok: true, setting: text };
    case 'integer':
    case 'real': {
      const match = NUMBER_WITH_UNIT.exec(text);
      if (match === null) return { ok: false, error: `${row.name}: ${JSON.stringify(text)} is not a number` };
      let amount = Number(match[1]);
      const given = match[2];
      if (given !== undefined) {
        const from = unitScale(given);
        const to = unitScale(row.unit);
        if (from === null || to === null || from.baseUnit !== to.baseUnit) {
          return { ok: false, error: `${row.name}: unit ${given} does not fit ${row.unit ?? 'a unitless setting'}` };
        }
        amount = (amount * from.factor) / to.factor;
      }
      if (row.vartype === 'integer') {
        const rounded = Math.round(amount);
        // PostgreSQL rounds values given in another unit, but refuses a fraction in the setting's own unit.
        if (given === undefined && rounded !== amount) return { ok: false, error: `${row.name}: ${text} is not an integer` };
        amount = rounded;
      }
      const min = Number(row.min_val);
      const max = Number(row.max_val);
      if (amount < min || amount > max) return { ok: false, error: `${row.name}: ${amount} is outside ${row.min_val}..${row.max_val}` };
      return { ok: true, setting: String(amount) };
    }
    default:
      return { ok: false, error: `${row.name}: unknown vartype ${row.vartype}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Workload model

/** The value of a numeric setting, in pg_settings units. */
function numeric(settings: ReadonlyMap<string, PgSetting>, name: string): number {
  const setting = settings.get(name);
  if (setting === undefined || typeof setting.setting !== 'number') throw new Error(`workload model: no numeric ${name}`);
  return setting.setting;
}

/**
 * Mean statement time in ms for the leader's effective settings: 10 ms × a work_mem factor
 * (4MB 1.0, 8MB 0.8, 16MB and more 0.6; below 4MB slower) × a random_page_cost factor
 * (1 + 0.1 per unit above 1.5: 4 → 1.25, 1.1 → 1) × 3 when commit_delay is at an extreme (≥ 5000).
 * The recorded server (work_mem 4MB, random_page_cost 4) runs at 12.5 ms.
 */
export function syntheticMeanQueryMs(settings: ReadonlyMap<string, PgSetting>): number {
  const workMem = numeric(settings, 'work_mem');
  const steps = Math.log2(workMem / 4096);
  const workMemFactor = steps >= 0 ? 1 - 0.4 * Math.min(1, steps / 2) : 1 + 0.2 * -steps;
  const randomPageCostFactor = 1 + 0.1 * Math.max(0, numeric(settings, 'random_page_cost') - 1.5);
  const extreme = numeric(settings, 'commit_delay') >= 5000 ? 3 : 1;
  return 10 * workMemFactor * randomPageCostFactor * extreme;
}

// ---------------------------------------------------------------------------------------------
// The cluster

export type PatroniValue = string | number | boolean;

export interface FakeMember {
  name: string;
  /** The DCS parameters this member shows while lagging; null when it follows the DCS at once. */
  frozen: Record<string, PatroniValue> | null;
  unreachable: boolean;
  /** Names whose pg_settings row reports pending_restart (besides restart-only changes). */
  pendingRestart: string[];
  /** Host memory as the member's PostgreSQL reads it; null when pg_read_file is refused. */
  memoryBytes: number | null;
}

export interface PatchAttempt {
  body: PatroniConfigPatch;
  at: number;
  ok: boolean;
}

export interface FakeClusterOptions {
  /** postgresql.parameters of the DCS when the cluster started (the members run with them). */
  dcs?: Record<string, PatroniValue>;
  /** Leader-only postgresql.auto.conf overrides, name → value as written by ALTER SYSTEM. */
  autoconf?: Record<string, string>;
  /** Extra lines pg_file_settings shows for postgresql.auto.conf (e.g. unparsable ones). */
  autoconfLines?: AutoConfOverride[];
  members?: readonly string[];
  /** Statements per second and transactions per second of the synthetic workload. */
  callsPerSecond?: number;
  transactionsPerSecond?: number;
  meanQueryMs?: (settings: ReadonlyMap<string, PgSetting>) => number;
  /** Every member's host memory (16 GiB unless given). */
  memoryBytes?: number;
  /** Patroni's failsafe_mode in the dynamic configuration (absent unless given). */
  failsafeMode?: boolean;
}

export const MEMBER_NAMES = ['node1', 'node2', 'node3'] as const;

/** The DCS parameters of the lab's recorded GET /config plus a tuned knob Patroni already sets. */
export function defaultDcs(): Record<string, PatroniValue> {
  return { ...(recordedPatroniConfig().postgresql?.parameters ?? {}), max_connections: 100, max_wal_size: '1GB' };
}

/** Patroni + three members + the leader's PostgreSQL, implementing the three IO ports of a session. */
export class FakeCluster implements LeaderPort, ConfigPort, MembersPort {
  readonly clock: FakeClock;
  readonly leaderName: string;
  /** `postgresql.parameters` in the DCS. */
  dcs: Record<string, PatroniValue>;
  readonly initialDcs: Record<string, PatroniValue>;
  readonly members: Map<string, FakeMember>;
  /** Leader-only postgresql.auto.conf. */
  readonly autoconf: Map<string, string>;
  autoconfLines: AutoConfOverride[];
  /** What checkLeader answers for the role (pause and the held conditions are checked on top). */
  role: RoleCheck = { leader: true, timeline: 1 };
  /** Maintenance mode: checkLeader refuses. */
  paused = false;
  /** Why the start preconditions fail now (an unhealthy member …): checkLeader with held conditions refuses. */
  blockers: string[] = [];
  /** The leader's timeline, as checkLeader reports it. */
  timeline = 1;
  /** What each checkLeader call was asked to hold. */
  readonly heldChecks: Array<HeldConditions | null> = [];
  /** After a reset, readSettingsLoadedAfter answers null this many times (the reload has not reached the backend). */
  reloadLagReads = 0;
  /** The next this many PATCHes fail (Patroni answers an error; the DCS is unchanged). */
  failPatches = 0;
  /** No calls and no transactions. */
  idle = false;
  /** Every PATCH /config body received, with whether it was applied. */
  readonly patches: PatchAttempt[] = [];
  readonly resetCalls: string[][] = [];
  /** Values some member's PostgreSQL refused (would be logged and ignored); must stay empty. */
  readonly invalid: string[] = [];
  /** Every port call, in order: 'checkLeader', 'patch', 'readMemberSettings', 'snapshot' … */
  readonly log: string[] = [];

  beforePatch: ((body: PatroniConfigPatch) => void | Promise<void>) | null = null;
  afterPatch: ((body: PatroniConfigPatch, attempt: PatchAttempt) => void | Promise<void>) | null = null;
  onResetAutoconf: ((names: readonly string[]) => void | Promise<void>) | null = null;
  /** Runs while each ALTER SYSTEM RESET is under way (after the file changed). */
  onAlterSystem: ((name: string) => void | Promise<void>) | null = null;
  /** Runs while checkLeader is under way, before it answers. */
  onCheckLeader: (() => void | Promise<void>) | null = null;
  /** Called after each workload snapshot with its 1-based number. */
  onSnapshot: ((count: number) => void | Promise<void>) | null = null;

  readonly #rows: PgSettingRow[];
  readonly #callsPerSecond: number;
  readonly #transactionsPerSecond: number;
  readonly #meanQueryMs: (settings: ReadonlyMap<string, PgSetting>) => number;
  readonly #otherConfig: PatroniConfig;
  #counters = { calls: 0, execSeconds: 0, transactions: 0, at: 0 };
  #snapshots = 0;
  #memberReads = 0;
  /** Overrides removed from postgresql.auto.conf that the leader's backends still run with (no reload yet). */
  readonly #unloaded = new Map<string, string>();
  #reloadPending = 0;

  constructor(clock: FakeClock, options: FakeClusterOptions = {}) {
    this.clock = clock;
    const names = options.members ?? MEMBER_NAMES;
    this.leaderName = names[0] ?? 'node1';
    this.dcs = { ...(options.dcs ?? defaultDcs()) };
    this.initialDcs = { ...this.dcs };
    const memoryBytes = options.memoryBytes ?? 16 * GIB;
    this.members = new Map(names.map((name) => [name, { name, frozen: null, unreachable: false, pendingRestart: [], memoryBytes }]));
    this.autoconf = new Map(Object.entries(options.autoconf ?? {}));
    this.autoconfLines = [...(options.autoconfLines ?? [])];
    this.#callsPerSecond = options.callsPerSecond ?? 100;
    this.#transactionsPerSecond = options.transactionsPerSecond ?? 50;
    this.#meanQueryMs = options.meanQueryMs ?? syntheticMeanQueryMs;
    const recorded = recordedPatroniConfig();
    this.#otherConfig = {
      ...recorded,
      ...(options.failsafeMode === undefined ? {} : { failsafe_mode: options.failsafeMode }),
      postgresql: { ...recorded.postgresql, parameters: {} },
    };
    // The servers were started with the initial DCS parameters: restart-only ones are in force.
    // Reloadable ones are applied on every read, so removing one from the DCS brings back the default.
    this.#rows = fixtureRows().map((row) => {
      const value = this.dcs[row.name];
      if (value === undefined || row.context !== 'postmaster') return row;
      const parsed = parseParameterValue(value, row);
      if (!parsed.ok) throw new Error(`initial DCS parameter refused: ${parsed.error}`);
      return { ...row, setting: parsed.setting, reset_val: parsed.setting, source: 'configuration file' };
    });
    this.#counters.at = clock.now();
  }

  member(name: string): FakeMember {
    const member = this.members.get(name);
    if (member === undefined) throw new Error(`no member ${name}`);
    return member;
  }

  /** From now on `name` keeps showing the DCS parameters of this moment. */
  setLagging(name: string, lagging = true): void {
    this.member(name).frozen = lagging ? { ...this.dcs } : null;
  }

  /** pg_settings of a member as it is now. */
  settingsOf(name: string): PgSetting[] {
    const member = this.member(name);
    const parameters: Record<string, PatroniValue> = { ...(member.frozen ?? this.dcs) };
    if (name === this.leaderName) for (const [key, value] of [...this.autoconf, ...this.#unloaded]) parameters[key] = value;
    return this.#rows.map((base) => {
      let row = base;
      const value = parameters[base.name];
      if (value !== undefined) {
        const parsed = parseParameterValue(value, base);
        if (!parsed.ok) {
          const entry = `${name}: ${parsed.error}`;
          if (!this.invalid.includes(entry)) this.invalid.push(entry);
        } else if (parsed.setting !== base.setting) {
          // A restart-only parameter keeps its value and waits for a restart.
          row = base.context === 'postmaster' ? { ...base, pending_restart: true } : { ...base, setting: parsed.setting, source: 'configuration file' };
        }
      }
      if (member.pendingRestart.includes(base.name)) row = { ...row, pending_restart: true };
      return parseSettingRow(row);
    });
  }

  /** The setting of `parameter` on `member`, in pg_settings units. */
  valueOn(member: string, parameter: string): PgSetting['setting'] {
    const setting = this.settingsOf(member).find((s) => s.name === parameter);
    if (setting === undefined) throw new Error(`no setting ${parameter}`);
    return setting.setting;
  }

  get memberReads(): number {
    return this.#memberReads;
  }

  get snapshots(): number {
    return this.#snapshots;
  }

  /** Statistics reset: the counters start from zero again (they go backwards). */
  resetCounters(): void {
    this.#counters = { calls: 0, execSeconds: 0, transactions: 0, at: this.clock.now() };
  }

  // LeaderPort

  async checkLeader(held: HeldConditions | null): Promise<RoleCheck> {
    this.log.push('checkLeader');
    this.heldChecks.push(held === null ? null : { ...held });
    await this.onCheckLeader?.();
    if (!this.role.leader) return { ...this.role };
    if (this.paused) return { leader: false, reason: 'the cluster is paused (maintenance mode)' };
    if (held !== null && this.blockers.length > 0) return { leader: false, reason: this.blockers.join('; ') };
    if (held !== null && held.timeline !== null && held.timeline !== this.timeline) {
      return { leader: false, reason: `the timeline changed from ${held.timeline} to ${this.timeline}` };
    }
    return { leader: true, timeline: this.timeline };
  }

  async readSettings(): Promise<PgSetting[]> {
    this.log.push('readSettings');
    return this.settingsOf(this.leaderName);
  }

  async readSettingsLoadedAfter(mark: Date): Promise<PgSetting[] | null> {
    this.log.push('readSettingsLoadedAfter');
    if (mark.getTime() > this.clock.now()) throw new Error('a mark from the future');
    if (this.#reloadPending > 0) {
      this.#reloadPending -= 1;
      if (this.#reloadPending === 0) this.#unloaded.clear();
      return null;
    }
    return this.settingsOf(this.leaderName);
  }

  /** What statementsStatus answers: pg_stat_statements usable unless a test says otherwise. */
  statements: StatementsStatus = { available: true, database: 'postgres', created: false };

  readonly transactionsCounted = 'every database but patroni_tuner (the state store)';

  async statementsStatus(signal: AbortSignal): Promise<StatementsStatus> {
    this.log.push('statementsStatus');
    signal.throwIfAborted();
    return this.statements;
  }

  async readAutoconfOverrides(): Promise<AutoConfOverride[]> {
    this.log.push('readAutoconfOverrides');
    const lines: AutoConfOverride[] = [...this.autoconf].map(([name, setting], index) => ({
      name,
      setting,
      applied: true,
      error: null,
      sourcefile: '/var/lib/postgresql/data/postgresql.auto.conf',
      sourceline: index + 3,
    }));
    return [...lines, ...this.autoconfLines.map((line) => ({ ...line }))];
  }

  /** Logs 'alterSystem' per name and 'reload'; like the live port, checks `signal` before each. */
  async resetAutoconf(names: readonly string[], signal: AbortSignal): Promise<Date> {
    this.log.push('resetAutoconf');
    await this.onResetAutoconf?.(names);
    for (const name of names) {
      signal.throwIfAborted();
      this.log.push('alterSystem');
      const value = this.autoconf.get(name);
      if (value !== undefined) this.#unloaded.set(name, value);
      this.autoconf.delete(name);
      await this.onAlterSystem?.(name);
    }
    const mark = new Date(this.clock.now());
    signal.throwIfAborted();
    this.log.push('reload');
    this.resetCalls.push([...names]);
    this.#reloadPending = this.reloadLagReads;
    if (this.#reloadPending === 0) this.#unloaded.clear();
    return mark;
  }

  async workloadSnapshot(): Promise<WorkloadSnapshot> {
    this.log.push('snapshot');
    const now = this.clock.now();
    const seconds = (now - this.#counters.at) / 1000;
    if (!this.idle && seconds > 0) {
      const calls = this.#callsPerSecond * seconds;
      const mean = this.#meanQueryMs(new Map(this.settingsOf(this.leaderName).map((s) => [s.name, s])));
      this.#counters.calls += calls;
      this.#counters.execSeconds += (calls * mean) / 1000;
      this.#counters.transactions += this.#transactionsPerSecond * seconds;
    }
    this.#counters.at = now;
    const snapshot: WorkloadSnapshot = {
      takenAtMs: now,
      // One statement shape: compared with itself, its ratio is the mean's.
      statements: !this.statements.available ? null : {
        calls: this.#counters.calls,
        totalExecTimeSeconds: this.#counters.execSeconds,
        byQuery: new Map([['workload', { calls: this.#counters.calls, execMs: this.#counters.execSeconds * 1000 }]]),
      },
      transactions: this.#counters.transactions,
    };
    this.#snapshots += 1;
    await this.onSnapshot?.(this.#snapshots);
    return snapshot;
  }

  // ConfigPort

  async getConfig(): Promise<PatroniConfig> {
    this.log.push('getConfig');
    return this.#config();
  }

  async patchConfig(patch: PatroniConfigPatch): Promise<PatroniConfig> {
    this.log.push('patch');
    await this.beforePatch?.(patch);
    const attempt: PatchAttempt = { body: structuredClone(patch), at: this.clock.now(), ok: false };
    this.patches.push(attempt);
    if (this.failPatches > 0) {
      this.failPatches -= 1;
      throw new Error('Patroni answered 503: not healthy');
    }
    for (const [name, value] of Object.entries(patch.postgresql?.parameters ?? {})) {
      if (value === null) delete this.dcs[name];
      else this.dcs[name] = value;
    }
    attempt.ok = true;
    await this.afterPatch?.(patch, attempt);
    return this.#config();
  }

  /** Every member's host memory, as SessionPorts.memberMemory reads it. */
  async readMemberMemory(): Promise<MemberMemory[]> {
    this.log.push('readMemberMemory');
    return [...this.members.values()].map((m): MemberMemory =>
      m.memoryBytes === null ? { member: m.name, ok: false, error: 'permission denied for function pg_read_file' } : { member: m.name, ok: true, bytes: m.memoryBytes },
    );
  }

  // MembersPort

  async readMemberSettings(names: readonly string[]): Promise<MemberSettings[]> {
    this.log.push('readMemberSettings');
    this.#memberReads += 1;
    const wanted = new Set(names);
    return [...this.members.values()].map((member): MemberSettings => {
      if (member.unreachable) return { member: member.name, ok: false, error: `connection to ${member.name} refused` };
      // As the live port: the named rows and every row waiting for a restart.
      const settings = this.settingsOf(member.name).filter((s) => wanted.has(s.name) || s.pendingRestart);
      return { member: member.name, ok: true, settings };
    });
  }

  #config(): PatroniConfig {
    const config = structuredClone(this.#otherConfig);
    return { ...config, postgresql: { ...config.postgresql, parameters: { ...this.dcs } } };
  }
}

// ---------------------------------------------------------------------------------------------
// Optimizer

export interface ScriptStep {
  /** Changes over the baseline (the first trial of the history); the rest of the baseline is kept. */
  changes: Record<string, ConfigurationValue>;
  reason?: SuggestionReason;
  /** What a model proposal expects to gain (Suggestion.expected). */
  expected?: { improvement: number; incumbent: number };
}

export interface OptimizerCall {
  history: Trial[];
  space: readonly Dimension[];
  context: OptimizerContext;
}

export interface ScriptedOptimizer {
  optimizer: Optimizer;
  calls: OptimizerCall[];
}

/** Proposes the scripted configurations in order; throws when asked for more than were scripted. */
export function scriptedOptimizer(steps: readonly ScriptStep[]): ScriptedOptimizer {
  const calls: OptimizerCall[] = [];
  const optimizer: Optimizer = (history, space, context) => {
    calls.push({ history: structuredClone([...history]), space, context });
    const step = steps[calls.length - 1];
    if (step === undefined) throw new Error(`scripted optimizer: no step ${calls.length}`);
    const baseline = history[0]?.config;
    if (baseline === undefined) throw new Error('scripted optimizer: the history has no baseline');
    return { config: { ...baseline, ...step.changes }, reason: step.reason ?? 'initial', ...(step.expected ? { expected: step.expected } : {}) };
  };
  return { optimizer, calls };
}

// ---------------------------------------------------------------------------------------------
// A session, ready to run

export const HOST_16G: HostFacts = { memoryBytes: 16 * GIB, cpus: 8, storage: 'ssd' };

export const RUNNER_SETTINGS: RunnerSettings = {
  guardrails: DEFAULT_GUARDRAILS,
  verifyTimeoutMs: 5_000,
  verifyPollMs: 500,
  improvementMargin: 0.05,
};

export const SESSION_OPTIONS: SessionOptions = {
  iterations: 3,
  iterationSeconds: 10,
  warmupSeconds: 2,
  objective: 'mean_query_time',
  knobs: [],
  seed: 7,
};

export interface HarnessOptions {
  options?: Partial<SessionOptions>;
  script?: readonly ScriptStep[];
  /** Replaces the scripted optimizer. */
  optimizer?: Optimizer;
  hostMemoryBytes?: number;
  host?: HostFacts;
  settings?: Partial<RunnerSettings>;
  cluster?: FakeClusterOptions;
  /** The workload's counters the catalogue's search priors come from; none by default. */
  signals?: WorkloadSignals;
}

export interface Harness {
  clock: FakeClock;
  store: MemoryStore;
  cluster: FakeCluster;
  runner: SessionRunner;
  session: SessionRecord;
  ports: SessionPorts;
  /** The scripted optimizer's calls (empty when another optimizer was given). */
  optimizerCalls: OptimizerCall[];
}

export const SESSION_ID = 'session-1';

export async function sessionHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock: () => new Date(clock.now()) });
  const host = options.host ?? HOST_16G;
  const cluster = new FakeCluster(clock, { memoryBytes: options.hostMemoryBytes ?? host.memoryBytes, ...options.cluster });
  const session = await store.createSession({
    id: SESSION_ID,
    scope: 'lab-795904',
    options: { ...SESSION_OPTIONS, ...options.options },
    executor: cluster.leaderName,
  });
  const scripted = scriptedOptimizer(options.script ?? []);
  const ports: SessionPorts = {
    clock,
    store,
    leader: cluster,
    config: cluster,
    cluster,
    optimizer: options.optimizer ?? scripted.optimizer,
    catalogue: (settings, knobs) => sessionCatalogue(settings, host, knobs, options.signals ?? null),
    hostMemoryBytes: options.hostMemoryBytes ?? host.memoryBytes,
    memberMemory: () => cluster.readMemberMemory(),
    member: cluster.leaderName,
  };
  const runner = new SessionRunner(ports, { ...RUNNER_SETTINGS, ...options.settings }, session);
  return { clock, store, cluster, runner, session, ports, optimizerCalls: scripted.calls };
}

/** The baseline of the recorded server, as the catalogue reads it (pg_settings units). */
export function baselineConfiguration(): Configuration {
  const settings = fixtureSettings();
  return sessionCatalogue(settings, HOST_16G, [], null).currentValues(settings);
}

/** `actual` equals `expected` up to float noise from counter arithmetic (relative 1e-9). */
export function assertClose(actual: number | null | undefined, expected: number, message?: string): void {
  if (typeof actual === 'number' && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected))) return;
  throw new assert.AssertionError({ actual, expected, operator: 'close', message: message ?? `expected ${String(actual)} to be ${expected} (±1e-9)` });
}
