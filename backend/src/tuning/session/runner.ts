/**
 * One tuning session on the leader: baseline → iterations (propose → guardrails → fresh role check →
 * PATCH /config → verify on every member → warm-up → measure → score) → the best or the baseline
 * configuration, applied and verified. This is the only code that changes configuration. Every
 * record is written before the action it describes (DESIGN.md §4 rule 9).
 */
import type { PgSetting } from '../../postgres/settings.js';
import type { PatroniConfigPatch } from '../../patroni/responses.js';
import type {
  GuardrailVerdict,
  IterationRecord,
  Measurement,
  MemberVerification,
  ParameterValue,
  PendingChangeReason,
  PendingChangeRecord,
  SessionOptions,
  SessionRecord,
  SessionResult,
  SessionState,
} from '../../model/records.js';
import { PendingChangeDecidedError } from '../../store/store.js';
import { checkMemory, checkRegression, type GuardrailSettings } from '../guardrails.js';
import { measureWindow, scoreMeasurement, windowStatements } from '../objective.js';
import { selectObjective } from '../objective-selection.js';
import { DEFAULT_CONVERGENCE, searchConverged, type Expectation } from '../convergence.js';
import type { StatementDeltas } from '../statement-comparison.js';
import type { Configuration, Suggestion, SuggestionReason, Trial } from '../../model/configuration-space.js';
import { memoryVerdict, reviewChanges, valueChanges } from './approval.js';
import { SessionRequestError } from '../refusal.js';
import { memoryInputs } from './memory-inputs.js';
import type { ApprovalDecision, SessionProgress } from './types.js';
import type { HeldConditions, SessionCatalogue, SessionPorts } from '../apply/ports.js';
import { sendRecordedPatch } from '../apply/recorded-patch.js';
import { awaitVerification, baselineParameters, describeVerification } from '../apply/verification.js';

export interface RunnerSettings {
  guardrails: GuardrailSettings;
  /** How long members may take to show an applied configuration in pg_settings. */
  verifyTimeoutMs: number;
  verifyPollMs: number;
  /** The best configuration is kept only when it beats the baseline by this fraction (0.05 = 5 %). */
  improvementMargin: number;
}

/** Why a running session stops before its last iteration, and when (epoch ms). */
export type Interruption = {
  kind: 'stop' | 'halt';
  reason: string;
  at: number;
  /**
   * A halt for the agent's shutdown: nothing more is applied and nothing is recorded as its end, so
   * the session stays as it was for the restarted agent to put the baseline back and abort it
   * (DESIGN.md §4 rule 9), or for the next leader's agent to halt it if leadership moves meanwhile.
   */
  abandon?: boolean;
};

class Interrupted extends Error {
  constructor(readonly interruption: Interruption) {
    super(interruption.reason);
  }
}

/** A step that failed in a way the session survives: the iteration fails and the best config is restored. */
class IterationFailure extends Error {
  constructor(
    message: string,
    /** What each member showed, when verification is what failed. */
    readonly verification: MemberVerification[] = [],
  ) {
    super(message);
  }
}

/** The memory the guardrail measures a candidate against: the smallest member's, and which one that is. */
export interface MemoryLimit {
  bytes: number;
  boundBy: string;
}

interface Best {
  config: Configuration;
  score: number;
  iteration: number;
}

/** Default of the session option approvalTimeoutMs. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 3_600_000;

/** A configuration the session would apply, before it is stored as a pending change. */
interface Proposal {
  reason: PendingChangeReason;
  iteration: number | null;
  configuration: Configuration;
  parameters: Record<string, string | null>;
  /** Validate a reviewer's values against pg_settings only (a restore), not the search range. */
  restore: boolean;
  /** Whether a reviewer may adjust values (not for a move to the baseline or keeping what is in force). */
  editable: boolean;
  prediction: { score: number; sd: number } | null;
  replaces: number | null;
}

type GateOutcome =
  | { kind: 'approved'; configuration: Configuration; parameters: Record<string, string | null> }
  | { kind: 'rejected'; id: number; proposed: PendingChangeReason; by: string; reason: string | null }
  | { kind: 'expired'; id: number; proposed: PendingChangeReason };

/** What the reviewer's adjusted values are checked against: known once the baseline is recorded. */
interface ReviewContext {
  catalogue: SessionCatalogue;
  settings: readonly PgSetting[];
  memory: MemoryLimit;
  baseline: Configuration;
}

/** Approval mode: a change was not approved (rejected or not decided in time); the session offers the way back. */
class NotApproved extends Error {
  constructor(readonly outcome: Exclude<GateOutcome, { kind: 'approved' }>) {
    super(outcome.kind === 'expired' ? `pending change ${outcome.id} was not decided in time` : `pending change ${outcome.id} was rejected by ${outcome.by}`);
  }
}

export class SessionRunner {
  readonly #ports: SessionPorts;
  readonly #settings: RunnerSettings;
  #session: SessionRecord;
  /** Aborted by a stop or a halt: cuts warm-up and measurement windows short. */
  readonly #windows = new AbortController();
  /** Aborted by a halt only: the final apply of a stopped session still waits for verification. */
  readonly #halts = new AbortController();
  #interruption: Interruption | null = null;
  #progress: SessionProgress;
  /** What every fresh check before a change holds the cluster to; the first check pins the timeline. */
  #held: HeldConditions = { timeline: null };
  /**
   * A PATCH went out since the cluster was last verified on the best or the baseline configuration:
   * the session may not end `failed` now, only halt into the failover protocol (DESIGN.md §4 rule 11).
   */
  #unconfirmed = false;
  /** What the session measures: the requested objective, or the fallback when pg_stat_statements cannot measure. */
  #objective: SessionOptions['objective'];
  /** What each model proposal expected to gain, oldest first: the search stops once it expects too little. */
  readonly #expectations: Expectation[] = [];
  #converged = false;
  /** The baseline window's statements; null before it is measured or without pg_stat_statements. */
  #referenceStatements: StatementDeltas | null = null;
  /** Patroni's failsafe_mode from the dynamic configuration read at the start; null before. */
  #failsafe: boolean | null = null;
  /** The change awaiting a person's decision, and how the waiting runner learns of it. */
  #waiting: { record: PendingChangeRecord; proposal: Proposal; decided: (record: PendingChangeRecord) => void } | null = null;
  #review: ReviewContext | null = null;
  /** After an agent restart: the stored pending change the session resumes at, taken by the next gate. */
  #resumed: PendingChangeRecord | null = null;
  /** The configuration in force (verified) and the best measured so far, as the pending change shows them. */
  #current: Configuration | null = null;
  #best: Best | null = null;
  #baselineScore: number | null = null;
  /** The last change sent was verified on every member: the cluster is on `#current`. */
  #currentVerified = true;
  /** A PATCH was sent by this session. */
  #sent = false;
  /** Whether the session has ended its iterations (the final change or its fallback). */
  #ending = false;

  constructor(ports: SessionPorts, settings: RunnerSettings, session: SessionRecord) {
    this.#ports = ports;
    this.#settings = settings;
    this.#session = session;
    this.#objective = session.options.objective;
    this.#progress = {
      sessionId: session.id,
      state: session.state,
      iteration: 0,
      iterations: session.options.iterations,
      baselineScore: null,
      bestScore: null,
      lastScore: null,
      outcomes: { measured: 0, rejected: 0, reverted: 0, failed: 0 },
    };
  }

  get progress(): SessionProgress {
    return { ...this.#progress, outcomes: { ...this.#progress.outcomes } };
  }

  get sessionId(): string {
    return this.#session.id;
  }

  /** The change awaiting a person's decision (approval mode), if any. */
  get pendingChange(): PendingChangeRecord | null {
    return this.#waiting?.record ?? null;
  }

  /**
   * A person's decision on the pending change (approval mode). The decision, who made it and what
   * was changed are stored with an event before the waiting runner acts on it. Throws
   * SessionRequestError: 404 when nothing is pending, 400 naming the field when adjusted values are
   * refused, 409 when the change was decided (or dropped) meanwhile.
   */
  async decide(decision: ApprovalDecision): Promise<PendingChangeRecord> {
    const waiting = this.#waiting;
    if (waiting === null) throw new SessionRequestError('no_pending_change', `session ${this.#session.id} has no change awaiting approval`);
    const { record, proposal } = waiting;
    let changes: Record<string, ParameterValue> | null = null;
    if (decision.approve && decision.changes !== undefined && Object.keys(decision.changes).length > 0) {
      if (!proposal.editable) {
        throw new SessionRequestError('invalid_changes', `body/changes: a ${proposal.reason.replaceAll('_', ' ')} is approved or rejected as proposed`);
      }
      this.#reviewed(proposal, decision.changes);
      changes = { ...decision.changes };
    }
    const at = new Date(this.#ports.clock.now());
    const type = decision.approve ? 'approval_approved' : 'approval_rejected';
    const reason = decision.approve ? null : (decision.reason ?? null);
    let decided: PendingChangeRecord;
    try {
      decided = await this.#ports.store.decidePendingChange(record.id, {
        status: decision.approve ? 'approved' : 'rejected',
        by: decision.by,
        at,
        changes,
        reason,
        event: {
          sessionId: this.#session.id,
          at,
          type,
          member: this.#ports.member,
          detail: { pendingChange: record.id, reason: record.reason, iteration: record.iteration, by: decision.by, changes, ...(reason ? { why: reason } : {}) },
        },
      });
    } catch (error) {
      if (error instanceof PendingChangeDecidedError) {
        throw new SessionRequestError('pending_change_decided', `pending change ${record.id} is already ${error.status}`);
      }
      throw error;
    }
    waiting.decided(decided);
    return decided;
  }

  /** The stop or halt asked for, if any. */
  get interruption(): Interruption | null {
    return this.#interruption;
  }

  /** A person asked to stop: the session ends on the best (or baseline) configuration. */
  requestStop(reason = 'stopped on request'): void {
    this.#interrupt({ kind: 'stop', reason, at: this.#ports.clock.now() });
  }

  /** A topology change: nothing more is applied; the failover protocol takes over. */
  halt(reason: string, options: { abandon?: boolean } = {}): void {
    this.#interrupt({ kind: 'halt', reason, at: this.#ports.clock.now(), ...(options.abandon ? { abandon: true } : {}) });
  }

  #interrupt(interruption: Interruption): void {
    // A halt overrides a stop in progress: after a halt nothing may be applied, not even the final config.
    if (this.#interruption?.kind === 'halt') return;
    this.#interruption = interruption;
    this.#windows.abort(new Interrupted(interruption));
    if (interruption.kind === 'halt') this.#halts.abort(new Interrupted(interruption));
  }

  /** Runs the session to its end and returns the final record; never throws for session failures. */
  async run(): Promise<SessionRecord> {
    return this.#settle(() => this.#run());
  }

  /**
   * After an agent restart, continues an approval-mode session at its stored pending change: the
   * change still waits for a person's decision (until it expires) and is applied only if approved.
   */
  async resume(pending: PendingChangeRecord): Promise<SessionRecord> {
    return this.#settle(() => this.#resume(pending));
  }

  async #settle(body: () => Promise<void>): Promise<SessionRecord> {
    try {
      await body();
    } catch (error) {
      const interruption = this.#interruption ?? (error instanceof Interrupted ? error.interruption : null);
      if (interruption?.kind === 'halt' && interruption.abandon === true) {
        return this.#session;
      } else if (interruption?.kind === 'halt') {
        await this.#finish('halted', null, interruption.reason);
      } else if (this.#unconfirmed) {
        this.halt(`could not confirm the cluster is on its best or baseline configuration: ${messageOf(error)}${this.#failsafeNote()}`);
        await this.#finish('halted', null, this.#interruption?.reason ?? messageOf(error));
      } else if (interruption?.kind === 'stop' && isWindowAbort(error)) {
        // Stopped during the baseline window (the only window whose abort reaches here): nothing was applied.
        const result: SessionResult = { final: 'baseline', bestIteration: null, baselineScore: null, bestScore: null, improvementRatio: null };
        await this.#finish('stopped', result, interruption.reason);
      } else {
        await this.#finish('failed', null, messageOf(error));
      }
    }
    return this.#session;
  }

  async #run(): Promise<void> {
    const { store, leader, config } = this.#ports;
    const { options } = this.#session;
    await this.#transition('preparing');

    // Overrides in postgresql.auto.conf would beat the DCS: remove those of tunable knobs first,
    // recording each before it goes, so the DCS is the single source of truth (safety rule 2).
    const initialSettings = await leader.readSettings();
    const catalogue = this.#ports.catalogue(initialSettings, options.knobs);
    if (catalogue.priors.length > 0) await this.#event('search_priors', { priors: catalogue.priors });
    const tuned = new Set(catalogue.names);
    const overrides = (await leader.readAutoconfOverrides()).filter(
      (o): o is typeof o & { name: string } => o.name !== null && tuned.has(o.name),
    );
    // Before the first change: the start conditions still hold, and the timeline is pinned.
    await this.#checkRole();
    // Said once, before anything is measured: which objective, and why (creating the extension, when
    // the agent may, is the first change).
    const selection = selectObjective(options.objective, await leader.statementsStatus(this.#halts.signal), leader.transactionsCounted);
    this.#objective = selection.objective;
    await this.#event('objective_selected', { ...selection });
    this.#throwIfHalted();
    const memory = await this.#memoryLimit();
    let settings = initialSettings;
    if (overrides.length > 0) {
      for (const o of overrides) {
        await store.recordAutoconfRemoval({
          sessionId: this.#session.id,
          member: this.#ports.member,
          name: o.name,
          setting: o.setting ?? '',
          removedAt: new Date(this.#ports.clock.now()),
        });
      }
      const mark = await leader.resetAutoconf(overrides.map((o) => o.name), this.#halts.signal);
      await this.#event('autoconf_overrides_removed', { names: overrides.map((o) => o.name) });
      settings = await this.#settingsLoadedAfter(mark);
    }
    const baselineConfig = catalogue.currentValues(settings);
    this.#review = { catalogue, settings, memory, baseline: baselineConfig };
    const dcs = await config.getConfig();
    this.#failsafe = dcs['failsafe_mode'] === true;
    this.#throwIfHalted();
    await store.saveBaseline({
      sessionId: this.#session.id,
      dcsParameters: { ...(dcs.postgresql?.parameters ?? {}) },
      effective: { ...baselineConfig },
      recordedAt: new Date(this.#ports.clock.now()),
    });
    await this.#transition('running');

    const baselineScore = await this.#measureBaseline(baselineConfig);
    const history: Trial[] = [{ config: baselineConfig, score: baselineScore }];
    let best: Best = { config: baselineConfig, score: baselineScore, iteration: 0 };
    let current: Configuration = baselineConfig;
    this.#baselineScore = baselineScore;
    this.#current = current;
    this.#best = best;

    await this.#iterations(1, history, catalogue, settings, memory, current, best, baselineScore);
  }

  /** Iterations `from`…the last, then the session's end; in approval mode, the way back when a change is not approved. */
  async #iterations(
    from: number,
    history: Trial[],
    catalogue: SessionCatalogue,
    settings: readonly PgSetting[],
    memory: MemoryLimit,
    current: Configuration,
    best: Best,
    baselineScore: number,
  ): Promise<void> {
    try {
      for (let number = from; number <= this.#session.options.iterations && this.#interruption === null; number += 1) {
        const outcome = await this.#iterate(number, history, catalogue, settings, memory, current, best, baselineScore);
        current = outcome.current;
        this.#current = current;
        if (outcome.trial) history.push(outcome.trial);
        if (outcome.trial?.score != null && outcome.kept && outcome.trial.score < best.score) {
          best = { config: outcome.trial.config, score: outcome.trial.score, iteration: number };
          this.#best = best;
        }
        if (!this.#converged && number < this.#session.options.iterations && searchConverged(this.#expectations)) {
          this.#converged = true;
          await this.#event('search_converged', { iteration: number, expectations: this.#expectations.slice(-DEFAULT_CONVERGENCE.consecutive) });
          break;
        }
      }
      if (this.#interruption?.kind === 'halt') throw new Interrupted(this.#interruption);
      await this.#end(catalogue, current, best, baselineScore);
    } catch (error) {
      if (!(error instanceof NotApproved)) throw error;
      await this.#offerBaseline(catalogue, error, this.#best ?? best, baselineScore);
    }
  }

  /** Rebuilds what the session had when `pending` was stored, then goes on from that change. */
  async #resume(pending: PendingChangeRecord): Promise<void> {
    const { store, leader } = this.#ports;
    const sessionId = this.#session.id;
    const baseline = await store.getBaseline(sessionId);
    if (baseline === null) throw new Error('no baseline recorded for this session');
    const settings = await leader.readSettings();
    const catalogue = this.#ports.catalogue(settings, this.#session.options.knobs);
    const memory = await this.#memoryLimit();
    this.#review = { catalogue, settings, memory, baseline: baseline.effective };
    const { context } = pending;
    const current: Configuration = context.current;
    const best: Best = { config: context.best.configuration, score: context.best.score, iteration: context.best.iteration };
    this.#held = { timeline: context.timeline };
    this.#current = current;
    this.#best = best;
    this.#baselineScore = context.baselineScore;
    this.#sent = context.sent;
    this.#ending = context.ending;
    this.#currentVerified = context.verified;
    this.#unconfirmed = context.unconfirmed;
    // Later windows are scored as before the restart: the same objective, against the same baseline window.
    this.#objective = context.objective;
    this.#referenceStatements = context.referenceStatements === null ? null : new Map(Object.entries(context.referenceStatements));
    this.#resumed = pending;
    const iterations = await store.listIterations(sessionId);
    const last = iterations.at(-1)?.number ?? 0;
    this.#progress = {
      ...this.#progress,
      state: this.#session.state,
      iteration: pending.iteration ?? last,
      baselineScore: context.baselineScore,
      bestScore: best.score,
    };
    await this.#event('session_resumed', { pendingChange: pending.id, reason: pending.reason });

    if (pending.replaces !== null) {
      const replaced = (await store.listPendingChanges(sessionId)).find((p) => p.id === pending.replaces);
      if (replaced === undefined) throw new Error(`pending change ${pending.replaces}, which ${pending.id} replaces, is not recorded`);
      await this.#offerBaseline(catalogue, new NotApproved(notApprovedOutcome(replaced)), best, context.baselineScore);
      return;
    }
    if (context.ending) {
      try {
        await this.#end(catalogue, current, best, context.baselineScore);
      } catch (error) {
        if (!(error instanceof NotApproved)) throw error;
        await this.#offerBaseline(catalogue, error, best, context.baselineScore);
      }
      return;
    }
    const history = trialsOf(iterations);
    let from = pending.iteration ?? last + 1;
    let resumedCurrent = current;
    if (pending.reason === 'restore_best') {
      try {
        const gate = await this.#gate(proposalOf(pending), this.#halts.signal);
        if (gate.kind !== 'approved') throw new NotApproved(gate);
        await this.#apply(pending.iteration, gate.configuration, gate.parameters as Record<string, string>, catalogue);
        this.#unconfirmed = false;
        await this.#event('configuration_restored', { iteration: pending.iteration, to: 'best' });
        resumedCurrent = gate.configuration;
        from = (pending.iteration ?? last) + 1;
      } catch (error) {
        if (!(error instanceof NotApproved)) throw error;
        await this.#offerBaseline(catalogue, error, best, context.baselineScore);
        return;
      }
    }
    await this.#iterations(from, history, catalogue, settings, memory, resumedCurrent, best, context.baselineScore);
  }

  /**
   * Approval mode: a change was rejected or not decided in time. A candidate or a restore not
   * approved while iterating, or a final best rejected, is followed by a move back to the baseline,
   * proposed for approval; a final change not decided in time by keeping the configuration in force.
   * When that is not approved either, the session ends on the configuration in force, which was
   * verified when it was applied; a cluster whose configuration could not be verified halts instead
   * (the failover protocol restores the baseline: DESIGN.md §4 rule 11).
   */
  async #offerBaseline(catalogue: SessionCatalogue, cause: NotApproved, best: Best, baselineScore: number): Promise<void> {
    this.#throwIfHalted();
    if (!this.#currentVerified) throw cause;
    const first = cause.outcome;
    const why =
      first.kind === 'expired'
        ? `pending change ${first.id} was not decided within ${this.#approvalTimeoutMs()} ms`
        : `pending change ${first.id} was rejected by ${first.by}${first.reason ? ` (${first.reason})` : ''}`;
    const baseline = await this.#ports.store.getBaseline(this.#session.id);
    if (!baseline) throw new Error('no baseline recorded for this session');
    const current = this.#current ?? baseline.effective;
    const onBaseline = Object.keys(changedValues(current, baseline.effective)).length === 0;
    const keepCurrent = this.#ending && first.kind === 'expired';
    const result = (final: SessionResult['final']): SessionResult => ({
      final,
      bestIteration: final === 'best' ? best.iteration : null,
      baselineScore,
      bestScore: best.score,
      improvementRatio: baselineScore / best.score,
    });
    if (!this.#sent || onBaseline) {
      await this.#finish('stopped', result('baseline'), `${why}; the cluster is on its baseline`);
      return;
    }
    const keepingAlready = first.proposed === 'revert_to_baseline' || first.proposed === 'keep_current';
    this.#ending = true;
    const proposal: Proposal = keepCurrent
      ? { reason: 'keep_current', iteration: null, configuration: current, parameters: {}, restore: true, editable: false, prediction: null, replaces: first.id }
      : {
          reason: 'revert_to_baseline',
          iteration: null,
          configuration: baseline.effective,
          parameters: baselineParameters(baseline, catalogue.names),
          restore: true,
          editable: false,
          prediction: null,
          replaces: first.id,
        };
    const gate = keepingAlready ? first : await this.#gate(proposal, this.#halts.signal);
    const currentFinal: SessionResult['final'] = Object.keys(changedValues(current, best.config)).length === 0 && best.iteration > 0 ? 'best' : 'current';
    if (gate.kind === 'approved' && proposal.reason === 'revert_to_baseline') {
      if (this.#session.state !== 'finishing') await this.#transition('finishing');
      await this.#apply(null, baseline.effective, proposal.parameters, catalogue);
      this.#unconfirmed = false;
      await this.#event('baseline_restored', {});
      await this.#event('final_configuration_applied', { final: 'baseline', iteration: 0 });
      await this.#finish('stopped', result('baseline'), `${why}; the baseline was restored with approval`);
      return;
    }
    const kept = gate.kind === 'approved' ? 'approved' : gate.kind === 'rejected' ? `rejected by ${gate.by}` : 'not decided in time';
    await this.#event('final_configuration_kept', { pendingChange: gate.kind === 'approved' ? null : gate.id, final: currentFinal });
    await this.#finish('stopped', result(currentFinal), `${why}; the ${proposal.reason.replaceAll('_', ' ')} was ${kept}: the cluster keeps the configuration in force`);
  }

  /**
   * Approval mode: stores `proposal` as the session's pending change and waits for a person's
   * decision, the approval timeout, or `signal` (a stop or a halt drops it and rethrows). Nothing
   * is open on the database while it waits. Without approval mode, approves at once.
   */
  async #gate(proposal: Proposal, signal: AbortSignal): Promise<GateOutcome> {
    if (!this.#approvalEach()) {
      return { kind: 'approved', configuration: proposal.configuration, parameters: proposal.parameters };
    }
    const { store, clock } = this.#ports;
    const resumed = this.#resumed;
    this.#resumed = null;
    if (resumed !== null) {
      // After a restart: the change stored before it, as proposed then, still waits for its decision.
      return this.#awaitDecision(resumed, proposalOf(resumed), signal);
    }
    const review = this.#review!;
    const best = this.#best;
    const createdAt = clock.now();
    const timeoutMs = this.#approvalTimeoutMs();
    const record = await store.insertPendingChange({
      sessionId: this.#session.id,
      iteration: proposal.iteration,
      reason: proposal.reason,
      replaces: proposal.replaces,
      configuration: { ...proposal.configuration },
      parameters: proposal.parameters,
      vsBaseline: valueChanges(review.baseline, proposal.configuration),
      vsBest: valueChanges(best?.config ?? review.baseline, proposal.configuration),
      memory: memoryVerdict(review.settings, proposal.configuration, review.memory, this.#settings.guardrails),
      prediction: proposal.prediction,
      context: {
        current: { ...(this.#current ?? review.baseline) },
        best: { configuration: { ...(best?.config ?? review.baseline) }, score: best?.score ?? this.#baselineScore ?? 0, iteration: best?.iteration ?? 0 },
        baselineScore: this.#baselineScore ?? 0,
        timeline: this.#held.timeline,
        ending: this.#ending,
        sent: this.#sent,
        verified: this.#currentVerified,
        unconfirmed: this.#unconfirmed,
        objective: this.#objective,
        referenceStatements: this.#referenceStatements === null ? null : Object.fromEntries(this.#referenceStatements),
      },
      createdAt: new Date(createdAt),
      expiresAt: new Date(createdAt + timeoutMs),
    });
    await this.#event('approval_requested', {
      pendingChange: record.id,
      reason: record.reason,
      iteration: record.iteration,
      parameters: record.parameters,
      expiresAt: record.expiresAt.toISOString(),
      ...(record.replaces !== null ? { replaces: record.replaces } : {}),
    });
    return this.#awaitDecision(record, proposal, signal);
  }

  /** Waits for a person's decision on `record` until it expires (wall clock: it may have been stored before a restart). */
  async #awaitDecision(record: PendingChangeRecord, proposal: Proposal, signal: AbortSignal): Promise<GateOutcome> {
    const { clock } = this.#ports;
    const timeoutMs = Math.max(0, record.expiresAt.getTime() - clock.now());
    // The wait: a decision, the timeout, or the signal. A local controller ends the timer once decided.
    const timer = new AbortController();
    const forward = () => timer.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    let decided!: Promise<PendingChangeRecord>;
    try {
      decided = new Promise<PendingChangeRecord>((resolve) => {
        this.#waiting = { record, proposal, decided: resolve };
      });
      const timeout = clock.sleep(timeoutMs, timer.signal).then(() => null);
      // A stop or halt ends the wait at once, whatever the clock's sleep does with its signal.
      const interrupted = new Promise<never>((_resolve, reject) => {
        if (timer.signal.aborted) reject(timer.signal.reason);
        else timer.signal.addEventListener('abort', () => reject(timer.signal.reason), { once: true });
      });
      interrupted.catch(() => undefined);
      let outcome: PendingChangeRecord | null;
      try {
        outcome = await Promise.race([decided, timeout, interrupted]);
      } catch (error) {
        // An agent shutting down leaves the change pending: the restarted agent resumes the wait.
        if (this.#interruption?.abandon !== true) await this.#closePending(record, 'dropped', `dropped: ${this.#interruption?.reason ?? messageOf(error)}`);
        throw error;
      } finally {
        timer.abort();
        timeout.catch(() => undefined);
      }
      if (outcome === null) {
        const limit = record.expiresAt.getTime() - record.createdAt.getTime();
        outcome = (await this.#closePending(record, 'expired', `not decided within ${limit} ms; dropped, never applied`)) ?? (await decided);
      }
      this.#throwIfHalted();
      if (outcome.status === 'approved') {
        if (outcome.changes === null) return { kind: 'approved', configuration: proposal.configuration, parameters: proposal.parameters };
        const reviewed = this.#reviewed(proposal, outcome.changes);
        return { kind: 'approved', configuration: reviewed.configuration, parameters: reviewed.parameters };
      }
      if (outcome.status === 'rejected') return { kind: 'rejected', id: record.id, proposed: record.reason, by: outcome.decidedBy ?? 'unknown', reason: outcome.decisionReason };
      return { kind: 'expired', id: record.id, proposed: record.reason };
    } finally {
      signal.removeEventListener('abort', forward);
      this.#waiting = null;
    }
  }

  /**
   * Ends a pending change no person decided; returns null when a decision landed first (the runner
   * then takes that decision, which the store kept).
   */
  async #closePending(record: PendingChangeRecord, status: 'expired' | 'dropped', reason: string): Promise<PendingChangeRecord | null> {
    const at = new Date(this.#ports.clock.now());
    try {
      return await this.#ports.store.decidePendingChange(record.id, {
        status,
        by: 'tuner',
        at,
        reason,
        event: { sessionId: this.#session.id, at, type: `approval_${status}`, member: this.#ports.member, detail: { pendingChange: record.id, reason: record.reason, why: reason } },
      });
    } catch (error) {
      if (error instanceof PendingChangeDecidedError) return null;
      throw error;
    }
  }

  /** A reviewer's values checked against the session's catalogue and guardrails; SessionRequestError 400 when refused. */
  #reviewed(proposal: Proposal, changes: Readonly<Record<string, ParameterValue>>): { configuration: Configuration; parameters: Record<string, string> } {
    const review = this.#review!;
    try {
      return reviewChanges({
        catalogue: review.catalogue,
        settings: review.settings,
        memory: review.memory,
        guardrails: this.#settings.guardrails,
        proposed: proposal.configuration,
        current: this.#current ?? review.baseline,
        changes,
        restore: proposal.restore,
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'InvalidChangesError') throw new SessionRequestError('invalid_changes', error.message);
      throw error;
    }
  }

  #approvalEach(): boolean {
    return this.#session.options.approval === 'each';
  }

  #approvalTimeoutMs(): number {
    return this.#session.options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  }

  async #measureBaseline(baselineConfig: Configuration): Promise<number> {
    const started = new Date(this.#ports.clock.now());
    await this.#ports.store.insertIteration(
      this.#iterationRecord(0, 'baseline', baselineConfig, { state: 'measuring', startedAt: started }),
    );
    const measurement = await this.#measure('reference');
    const score = scoreMeasurement(measurement, this.#objective);
    await this.#ports.store.updateIteration(this.#session.id, 0, {
      state: score === null ? 'failed' : 'measured',
      measurement,
      score,
      endedAt: new Date(this.#ports.clock.now()),
      error: score === null ? 'no workload was observed during the baseline window' : null,
    });
    if (score === null) throw new Error('no workload was observed during the baseline window; nothing to tune against');
    this.#progress = { ...this.#progress, baselineScore: score, bestScore: score, lastScore: score };
    return score;
  }

  /** One iteration; returns the configuration now in force and the trial for the optimizer. */
  async #iterate(
    number: number,
    history: readonly Trial[],
    catalogue: SessionCatalogue,
    settings: readonly PgSetting[],
    memoryLimit: MemoryLimit,
    current: Configuration,
    best: Best,
    baselineScore: number,
  ): Promise<{ current: Configuration; trial: Trial | null; kept: boolean }> {
    const { store, clock } = this.#ports;
    const sessionId = this.#session.id;
    const { seed, iterations } = this.#session.options;
    const resumed = this.#resumed !== null && this.#resumed.iteration === number && isCandidateReason(this.#resumed.reason) ? this.#resumed : null;
    // A candidate that waited for approval across a restart is taken as stored (its iteration is recorded).
    const suggestion: Suggestion =
      resumed !== null
        ? { config: resumed.configuration, reason: resumed.reason as SuggestionReason, ...(resumed.prediction ? { prediction: resumed.prediction } : {}) }
        : this.#ports.optimizer(history, catalogue.space, {
            seed,
            budget: iterations,
            firstCandidates: catalogue.firstCandidates,
            repair: (config) => catalogue.repair(config),
          });
    if (resumed === null && suggestion.expected !== undefined) this.#expectations.push(suggestion.expected);
    // The optimizer repairs its proposals already; repairing again is idempotent and keeps this
    // code safe with any optimizer.
    const candidate = catalogue.repair(suggestion.config);
    if (resumed === null) {
      await store.insertIteration(
        this.#iterationRecord(number, suggestion.reason, candidate, { state: 'proposed', startedAt: new Date(clock.now()) }),
      );
    }
    this.#progress = { ...this.#progress, iteration: number };
    const end = async (update: Partial<IterationRecord> & { state: keyof SessionProgress['outcomes'] }) => {
      await store.updateIteration(sessionId, number, { ...update, endedAt: new Date(clock.now()) });
      const { outcomes, bestScore } = this.#progress;
      const score = update.state === 'measured' ? (update.score ?? null) : null;
      this.#progress = {
        ...this.#progress,
        lastScore: update.score ?? this.#progress.lastScore,
        bestScore: score !== null && (bestScore === null || score < bestScore) ? score : bestScore,
        outcomes: { ...outcomes, [update.state]: outcomes[update.state] + 1 },
      };
    };

    const memory = checkMemory(memoryInputs(settings, candidate, memoryLimit), this.#settings.guardrails);
    const dropResumed = async (why: string) => {
      if (resumed === null) return;
      this.#resumed = null;
      await this.#closePending(resumed, 'dropped', why);
    };
    if (!memory.ok) {
      await dropResumed(`the memory guardrail refuses it now: ${memory.detail}`);
      await end({ state: 'rejected', verdicts: [memory] });
      await this.#event('guardrail_rejected', { iteration: number, detail: memory.detail });
      return { current, trial: { config: candidate, score: null }, kept: false };
    }
    const verdicts: GuardrailVerdict[] = [memory];
    const changes = changedValues(current, candidate);
    const validation = catalogue.validate(changes);
    if (!validation.ok) {
      // The catalogue's messages start with the parameter's name.
      const error = validation.errors.map((e) => e.message).join('; ');
      await dropResumed(`invalid now: ${error}`);
      await end({ state: 'failed', verdicts, error: `invalid candidate, not sent: ${error}` });
      return { current, trial: { config: candidate, score: null }, kept: false };
    }

    let gate: GateOutcome;
    try {
      gate = await this.#gate(
        {
          reason: suggestion.reason,
          iteration: number,
          configuration: candidate,
          parameters: validation.parameters,
          restore: false,
          editable: true,
          prediction: suggestion.prediction ?? null,
          replaces: null,
        },
        this.#windows.signal,
      );
    } catch (error) {
      if (!isWindowAbort(error) && this.#interruption === null) throw error;
      await end({ state: 'failed', verdicts, error: `interrupted while awaiting approval: ${this.#interruption?.reason ?? messageOf(error)}` });
      if (this.#interruption?.kind === 'halt') throw error;
      return { current, trial: null, kept: false };
    }
    if (gate.kind !== 'approved') {
      const detail = gate.kind === 'rejected' ? `rejected by ${gate.by}${gate.reason ? `: ${gate.reason}` : ''}` : 'not decided in time; dropped, never applied';
      await end({ state: 'rejected', verdicts: [...verdicts, { guardrail: 'approval', ok: false, detail }] });
      // A rejected candidate is a failed point for the optimizer; one not decided in time ends the iterations.
      if (gate.kind === 'expired') throw new NotApproved(gate);
      return { current, trial: { config: candidate, score: null }, kept: false };
    }
    const approved = gate.configuration;
    const parameters = gate.parameters as Record<string, string>;
    if (approved !== candidate) await store.updateIteration(sessionId, number, { candidate: approved });

    let regressed: Trial | null = null;
    try {
      await store.updateIteration(sessionId, number, { state: 'applying', parameters, verdicts });
      const verification = await this.#apply(number, approved, parameters, catalogue);
      await store.updateIteration(sessionId, number, { state: 'measuring', verification });
      const measurement = await this.#measure('compared');
      const score = scoreMeasurement(measurement, this.#objective);
      if (score === null) throw new IterationFailure('no workload was observed during the measurement window');
      const regression = checkRegression(score, baselineScore, this.#settings.guardrails);
      verdicts.push(regression);
      if (!regression.ok) {
        await end({ state: 'reverted', measurement, score, verdicts });
        await this.#event('regression_reverted', { iteration: number, detail: regression.detail });
        regressed = { config: approved, score };
      } else {
        await end({ state: 'measured', measurement, score, verdicts });
        return { current: approved, trial: { config: approved, score }, kept: true };
      }
    } catch (error) {
      // A stop cuts a window short; a failed PATCH or verification while a stop is pending is still a
      // failure to undo. After a halt nothing is undone here: the failover protocol takes over.
      if (isWindowAbort(error) || this.#interruption?.kind === 'halt') {
        // The window was cut short: the configuration stays in force until the session ends on its
        // final configuration (stop) or the failover protocol takes over (halt); it is not scored.
        await end({ state: 'failed', verdicts, error: `interrupted: ${this.#interruption?.reason ?? messageOf(error)}` });
        if (this.#interruption?.kind === 'halt') throw error;
        return { current: approved, trial: null, kept: false };
      }
      verdicts.push({ guardrail: 'error', ok: false, detail: messageOf(error) });
      const verification = error instanceof IterationFailure ? error.verification : [];
      await end({ state: 'failed', verdicts, error: messageOf(error), ...(verification.length > 0 ? { verification } : {}) });
      await this.#event('iteration_failed', { iteration: number, error: messageOf(error) });
      // The PATCH may or may not have been applied: undo both the candidate and what was in force.
      return { current: await this.#restore(number, best.config, [current, approved], catalogue), trial: { config: approved, score: null }, kept: false };
    }
    // Outside the try: a failed restore ends the session (on the baseline); it is not this iteration's failure.
    this.#current = approved;
    return { current: await this.#restore(number, best.config, [approved], catalogue), trial: regressed, kept: false };
  }

  /**
   * Sends `parameters` through Patroni and waits until every member shows `expected`. The role and
   * the held conditions are checked fresh right before the PATCH; a refusal halts the session, and
   * so does a halt that lands while the PATCH is being recorded (nothing is sent then).
   */
  async #apply(
    iteration: number | null,
    expected: Configuration,
    parameters: Record<string, string | null>,
    catalogue: SessionCatalogue,
  ): Promise<MemberVerification[]> {
    await this.#checkRole();
    if (Object.keys(parameters).length > 0) {
      const body: PatroniConfigPatch = { postgresql: { parameters } };
      // Even a refused PATCH may have reached the DCS: from here the cluster must be verified back.
      this.#unconfirmed = true;
      this.#currentVerified = false;
      this.#sent = true;
      const sent = await sendRecordedPatch(this.#ports, this.#session.id, iteration, body, this.#halts.signal);
      if (!sent.ok) throw new IterationFailure(`PATCH /config failed: ${sent.error}`);
    }
    const verification = await this.#verify(expected, catalogue);
    const failed = verification.filter((v) => !v.verified);
    if (failed.length > 0) {
      throw new IterationFailure(
        `not verified on ${failed.map((v) => `${v.member} (${describeVerification(v)})`).join(', ')}`,
        verification,
      );
    }
    this.#current = expected;
    this.#currentVerified = true;
    return verification;
  }

  /** Polls every member's pg_settings until all show `expected`, or the deadline passes. */
  async #verify(expected: Configuration, catalogue: SessionCatalogue): Promise<MemberVerification[]> {
    return awaitVerification({
      cluster: this.#ports.cluster,
      clock: this.#ports.clock,
      expected,
      matches: catalogue.matches,
      timeoutMs: this.#settings.verifyTimeoutMs,
      pollMs: this.#settings.verifyPollMs,
      signal: this.#halts.signal,
      skipUnreachable: false,
    });
  }

  /**
   * Puts `target` back after a failed or regressed candidate; `from` are the configurations that may be
   * in force, and every knob where one of them differs from `target` is sent. If that fails too, the
   * baseline is tried; if the cluster still cannot be verified, the session fails rather than go on.
   */
  async #restore(iteration: number, target: Configuration, from: readonly Configuration[], catalogue: SessionCatalogue): Promise<Configuration> {
    const changes: Configuration = Object.assign({}, ...from.map((config) => changedValues(config, target)));
    const validation = catalogue.validate(changes, { restore: true });
    if (!validation.ok) throw new Error(`cannot restore the best configuration: ${validation.errors.map((e) => e.message).join('; ')}`);
    const gate = await this.#gate(
      { reason: 'restore_best', iteration, configuration: target, parameters: validation.parameters, restore: true, editable: true, prediction: null, replaces: null },
      this.#halts.signal,
    );
    if (gate.kind !== 'approved') throw new NotApproved(gate);
    target = gate.configuration;
    try {
      await this.#apply(iteration, target, gate.parameters as Record<string, string>, catalogue);
      this.#unconfirmed = false;
      await this.#event('configuration_restored', { iteration, to: 'best' });
      return target;
    } catch (error) {
      if (error instanceof Interrupted) throw error;
      // A real clock rejects an aborted sleep with an AbortError, not with the Interrupted reason.
      this.#throwIfHalted();
      await this.#event('restore_failed', { iteration, error: messageOf(error) });
      await this.#restoreBaseline(catalogue);
      throw new Error(`restoring the best configuration failed (${messageOf(error)}); the baseline was restored`);
    }
  }

  /** Puts the DCS parameters of the baseline back for every tuned knob (absent ones removed with null). */
  async #restoreBaseline(catalogue: SessionCatalogue): Promise<void> {
    const baseline = await this.#ports.store.getBaseline(this.#session.id);
    if (!baseline) throw new Error('no baseline recorded for this session');
    if (this.#approvalEach() && !this.#sent) {
      // Approval mode, nothing was ever sent: the cluster is on its baseline; nothing to approve.
      await this.#event('baseline_kept', {});
      return;
    }
    const parameters = baselineParameters(baseline, catalogue.names);
    const gate = await this.#gate(
      { reason: 'revert_to_baseline', iteration: null, configuration: baseline.effective, parameters, restore: true, editable: false, prediction: null, replaces: null },
      this.#halts.signal,
    );
    if (gate.kind !== 'approved') throw new NotApproved(gate);
    await this.#apply(null, baseline.effective, parameters, catalogue);
    this.#unconfirmed = false;
    await this.#event('baseline_restored', {});
  }

  async #end(
    catalogue: SessionCatalogue,
    current: Configuration,
    best: Best,
    baselineScore: number,
  ): Promise<void> {
    const stopped = this.#interruption?.kind === 'stop';
    // From here the session finishes even if a stop arrives: only a halt may still cut it short.
    if (this.#session.state !== 'finishing') await this.#transition('finishing');
    this.#ending = true;
    const keepBest = best.iteration > 0 && best.score < baselineScore * (1 - this.#settings.improvementMargin);
    if (keepBest) {
      const changes = changedValues(current, best.config);
      const validation = catalogue.validate(changes, { restore: true });
      if (!validation.ok) throw new Error(`the best configuration no longer validates: ${validation.errors.map((e) => e.message).join('; ')}`);
      // Already on the best configuration: nothing to send, nothing to approve.
      const gate: GateOutcome =
        Object.keys(validation.parameters).length === 0
          ? { kind: 'approved', configuration: best.config, parameters: {} }
          : await this.#gate(
              { reason: 'final_best', iteration: null, configuration: best.config, parameters: validation.parameters, restore: true, editable: true, prediction: null, replaces: null },
              this.#halts.signal,
            );
      if (gate.kind !== 'approved') throw new NotApproved(gate);
      await this.#apply(null, gate.configuration, gate.parameters as Record<string, string>, catalogue);
      this.#unconfirmed = false;
      await this.#event('final_configuration_applied', { final: 'best', iteration: best.iteration });
    } else {
      await this.#restoreBaseline(catalogue);
      await this.#event('final_configuration_applied', { final: 'baseline', iteration: 0 });
    }
    const result: SessionResult = {
      final: keepBest ? 'best' : 'baseline',
      bestIteration: keepBest ? best.iteration : null,
      baselineScore,
      bestScore: best.score,
      improvementRatio: baselineScore / best.score,
      converged: this.#converged,
    };
    await this.#finish(stopped ? 'stopped' : 'completed', result, stopped ? (this.#interruption?.reason ?? null) : null);
  }

  /** The baseline window is the `reference` every later (`compared`) window is compared with, statement by statement. */
  async #measure(window: 'reference' | 'compared'): Promise<Measurement> {
    const { clock, leader } = this.#ports;
    const { warmupSeconds, iterationSeconds } = this.#session.options;
    await clock.sleep(warmupSeconds * 1000, this.#windows.signal);
    const before = await leader.workloadSnapshot();
    await clock.sleep(iterationSeconds * 1000, this.#windows.signal);
    const after = await leader.workloadSnapshot();
    try {
      if (window === 'reference') this.#referenceStatements = windowStatements(before, after);
      return measureWindow(before, after, window === 'reference' ? null : this.#referenceStatements);
    } catch (error) {
      throw new IterationFailure(messageOf(error));
    }
  }

  /**
   * The fresh check before every change (DESIGN.md §4 rules 1 and 10): this node leads, the cluster
   * is not paused, the start conditions hold and the timeline is the one the session started on. A
   * refusal halts the session; so does a halt that landed while the check was under way.
   */
  async #checkRole(): Promise<void> {
    this.#throwIfHalted();
    const role = await this.#ports.leader.checkLeader(this.#held);
    if (!role.leader) this.halt(`not changing configuration: ${role.reason}`);
    this.#throwIfHalted();
    if (role.leader && this.#held.timeline === null) this.#held = { timeline: role.timeline };
  }

  /**
   * The leader's settings once its backends run with the reset postgresql.auto.conf: the baseline
   * must be what is in force, not what was before the reload reached the backend that answers.
   */
  async #settingsLoadedAfter(mark: Date): Promise<PgSetting[]> {
    const { clock, leader } = this.#ports;
    const deadline = clock.monotonic() + this.#settings.verifyTimeoutMs;
    for (;;) {
      const settings = await leader.readSettingsLoadedAfter(mark);
      if (settings !== null) return settings;
      if (clock.monotonic() >= deadline) {
        throw new Error(`PostgreSQL did not load the reset postgresql.auto.conf within ${this.#settings.verifyTimeoutMs} ms; no baseline recorded`);
      }
      await clock.sleep(this.#settings.verifyPollMs, this.#halts.signal);
    }
  }

  /**
   * The smallest host memory of any member (configuration is cluster-wide, and a replica may be a
   * smaller host). A member whose memory cannot be read counts as this agent's host, and says so.
   */
  async #memoryLimit(): Promise<MemoryLimit> {
    const own = { bytes: this.#ports.hostMemoryBytes, boundBy: `this agent's host (${this.#ports.member})` };
    let members;
    try {
      members = await this.#ports.memberMemory();
    } catch (error) {
      members = [{ member: 'every member', ok: false as const, error: messageOf(error) }];
    }
    const unknown = members.filter((m) => !m.ok);
    const limits: MemoryLimit[] = members.flatMap((m) => (m.ok ? [{ bytes: m.bytes, boundBy: `member ${m.member}` }] : []));
    if (unknown.length > 0 || limits.length === 0) {
      limits.push(own);
      await this.#event('member_memory_unknown', {
        members: unknown.map((m) => ({ member: m.member, error: m.ok ? null : m.error })),
        assumedBytes: own.bytes,
      });
    }
    return limits.reduce((smallest, limit) => (limit.bytes < smallest.bytes ? limit : smallest));
  }

  /** What Patroni does if the DCS stays unreachable, for a halt that could not confirm the configuration. */
  #failsafeNote(): string {
    if (this.#failsafe === null) return '';
    return this.#failsafe
      ? ' (Patroni failsafe_mode is on: the leader keeps running while the DCS is unreachable)'
      : ' (Patroni failsafe_mode is off: a leader that cannot reach the DCS is demoted)';
  }

  #throwIfHalted(): void {
    if (this.#interruption?.kind === 'halt') throw new Interrupted(this.#interruption);
  }

  async #transition(state: SessionState): Promise<void> {
    this.#throwIfHalted();
    this.#session = await this.#ports.store.updateSession(this.#session.id, { state }, { from: [this.#session.state] });
    this.#progress = { ...this.#progress, state };
    await this.#event(`session_${state}`, {});
  }

  async #finish(state: SessionState, result: SessionResult | null, reason: string | null): Promise<void> {
    const terminal = state !== 'halted';
    this.#session = await this.#ports.store.updateSession(this.#session.id, {
      state,
      result,
      reason,
      ...(terminal ? { endedAt: new Date(this.#ports.clock.now()) } : {}),
    }, { from: [this.#session.state] });
    this.#progress = { ...this.#progress, state };
    await this.#event(`session_${state}`, { ...(reason ? { reason } : {}), ...(result ? { result } : {}) });
  }

  async #event(type: string, detail: Record<string, unknown>): Promise<void> {
    await this.#ports.store.appendEvent({
      sessionId: this.#session.id,
      at: new Date(this.#ports.clock.now()),
      type,
      member: this.#ports.member,
      detail,
    });
  }

  #iterationRecord(
    number: number,
    reason: IterationRecord['reason'],
    candidate: Configuration,
    fields: Pick<IterationRecord, 'state' | 'startedAt'>,
  ): IterationRecord {
    return {
      sessionId: this.#session.id,
      number,
      reason,
      candidate,
      parameters: {},
      verification: [],
      measurement: null,
      score: null,
      verdicts: [],
      endedAt: null,
      error: null,
      ...fields,
    };
  }
}

const CANDIDATE_REASONS: ReadonlySet<PendingChangeReason> = new Set(['first', 'initial', 'model', 'remeasure']);

function isCandidateReason(reason: PendingChangeReason): boolean {
  return CANDIDATE_REASONS.has(reason);
}

/** What a stored pending change proposed, as the runner's gate takes it. */
function proposalOf(record: PendingChangeRecord): Proposal {
  const candidate = isCandidateReason(record.reason);
  return {
    reason: record.reason,
    iteration: record.iteration,
    configuration: record.configuration,
    parameters: record.parameters,
    restore: !candidate,
    editable: record.reason !== 'revert_to_baseline' && record.reason !== 'keep_current',
    prediction: record.prediction,
    replaces: record.replaces,
  };
}

/** A decided change that was not approved, as the fallback takes it. */
function notApprovedOutcome(record: PendingChangeRecord): Exclude<GateOutcome, { kind: 'approved' }> {
  if (record.status === 'rejected') return { kind: 'rejected', id: record.id, proposed: record.reason, by: record.decidedBy ?? 'unknown', reason: record.decisionReason };
  return { kind: 'expired', id: record.id, proposed: record.reason };
}

/** The optimizer's history from the stored iterations: measured and reverted ones with their score, refused and failed ones as failed points. */
function trialsOf(iterations: readonly IterationRecord[]): Trial[] {
  return iterations.flatMap((i): Trial[] => {
    if (i.number === 0 || i.state === 'measured' || i.state === 'reverted') return i.score === null ? [] : [{ config: i.candidate, score: i.score }];
    if (i.state === 'rejected' || i.state === 'failed') return [{ config: i.candidate, score: null }];
    return [];
  });
}

/** The knobs whose value differs: only those are sent to Patroni. */
export function changedValues(from: Configuration, to: Configuration): Configuration {
  const changes: Record<string, Configuration[string]> = {};
  for (const [name, value] of Object.entries(to)) if (from[name] !== value) changes[name] = value;
  return changes;
}

/** A warm-up or measurement sleep cut short by a stop: the reason itself, or an AbortError as node's timers reject. */
function isWindowAbort(error: unknown): boolean {
  return error instanceof Interrupted || (error instanceof Error && error.name === 'AbortError');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
