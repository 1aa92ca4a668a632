/**
 * The leader's side of tuning: starts sessions (one per cluster), runs them in the background,
 * stops them on request, halts them at once on a topology change, and executes the commands other
 * members' agents recorded in the state store.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { ClusterObservation, ClusterWatcher } from '../../observer/cluster-watcher.js';
import type { SessionOptions, SessionRecord } from '../../store/records.js';
import { SessionConflictError, type Store } from '../../store/store.js';
import type { TopologyEvent } from '../../topology/diff.js';
import { haltTrigger } from '../failover/index.js';
import { SessionRequestError } from './errors.js';
import type { SessionPorts } from './ports.js';
import { startBlockers } from './preconditions.js';
import { SessionRunner, type RunnerSettings, type SessionProgress } from './runner.js';

export interface SessionLog {
  info(detail: Record<string, unknown>, message: string): void;
  warn(detail: Record<string, unknown>, message: string): void;
  error(detail: Record<string, unknown>, message: string): void;
}

export interface SessionManagerDeps {
  watcher: ClusterWatcher;
  /** The state store on this node; the manager writes only while this node is the leader. */
  store: Store;
  /** Creates the state database and applies migrations; called before the first write as leader. */
  prepareStore(): Promise<void>;
  createPorts(store: Store): Promise<SessionPorts>;
  runnerSettings: RunnerSettings;
  log: SessionLog;
  /** How often the leader looks for commands recorded by other agents. */
  commandPollMs: number;
}

export type StartRequest = Partial<Omit<SessionOptions, 'seed'>> & { seed?: number };

export const DEFAULT_SESSION_OPTIONS: Omit<SessionOptions, 'seed'> = {
  iterations: 30,
  iterationSeconds: 120,
  warmupSeconds: 30,
  objective: 'mean_query_time',
  knobs: [],
};

export class SessionManager {
  readonly #deps: SessionManagerDeps;
  #runner: SessionRunner | null = null;
  /** The last session this agent executed, kept after it ends so metrics show how it ended. */
  #lastRunner: SessionRunner | null = null;
  #running: Promise<SessionRecord> | null = null;
  #commandTimer: NodeJS.Timeout | null = null;
  #commandsInFlight: Promise<void> | null = null;
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(deps: SessionManagerDeps) {
    this.#deps = deps;
    this.#unsubscribe = deps.watcher.onTopologyEvents((events, observation) => this.#onTopology(events, observation));
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
    if (!observation?.patroni.ok || !observation.postgres.ok || observation.self === null) return false;
    return observation.patroni.value.topology.leader === observation.self && !observation.postgres.value.inRecovery;
  }

  /** Starts a session on this (leader) node after checking the cluster; returns its first record. */
  async start(request: StartRequest): Promise<SessionRecord> {
    const observation = this.#requireLeader();
    const topology = observation.patroni.ok ? observation.patroni.value.topology : null;
    const blockers = topology ? startBlockers(topology) : ['the topology is unknown'];
    if (blockers.length > 0) {
      throw new SessionRequestError(409, 'cluster_unhealthy', `cluster is not healthy: ${blockers.join('; ')}`, { reasons: blockers });
    }
    await this.#deps.prepareStore();
    const options: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, seed: randomInt(2 ** 31), ...request };
    let session: SessionRecord;
    try {
      session = await this.#deps.store.createSession({
        id: randomUUID(),
        scope: topology!.scope ?? 'unknown',
        options,
        executor: observation.self!,
      });
    } catch (error) {
      if (error instanceof SessionConflictError) {
        throw new SessionRequestError(409, 'session_active', `session ${error.activeSessionId} is already active`, {
          sessionId: error.activeSessionId,
        });
      }
      throw error;
    }
    this.#launch(session, await this.#deps.createPorts(this.#deps.store));
    return session;
  }

  /** Stops the running session: it ends on its best configuration, or the baseline. */
  async stop(sessionId: string): Promise<SessionRecord> {
    this.#requireLeader();
    const session = await this.#deps.store.getSession(sessionId);
    if (!session) throw new SessionRequestError(404, 'session_not_found', `no session ${sessionId}`);
    if (this.#runner?.sessionId !== sessionId) {
      throw new SessionRequestError(409, 'session_not_running', `session ${sessionId} is ${session.state}, not running here`, {
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
    const tick = () => {
      if (this.#closed) return;
      this.#commandsInFlight = this.#handleCommands()
        .catch((error: unknown) => this.#deps.log.warn({ err: error }, 'could not read pending commands'))
        .finally(() => {
          this.#commandsInFlight = null;
          if (!this.#closed) this.#commandTimer = setTimeout(tick, this.#deps.commandPollMs);
        });
    };
    this.#commandTimer = setTimeout(tick, this.#deps.commandPollMs);
  }

  /** Stops the command loop; a running session is halted, never left applying. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    if (this.#commandTimer) clearTimeout(this.#commandTimer);
    await this.#commandsInFlight;
    this.#runner?.halt('the agent is shutting down');
    await this.#running;
  }

  async #handleCommands(): Promise<void> {
    if (!this.isLeader()) return;
    await this.#deps.prepareStore();
    const { store } = this.#deps;
    const self = this.#deps.watcher.latest?.self ?? 'unknown';
    for (const command of await store.pendingCommands()) {
      let outcome: { status: 'done' | 'rejected'; result: Record<string, unknown> };
      try {
        if (command.kind === 'start') {
          const session = await this.start(command.payload as StartRequest);
          outcome = { status: 'done', result: { sessionId: session.id } };
        } else if (command.kind === 'stop' && command.sessionId !== null) {
          await this.stop(command.sessionId);
          outcome = { status: 'done', result: { sessionId: command.sessionId } };
        } else {
          outcome = { status: 'rejected', result: { error: { code: 'unsupported_command', message: `cannot execute ${command.kind} yet` } } };
        }
      } catch (error) {
        const code = error instanceof SessionRequestError ? error.code : 'internal_error';
        outcome = { status: 'rejected', result: { error: { code, message: error instanceof Error ? error.message : String(error) } } };
      }
      await store.completeCommand(command.id, { ...outcome, handledBy: self, handledAt: new Date() });
      this.#deps.log.info({ command: command.id, kind: command.kind, status: outcome.status }, 'command executed');
    }
  }

  #launch(session: SessionRecord, ports: SessionPorts): void {
    const runner = new SessionRunner(ports, this.#deps.runnerSettings, session);
    this.#runner = runner;
    this.#lastRunner = runner;
    this.#deps.log.info({ session: session.id, options: session.options }, 'tuning session started');
    this.#running = runner.run().then(
      (final) => {
        this.#deps.log.info({ session: final.id, state: final.state, result: final.result, reason: final.reason }, 'tuning session ended');
        return final;
      },
      (error: unknown) => {
        // run() records failures itself; this only guards against the store being unreachable.
        this.#deps.log.error({ err: error, session: session.id }, 'tuning session crashed');
        return session;
      },
    ).finally(() => {
      if (this.#runner === runner) this.#runner = null;
    });
  }

  #onTopology(events: TopologyEvent[], observation: ClusterObservation): void {
    if (!this.#runner) return;
    // Topology changes that halt a running session at once (DESIGN.md §4 rule 8.1).
    const trigger = haltTrigger({
      events,
      executorIsReplica: observation.patroni.ok && observation.postgres.ok && !this.isLeader(observation),
    });
    if (trigger === null) return;
    this.#deps.log.warn({ session: this.#runner.sessionId, events: trigger.events }, `halting tuning session: ${trigger.reason}`);
    this.#runner.halt(trigger.reason);
  }

  #requireLeader(): ClusterObservation {
    const observation = this.#deps.watcher.latest;
    if (!observation?.patroni.ok) {
      throw new SessionRequestError(503, 'state_unavailable', "this node's Patroni has not answered yet");
    }
    if (!this.isLeader(observation)) {
      const leader = observation.patroni.value.topology.leader;
      throw new SessionRequestError(409, 'not_leader', `this agent runs beside ${observation.self ?? 'an unknown member'}, not the leader ${leader ?? '(none)'}`, {
        leader,
      });
    }
    return observation;
  }
}
