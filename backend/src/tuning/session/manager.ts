/**
 * The leader's side of tuning: starts sessions (one per cluster), runs them in the background,
 * stops them on request, halts them at once on a topology change, hands halted and orphaned
 * sessions to the failover protocol (built by the wiring: failover/protocol.ts), and executes the
 * commands other members' agents recorded in the state store.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { ClusterWatcher } from '../../observer/cluster-watcher.js';
import { observedScope, type ClusterObservation } from '../../observer/observation.js';
import type { PendingChangeRecord, SessionOptions, SessionRecord } from '../../model/records.js';
import { expiredCommandResult } from '../../model/record-states.js';
import { SessionConflictError, type Store } from '../../store/store.js';
import type { TopologyEvent } from '../../topology/diff.js';
import { Periodic } from '../../util/periodic.js';
import { isLeaderObservation, type FailoverState } from '../failover/index.js';
import type { Detection, FailoverProtocol, FailoverProtocolFactory, HaltedSession, LocalRun } from '../failover/protocol.js';
import { DetectedHalts, UNHALTED_ACTIVE_STATES } from './detected-halt.js';
import { SessionRequestError } from '../refusal.js';
import type { SessionPorts } from '../apply/ports.js';
import { startBlockers } from '../apply/preconditions.js';
import { DEFAULT_APPROVAL_TIMEOUT_MS, SessionRunner, type RunnerSettings } from './runner.js';
import type { ApprovalDecision, DetectedHalt, SessionProgress, StartRequest } from './types.js';
import type { Log } from '../../util/log.js';

export interface SessionManagerDeps {
  watcher: ClusterWatcher;
  /** The state store on this node; the manager writes only while this node is the leader. */
  store: Store;
  /** Creates the state database and applies migrations; called before the first write as leader. */
  prepareStore(): Promise<void>;
  createPorts(store: Store): Promise<SessionPorts>;
  runnerSettings: RunnerSettings;
  log: Log;
  /** How often the leader looks for commands recorded by other agents. */
  commandPollMs: number;
  /** Builds the failover protocol halted and orphaned sessions go to, told what this manager runs. */
  failover: FailoverProtocolFactory;
  now?: () => number;
}

export const DEFAULT_SESSION_OPTIONS: Omit<SessionOptions, 'seed'> = {
  iterations: 30,
  iterationSeconds: 120,
  warmupSeconds: 30,
  objective: 'mean_query_time',
  knobs: [],
  approval: 'none',
  approvalTimeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS,
};

export class SessionManager {
  readonly #deps: SessionManagerDeps;
  readonly #failover: FailoverProtocol;
  /** What this process did with each session it executed (the coordinator must not take them over). */
  readonly #local = new Map<string, LocalRun>();
  /** Halts triggered by a poll, with when the change was seen (a runner's own role check has none). */
  readonly #haltDetections = new Map<string, Detection>();
  /** The halt this agent saw that the store may not show yet (the API's and metrics' `detectedHalt`). */
  readonly #detectedHalts = new DetectedHalts();
  #runner: SessionRunner | null = null;
  /** The last session this agent executed, kept after it ends so metrics show how it ended. */
  #lastRunner: SessionRunner | null = null;
  #running: Promise<SessionRecord> | null = null;
  readonly #commandLoop: Periodic;
  readonly #unsubscribe: () => void;

  constructor(deps: SessionManagerDeps) {
    this.#deps = deps;
    this.#failover = deps.failover({
      localRun: (sessionId) => this.#local.get(sessionId) ?? null,
      resume: (session) => this.#resume(session),
    });
    this.#unsubscribe = deps.watcher.onPoll((observation, events) => this.#onPoll(observation, events));
    this.#commandLoop = new Periodic(deps.commandPollMs, () => this.#handleCommands(), (error) =>
      deps.log.warn({ err: error }, 'could not read pending commands'),
    );
  }

  /** Halted sessions awaiting acknowledgement, with their protocol state, as this node's store shows them. */
  haltedSessions(): Promise<HaltedSession[]> {
    return this.#failover.haltedSessions();
  }

  /** The halt this agent detected that `session`'s record does not show yet, or null. */
  detectedHalt(session: SessionRecord): DetectedHalt | null {
    return this.#detectedHalts.of(session);
  }

  /**
   * Active sessions of this cluster, as this node's store shows them, that this agent saw halted
   * before any record says so (for a scrape). The store is read only while a detection is held.
   */
  async detectedHalts(): Promise<Array<DetectedHalt & { sessionId: string }>> {
    if (!this.#detectedHalts.holding) return [];
    let active: SessionRecord[];
    try {
      active = await this.#deps.store.sessionsInState(observedScope(this.#deps.watcher.latest) ?? 'unknown', UNHALTED_ACTIVE_STATES);
    } catch {
      // No state database on this node yet, or it is down: nothing to show.
      return [];
    }
    this.#detectedHalts.settle(active);
    return active.flatMap((session) => {
      const halt = this.#detectedHalts.of(session);
      return halt === null ? [] : [{ sessionId: session.id, ...halt }];
    });
  }

  /** Progress of the session this agent executes or executed last; null before the first. */
  get progress(): SessionProgress | null {
    return this.#lastRunner?.progress ?? null;
  }

  /** The session being executed by this agent, if any. */
  get runningSessionId(): string | null {
    return this.#runner?.sessionId ?? null;
  }

  /** Whether this agent's node holds the leader lock and its PostgreSQL is a primary, as last polled. */
  isLeader(observation: ClusterObservation | null = this.#deps.watcher.latest): boolean {
    return isLeaderObservation(observation);
  }

  /** Starts a session on this (leader) node after checking the cluster; returns its first record. */
  async start(request: StartRequest): Promise<SessionRecord> {
    const observation = this.#requireLeader();
    const topology = observation.patroni.ok ? observation.patroni.value.topology : null;
    const blockers = topology ? startBlockers(topology) : ['the topology is unknown'];
    if (blockers.length > 0) {
      throw new SessionRequestError('cluster_unhealthy', `cluster is not healthy: ${blockers.join('; ')}`, { reasons: blockers });
    }
    await this.#deps.prepareStore();
    const ports = await this.#deps.createPorts(this.#deps.store);
    const options: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, seed: randomInt(2 ** 31), ...request };
    const id = randomUUID();
    // Registered before it exists, so the failover coordinator never takes it for an orphan.
    this.#local.set(id, { kind: 'running' });
    let session: SessionRecord;
    try {
      session = await this.#deps.store.createSession({ id, scope: topology!.scope ?? 'unknown', options, executor: observation.self! });
      this.#launch(session, ports);
    } catch (error) {
      this.#local.delete(id);
      if (error instanceof SessionConflictError) throw await this.#conflict(error.activeSessionId);
      throw error;
    }
    return session;
  }

  /** The change the running session awaits a decision on (approval mode), if any. */
  get pendingChange(): PendingChangeRecord | null {
    return this.#runner?.pendingChange ?? null;
  }

  /** A person's decision on `sessionId`'s pending change; the runner records it before it acts on it. */
  async decide(sessionId: string, decision: ApprovalDecision): Promise<PendingChangeRecord> {
    this.#requireLeader();
    const runner = this.#runner;
    if (runner === null || runner.sessionId !== sessionId) {
      throw new SessionRequestError('no_pending_change', `session ${sessionId} has no change awaiting approval on this agent`);
    }
    return runner.decide(decision);
  }

  /** A person acknowledges the failover halt of `sessionId`: the session ends, and a new one may start. */
  async acknowledge(sessionId: string, by: string, options: { force?: boolean } = {}): Promise<{ session: SessionRecord; failover: FailoverState }> {
    this.#requireLeader();
    return this.#failover.acknowledge(sessionId, by, options);
  }

  /** The 409 for a start while `activeId` is active; a halted session must be acknowledged first. */
  async #conflict(activeId: string): Promise<SessionRequestError> {
    const active = await this.#deps.store.getSession(activeId);
    if (active?.state !== 'halted') {
      return new SessionRequestError('session_active', `session ${activeId} is already active`, { sessionId: activeId });
    }
    const failover = (await this.#deps.store.getFailoverState(activeId))?.state ?? null;
    const phase = failover?.phase ?? null;
    // A protocol that gave up restoring waits for a forced acknowledgement; say so rather than "wait".
    const when = failover?.restore.unresolved ? 'with {"force": true}: the protocol gave up restoring its baseline' : 'once its baseline is restored';
    return new SessionRequestError(
      'session_halted',
      `session ${activeId} was halted (${active.reason ?? 'no reason recorded'}) and must be acknowledged first: ` +
        `POST /api/v1/sessions/${activeId}/acknowledge ${when} (failover protocol phase: ${phase ?? 'not started'})`,
      { sessionId: activeId, phase },
    );
  }

  /** Stops the running session: it ends on its best configuration, or the baseline. */
  async stop(sessionId: string): Promise<SessionRecord> {
    this.#requireLeader();
    const session = await this.#deps.store.getSession(sessionId);
    if (!session) throw new SessionRequestError('session_not_found', `no session ${sessionId}`);
    if (this.#runner?.sessionId !== sessionId) {
      throw new SessionRequestError('session_not_running', `session ${sessionId} is ${session.state}, not running here`, {
        state: session.state,
      });
    }
    this.#runner.requestStop('stopped on request');
    return session;
  }

  /** Resolves when the running session (if any) has ended; for tests and shutdown. */
  async settled(): Promise<SessionRecord | null> {
    return this.#running ? this.#running : null;
  }

  /** Looks for commands from other agents every `commandPollMs` while this node is the leader. */
  startCommandLoop(): void {
    this.#commandLoop.start();
  }

  /** Stops the command loop; a running session is halted, never left applying. */
  async close(): Promise<void> {
    this.#unsubscribe();
    await this.#commandLoop.stop();
    this.#runner?.halt('the agent is shutting down', { abandon: true });
    await this.#running;
    await this.#failover.close();
  }

  /**
   * Executes this cluster's pending commands (several clusters may share an external store). A
   * command past its expiry is rejected as `command_expired`, never executed: a start recorded while
   * no leader's agent ran must not run long after the person asked.
   */
  async #handleCommands(): Promise<void> {
    if (!this.isLeader()) return;
    // The scope sessions and forwarded commands are recorded under (start(), SessionService).
    const scope = observedScope(this.#deps.watcher.latest) ?? 'unknown';
    await this.#deps.prepareStore();
    const { store } = this.#deps;
    const self = this.#deps.watcher.latest?.self ?? 'unknown';
    const clock = this.#deps.now ?? Date.now;
    const now = () => new Date(clock());
    for (const command of await store.expireCommands(scope, now(), self)) {
      this.#deps.log.warn({ command: command.id, kind: command.kind, expiresAt: command.expiresAt }, 'command expired before it was executed');
    }
    for (const command of await store.pendingCommands(scope, now())) {
      let outcome: { status: 'done' | 'rejected'; result: Record<string, unknown> };
      try {
        if (command.expiresAt.getTime() <= clock()) {
          // Expired while the commands before it ran.
          outcome = { status: 'rejected', result: expiredCommandResult(command) };
        } else if (command.kind === 'start') {
          const session = await this.start(command.payload as StartRequest);
          outcome = { status: 'done', result: { sessionId: session.id } };
        } else if (command.kind === 'stop' && command.sessionId !== null) {
          await this.stop(command.sessionId);
          outcome = { status: 'done', result: { sessionId: command.sessionId } };
        } else if (command.kind === 'acknowledge' && command.sessionId !== null) {
          const by = typeof command.payload.by === 'string' ? command.payload.by : '';
          const { failover } = await this.acknowledge(command.sessionId, by, { force: command.payload.force === true });
          outcome = { status: 'done', result: { sessionId: command.sessionId, acknowledgement: failover.acknowledgement } };
        } else if ((command.kind === 'approve' || command.kind === 'reject') && command.sessionId !== null) {
          const decided = await this.decide(command.sessionId, decisionOf(command.kind, command.payload));
          outcome = { status: 'done', result: { sessionId: command.sessionId, pendingChange: decided } };
        } else {
          outcome = { status: 'rejected', result: { error: { code: 'unsupported_command', message: `cannot execute ${command.kind} yet` } } };
        }
      } catch (error) {
        const code = error instanceof SessionRequestError ? error.code : 'internal_error';
        outcome = { status: 'rejected', result: { error: { code, message: error instanceof Error ? error.message : String(error) } } };
      }
      await store.completeCommand(command.id, { ...outcome, handledBy: self, handledAt: now() });
      this.#deps.log.info({ command: command.id, kind: command.kind, status: outcome.status }, 'command executed');
    }
  }

  /**
   * After a restart: an approval-mode session this agent executed that waits for a decision goes on
   * waiting (its change is applied only if approved); any other is aborted by the coordinator.
   */
  async #resume(session: SessionRecord): Promise<boolean> {
    if (session.options.approval !== 'each' || (session.state !== 'running' && session.state !== 'finishing') || this.#runner !== null) return false;
    const pending = await this.#deps.store.getPendingChange(session.id);
    if (pending === null) return false;
    const ports = await this.#deps.createPorts(this.#deps.store);
    this.#local.set(session.id, { kind: 'running' });
    this.#launch(session, ports, pending);
    return true;
  }

  #launch(session: SessionRecord, ports: SessionPorts, resumeAt: PendingChangeRecord | null = null): void {
    const runner = new SessionRunner(ports, this.#deps.runnerSettings, session);
    this.#runner = runner;
    this.#lastRunner = runner;
    this.#deps.log.info(
      { session: session.id, options: session.options, ...(resumeAt ? { pendingChange: resumeAt.id } : {}) },
      resumeAt ? 'tuning session resumed: a change awaits approval' : 'tuning session started',
    );
    // A poll between the start checks and now reached no runner: the latest one is checked here.
    this.#holdStartConditions(this.#deps.watcher.latest);
    this.#running = (resumeAt ? runner.resume(resumeAt) : runner.run()).then(
      (final) => {
        this.#deps.log.info({ session: final.id, state: final.state, result: final.result, reason: final.reason }, 'tuning session ended');
        this.#local.set(session.id, this.#afterRun(runner));
        return final;
      },
      (error: unknown) => {
        // run() records failures itself; this only guards against the store being unreachable
        // (e.g. after a switchover this node's database is read-only).
        this.#deps.log.error({ err: error, session: session.id }, 'tuning session crashed');
        this.#local.set(session.id, this.#afterRun(runner, true));
        return session;
      },
    ).finally(() => {
      if (this.#runner === runner) this.#runner = null;
    });
  }

  /** How a runner ended, for the coordinator: halted ones start the protocol with the halt's detection. */
  #afterRun(runner: SessionRunner, crashed = false): LocalRun {
    const interruption = runner.interruption;
    if (interruption?.kind === 'halt') {
      const detection: Detection = this.#haltDetections.get(runner.sessionId) ?? {
        at: interruption.at,
        changedAt: null,
        reason: interruption.reason,
        events: [],
      };
      return { kind: 'halted', detection };
    }
    return crashed ? { kind: 'lost' } : { kind: 'ended' };
  }

  #onPoll(observation: ClusterObservation, events: TopologyEvent[]): void {
    // The coordinator's protocol step runs in the background, after this: the halt below comes first
    // (DESIGN.md §4 rule 8.1) and stops every apply at once.
    const detection = this.#failover.observe(observation, events);
    this.#detectedHalts.observe(observation, detection);
    const runner = this.#runner;
    if (runner && detection && runner.interruption?.kind !== 'halt') {
      this.#haltDetections.set(runner.sessionId, detection);
      this.#deps.log.warn({ session: runner.sessionId, events: detection.events }, `halting tuning session: ${detection.reason}`);
      runner.halt(detection.reason);
    }
    this.#holdStartConditions(observation);
  }

  /**
   * The start preconditions are held while a session runs, not only their changes seen (DESIGN.md
   * §4 rule 10): a paused cluster, no leader or an unhealthy member in `observation` halts it. An
   * observation without a topology is the coordinator's to judge (leader unreachable).
   */
  #holdStartConditions(observation: ClusterObservation | null): void {
    const runner = this.#runner;
    if (!runner || runner.interruption?.kind === 'halt' || !observation?.patroni.ok) return;
    const blockers = startBlockers(observation.patroni.value.topology);
    if (blockers.length === 0) return;
    const reason = `the start conditions no longer hold: ${blockers.join('; ')}`;
    this.#deps.log.warn({ session: runner.sessionId, blockers }, `halting tuning session: ${reason}`);
    runner.halt(reason);
  }

  #requireLeader(): ClusterObservation {
    const observation = this.#deps.watcher.latest;
    if (!observation?.patroni.ok) {
      throw new SessionRequestError('state_unavailable', "this node's Patroni has not answered yet");
    }
    if (!this.isLeader(observation)) {
      const leader = observation.patroni.value.topology.leader;
      throw new SessionRequestError('not_leader', `this agent runs beside ${observation.self ?? 'an unknown member'}, not the leader ${leader ?? '(none)'}`, {
        leader,
      });
    }
    return observation;
  }
}

/** A forwarded approve or reject command's payload as the runner takes it. */
function decisionOf(kind: 'approve' | 'reject', payload: Record<string, unknown>): ApprovalDecision {
  const by = typeof payload.by === 'string' ? payload.by : 'api';
  if (kind === 'reject') return { approve: false, by, ...(typeof payload.reason === 'string' ? { reason: payload.reason } : {}) };
  const changes = payload.changes;
  return { approve: true, by, ...(changes !== null && typeof changes === 'object' ? { changes: changes as Record<string, string | number | boolean> } : {}) };
}
