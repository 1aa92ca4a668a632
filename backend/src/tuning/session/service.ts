/**
 * What the session API does, wherever it is called: the leader's agent executes at once; any other
 * agent records a command in the leader's state database for the leader's agent to execute
 * (DESIGN.md §2), and answers 202. History is read from this node's copy of the store.
 */
import { randomUUID } from 'node:crypto';
import { addressOf } from '../../cluster/member-databases.js';
import { observedScope, type ClusterWatcher } from '../../observer/cluster-watcher.js';
import { PostgresError } from '../../postgres/errors.js';
import type { StateDatabase } from '../../state/state-database.js';
import type {
  AutoconfRemovalRecord,
  BaselineRecord,
  CommandKind,
  CommandRecord,
  EventRecord,
  IterationRecord,
  PatchRecord,
  SessionRecord,
} from '../../store/records.js';
import { leaderMember } from '../../topology/predicates.js';
import type { FailoverState } from '../failover/index.js';
import { SessionRequestError } from './errors.js';
import type { SessionManager, StartRequest } from './manager.js';

/** Recorded as a command for the leader's agent. */
export type Forwarded = { executed: false; command: CommandRecord; leader: string };

/** Executed here (the leader's agent), or recorded as a command for the leader's agent. */
export type RequestOutcome = { executed: true; session: SessionRecord } | Forwarded;

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
}

/** "The state database does not exist yet" on a member where no session ever ran. */
const UNDEFINED_DATABASE = '3D000';
const UNDEFINED_TABLE = '42P01';

export class SessionService {
  readonly #manager: SessionManager;
  readonly #watcher: ClusterWatcher;
  readonly #state: StateDatabase;

  constructor(manager: SessionManager, watcher: ClusterWatcher, state: StateDatabase) {
    this.#manager = manager;
    this.#watcher = watcher;
    this.#state = state;
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
    return this.#read(() => this.#state.local.listSessions(scope, 100), []);
  }

  async get(sessionId: string): Promise<SessionDetail> {
    const store = this.#state.local;
    const session = await this.#read(() => store.getSession(sessionId), null);
    if (!session) throw new SessionRequestError(404, 'session_not_found', `no session ${sessionId}`);
    const [baseline, autoconfRemovals, iterations, patches, events, failover] = await Promise.all([
      store.getBaseline(sessionId),
      store.listAutoconfRemovals(sessionId),
      store.listIterations(sessionId),
      store.listPatches(sessionId),
      store.listEvents(sessionId),
      // A store created before migration 2 reached this replica has no failover table yet.
      this.#read(() => store.getFailoverState(sessionId), null),
    ]);
    return { session, baseline, autoconfRemovals, iterations, patches, events, failover: failover?.state ?? null };
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

  async command(commandId: string): Promise<CommandRecord> {
    const command = await this.#read(() => this.#state.local.getCommand(commandId), null);
    if (!command) throw new SessionRequestError(404, 'command_not_found', `no command ${commandId}`);
    return command;
  }

  /** Records the request for the leader's agent, in the leader's state database. */
  async #forward(kind: CommandKind, sessionId: string | null, payload: Record<string, unknown>) {
    const observation = this.#watcher.latest;
    if (!observation?.patroni.ok) throw new SessionRequestError(503, 'state_unavailable', "this node's Patroni has not answered yet");
    const leader = leaderMember(observation.patroni.value.topology);
    const address = addressOf(leader);
    if (leader === null || address === null) {
      throw new SessionRequestError(409, 'no_leader', 'the cluster has no leader to execute the request', { leader: null });
    }
    try {
      const command = await this.#state.leaderStore(address).insertCommand({
        id: randomUUID(),
        kind,
        sessionId,
        payload,
        receivedBy: observation.self ?? 'unknown',
        createdAt: new Date(),
      });
      return { executed: false as const, command, leader: leader.name };
    } catch (error) {
      throw new SessionRequestError(409, 'not_leader', `cannot reach the leader ${leader.name}'s state database: ${(error as Error).message}`, {
        leader: leader.name,
      });
    }
  }

  async #read<T>(read: () => Promise<T>, whenMissing: T): Promise<T> {
    try {
      return await read();
    } catch (error) {
      // No session has ever run: the state database (or its tables) does not exist on this node yet.
      if (error instanceof PostgresError && (error.sqlState === UNDEFINED_DATABASE || error.sqlState === UNDEFINED_TABLE)) {
        return whenMissing;
      }
      throw error;
    }
  }

  #scope(): string {
    return observedScope(this.#watcher.latest) ?? 'unknown';
  }
}
