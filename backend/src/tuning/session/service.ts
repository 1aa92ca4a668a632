/**
 * What the session API does, wherever it is called: the leader's agent executes at once; any other
 * agent records a command, scoped to this cluster and with an expiry, in the leader's state database
 * for the leader's agent to execute (DESIGN.md §2), and answers 202. History is read from this node's
 * copy of the store, or, when this node's PostgreSQL is down, from another member's replicated copy;
 * when no copy answers, the answer is 503 `state_unavailable` naming what was tried.
 */
import { randomUUID } from 'node:crypto';
import { redact } from '../../config/config.js';
import { observedScope, type ClusterObservation } from '../../observer/observation.js';
import { PostgresUnreachableError } from '../../postgres/errors.js';
import type { StoreCopyLookup } from '../../store/store-copies.js';
import { isMissingStateStore } from '../../store/database.js';
import type { CommandKind, CommandRecord, PendingChangeRecord, SessionRecord } from '../../model/records.js';
import { expiredCommandResult } from '../../model/record-states.js';
import type { Store } from '../../store/store.js';
import { SessionRequestError } from '../refusal.js';
import type { SessionManager } from './manager.js';
import type { AcknowledgeOutcome, ApprovalDecision, DecisionOutcome, RequestOutcome, SessionApi, SessionDetail, StartRequest } from './types.js';

export interface SessionServiceOptions {
  /** How long a forwarded command may wait for the leader's agent (TUNER_COMMAND_TTL). */
  commandTtlMs: number;
  now?: () => number;
}

export class SessionService implements SessionApi {
  readonly #manager: Pick<SessionManager, 'isLeader' | 'start' | 'stop' | 'acknowledge' | 'decide'>;
  readonly #watcher: { readonly latest: ClusterObservation | null };
  readonly #state: StoreCopyLookup;
  readonly #commandTtlMs: number;
  readonly #now: () => number;

  constructor(
    manager: Pick<SessionManager, 'isLeader' | 'start' | 'stop' | 'acknowledge' | 'decide'>,
    watcher: { readonly latest: ClusterObservation | null },
    state: StoreCopyLookup,
    options: SessionServiceOptions,
  ) {
    this.#manager = manager;
    this.#watcher = watcher;
    this.#state = state;
    this.#commandTtlMs = options.commandTtlMs;
    this.#now = options.now ?? Date.now;
  }

  async start(request: StartRequest): Promise<RequestOutcome> {
    if (this.#manager.isLeader()) return { executed: true, session: await this.#manager.start(request) };
    return this.#forward('start', null, request);
  }

  async stop(sessionId: string): Promise<RequestOutcome> {
    if (this.#manager.isLeader()) return { executed: true, session: await this.#manager.stop(sessionId) };
    return this.#forward('stop', sessionId, {});
  }

  async list(): Promise<SessionRecord[]> {
    const scope = this.#scope();
    return this.#read('the session list', (store) => store.listSessions(scope, 100), []);
  }

  async get(sessionId: string): Promise<SessionDetail> {
    const detail = await this.#read(
      `session ${sessionId}`,
      async (store): Promise<SessionDetail | null> => {
        const session = await store.getSession(sessionId);
        if (session === null) return null;
        const [baseline, autoconfRemovals, iterations, patches, events, failover, pendingChanges] = await Promise.all([
          store.getBaseline(sessionId),
          store.listAutoconfRemovals(sessionId),
          store.listIterations(sessionId),
          store.listPatches(sessionId),
          store.listEvents(sessionId),
          // A store created before migration 2 (4) reached this copy has no failover (pending changes) table yet.
          store.getFailoverState(sessionId).catch((error: unknown) => (isMissingStateStore(error) ? null : Promise.reject(error))),
          store.listPendingChanges(sessionId).catch((error: unknown) => (isMissingStateStore(error) ? [] : Promise.reject(error))),
        ]);
        return { session, baseline, autoconfRemovals, iterations, patches, events, failover: failover?.state ?? null, pendingChanges };
      },
      null,
    );
    if (!detail) throw new SessionRequestError('session_not_found', `no session ${sessionId}`);
    return detail;
  }

  /**
   * A person acknowledges a failover halt; executed by the leader's agent. `force` is needed (and
   * recorded) when the protocol gave up restoring the baseline.
   */
  async acknowledge(sessionId: string, by: string, options: { force?: boolean } = {}): Promise<AcknowledgeOutcome> {
    const force = options.force === true;
    if (this.#manager.isLeader()) return { executed: true, ...(await this.#manager.acknowledge(sessionId, by, { force })) };
    return this.#forward('acknowledge', sessionId, { by, force });
  }

  /** The change `sessionId` awaits a decision on, from the first copy of the store that answers. */
  async pendingChange(sessionId: string): Promise<PendingChangeRecord> {
    const pending = await this.#read(`the pending change of session ${sessionId}`, (store) => store.getPendingChange(sessionId), null);
    if (!pending) throw new SessionRequestError('no_pending_change', `session ${sessionId} has no change awaiting approval`);
    return pending;
  }

  /** A person's decision on the pending change; executed by the leader's agent, forwarded by the others. */
  async decide(sessionId: string, decision: ApprovalDecision): Promise<DecisionOutcome> {
    if (this.#manager.isLeader()) return { executed: true, pendingChange: await this.#manager.decide(sessionId, decision) };
    return decision.approve
      ? this.#forward('approve', sessionId, { by: decision.by, ...(decision.changes ? { changes: decision.changes } : {}) })
      : this.#forward('reject', sessionId, { by: decision.by, ...(decision.reason ? { reason: decision.reason } : {}) });
  }

  /**
   * A forwarded request's outcome. A command still pending past its expiry is shown rejected with
   * `command_expired`: no leader's agent will execute it (the leader's agent records that itself).
   */
  async command(commandId: string): Promise<CommandRecord> {
    const command = await this.#read(`command ${commandId}`, (store) => store.getCommand(commandId), null);
    if (!command) throw new SessionRequestError('command_not_found', `no command ${commandId}`);
    if (command.status === 'pending' && command.expiresAt.getTime() <= this.#now()) {
      return { ...command, status: 'rejected', result: expiredCommandResult(command) };
    }
    return command;
  }

  /** Records the request for the leader's agent, in the leader's state database. */
  async #forward(kind: CommandKind, sessionId: string | null, payload: Record<string, unknown>) {
    const observation = this.#watcher.latest;
    if (!observation?.patroni.ok) throw new SessionRequestError('state_unavailable', "this node's Patroni has not answered yet");
    const writable = this.#state.writableStore(observation.patroni.value.topology);
    if (writable === null) {
      throw new SessionRequestError('no_leader', 'the cluster has no leader to execute the request', { leader: null });
    }
    const createdAt = this.#now();
    try {
      const command = await writable.store.insertCommand({
        id: randomUUID(),
        kind,
        scope: this.#scope(),
        sessionId,
        payload,
        receivedBy: observation.self ?? 'unknown',
        createdAt: new Date(createdAt),
        expiresAt: new Date(createdAt + this.#commandTtlMs),
      });
      return { executed: false as const, command, leader: writable.leader };
    } catch (error) {
      throw new SessionRequestError('not_leader', `cannot reach the leader ${writable.leader}'s state database: ${redact((error as Error).message)}`, {
        leader: writable.leader,
      });
    }
  }

  /**
   * Reads from the first copy of the store that answers: this node's, then the other members'. A
   * copy whose PostgreSQL cannot be reached is skipped; none answering is 503 `state_unavailable`.
   */
  async #read<T>(what: string, read: (store: Store) => Promise<T>, whenMissing: T): Promise<T> {
    const observation = this.#watcher.latest;
    const topology = observation?.patroni.ok ? observation.patroni.value.topology : null;
    const failures: string[] = [];
    for (const source of this.#state.readSources(topology, observation?.self ?? null)) {
      try {
        return await read(source.store);
      } catch (error) {
        // No session has ever run: the state database (or its tables) does not exist yet.
        if (isMissingStateStore(error)) return whenMissing;
        if (!(error instanceof PostgresUnreachableError)) throw error;
        failures.push(`${source.name}: ${redact(error.message)}`);
      }
    }
    throw new SessionRequestError('state_unavailable', `cannot read ${what}: no copy of the state store answered (tried ${failures.join('; ')})`);
  }

  #scope(): string {
    return observedScope(this.#watcher.latest) ?? 'unknown';
  }
}
