/**
 * Polls this node's Patroni and PostgreSQL every poll interval, keeps the latest observation, and
 * reports topology changes as events. Failures are observations too: they are counted, kept with
 * their reason and retried on the next tick; nothing here ever throws out of the loop.
 *
 * Between interval polls, a poll can be asked for at once (`pollNow`: the connection held to the
 * leader's PostgreSQL was lost), and a Patroni request that newly fails is polled again at once,
 * once: a halt then waits for neither the interval nor a second look, and a Patroni that stays
 * down is asked once per interval, never in a loop.
 */
import type { PatroniApi } from '../patroni/client.js';
import type { NodeStatus } from '../patroni/responses.js';
import type { Queryable } from '../postgres/connection.js';
import { readInRecovery } from '../postgres/role.js';
import { diffTopology, type TopologyEvent } from '../topology/diff.js';
import type { Topology } from '../topology/model.js';
import { leaderMember } from '../topology/predicates.js';
import { probe, type ProbeResult } from './probe.js';
import type { ClusterObservation, LostConnection, TimedTopologyEvent, WatcherStats } from './observation.js';
import { identifySelf } from './self-member.js';

export interface ClusterWatcherOptions {
  patroni: PatroniApi;
  postgres: Queryable;
  /** The configured Patroni URL, to find this agent's member on Patroni < 3.2. */
  patroniUrl: string;
  /** TUNER_MEMBER_NAME: the member's name when Patroni < 3.2 does not give it and the URL is ambiguous. */
  memberName?: string | null;
  pollIntervalMs: number;
  now?: () => number;
  /** How many recent events the API can show. */
  eventHistory?: number;
  /**
   * Told when a topology listener throws. Listeners are isolated from the poll and from each other:
   * one that throws must neither stop the poll loop nor keep the next listener (say, the failover
   * halt) from hearing the events. Default: a process warning.
   */
  onListenerError?: (error: unknown) => void;
  /** The held connection to the leader's PostgreSQL, when lost (read at every poll); absent: none is held. */
  leaderPostgresLost?: () => LostConnection | null;
}

export type TopologyListener = (events: TopologyEvent[], observation: ClusterObservation) => void;
/** Told after every poll, with the topology events it found (often none). */
export type PollListener = (observation: ClusterObservation, events: TopologyEvent[]) => void;

export class ClusterWatcher {
  readonly #options: ClusterWatcherOptions;
  readonly #now: () => number;
  readonly #listeners = new Set<TopologyListener>();
  readonly #pollListeners = new Set<PollListener>();
  readonly #recentEvents: TimedTopologyEvent[] = [];
  #latest: ClusterObservation | null = null;
  #lastTopology: Topology | null = null;
  #stats: WatcherStats = { polls: 0, patroniErrors: 0, postgresErrors: 0, lastSuccessAt: null };
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<ClusterObservation> | null = null;
  /** pollNow() arrived while a poll was under way: one more poll follows it. */
  #pollRequested = false;
  #running = false;

  constructor(options: ClusterWatcherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get latest(): ClusterObservation | null {
    return this.#latest;
  }

  get stats(): Readonly<WatcherStats> {
    return { ...this.#stats };
  }

  get recentEvents(): readonly TimedTopologyEvent[] {
    return [...this.#recentEvents];
  }

  onTopologyEvents(listener: TopologyListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onPoll(listener: PollListener): () => void {
    this.#pollListeners.add(listener);
    return () => this.#pollListeners.delete(listener);
  }

  /** Polls once; a poll already under way is shared rather than doubled. */
  poll(): Promise<ClusterObservation> {
    return this.#inFlight ?? this.#begin(false);
  }

  /**
   * Polls at once rather than at the next interval: something outside the poll (a lost
   * connection) says the cluster may have changed. A poll under way may have started before that
   * change, so exactly one more poll follows it; further calls meanwhile add nothing.
   */
  pollNow(): void {
    if (this.#inFlight) this.#pollRequested = true;
    else void this.#begin(false);
  }

  /**
   * The connection held to the leader's PostgreSQL is lost: tells the poll listeners at once,
   * without waiting for Patroni (whose REST API took over a second to answer on the lab while its
   * PostgreSQL was gone), then polls at once. What they are told is the latest poll's observation at
   * this moment, with the loss — and, when the lost PostgreSQL is this node's, its PostgreSQL
   * unreachable. Before any poll reached Patroni there is nothing to tell: the poll decides.
   */
  observeLost(lost: LostConnection): void {
    const latest = this.#latest;
    if (latest?.patroni.ok) {
      const ownPostgres = lost.member === latest.self ? { postgres: { ok: false as const, code: 'PGT_HELD_CONNECTION_LOST', message: lost.reason } } : {};
      const observation: ClusterObservation = { ...latest, at: this.#now(), leaderPostgresLost: lost, ...ownPostgres };
      for (const listener of this.#pollListeners) this.#tell(() => listener(observation, []));
    }
    this.pollNow();
  }

  /** Polls now and then every interval, measured from the end of one poll to the start of the next. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.poll();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#pollRequested = false;
    this.#clearTimer();
    await this.#inFlight;
  }

  #begin(isRetry: boolean): Promise<ClusterObservation> {
    this.#clearTimer();
    const previous = this.#latest;
    const run = this.#pollOnce().finally(() => {
      this.#inFlight = null;
    });
    this.#inFlight = run;
    // Registered before any caller's await, so the next poll is decided first.
    void run.then((observation) => this.#afterPoll(previous, observation, isRetry));
    return run;
  }

  /** What follows a poll: the poll pollNow() asked for, one re-poll after a new Patroni failure, or the interval. */
  #afterPoll(previous: ClusterObservation | null, observation: ClusterObservation, wasRetry: boolean): void {
    if (this.#pollRequested) {
      this.#pollRequested = false;
      void this.#begin(false);
    } else if (this.#running && !wasRetry && newPatroniFailure(previous, observation)) {
      void this.#begin(true);
    } else if (this.#running) {
      this.#timer = setTimeout(() => void this.poll(), this.#options.pollIntervalMs);
    }
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #pollOnce(): Promise<ClusterObservation> {
    const at = this.#now();
    const [patroni, postgres] = await Promise.all([this.#probePatroni(), this.#probePostgres()]);
    const self = patroni.ok
      ? (this.#options.memberName ?? identifySelf(patroni.value.node, patroni.value.topology, this.#options.patroniUrl))
      : null;
    const leader = patroni.ok ? await this.#probeLeader(patroni.value.topology, self) : null;
    const lost = this.#options.leaderPostgresLost?.() ?? null;
    const observation: ClusterObservation = { at, patroni, postgres, self, leader, ...(lost === null ? {} : { leaderPostgresLost: lost }) };
    this.#stats.polls += 1;
    if (!patroni.ok) this.#stats.patroniErrors += 1;
    if (!postgres.ok) this.#stats.postgresErrors += 1;
    if (patroni.ok && postgres.ok) this.#stats.lastSuccessAt = at;
    this.#latest = observation;
    const events = patroni.ok ? this.#record(patroni.value.topology, observation) : [];
    for (const listener of this.#pollListeners) this.#tell(() => listener(observation, events));
    return observation;
  }

  #record(topology: Topology, observation: ClusterObservation): TopologyEvent[] {
    const events = diffTopology(this.#lastTopology, topology);
    this.#lastTopology = topology;
    if (events.length === 0) return events;
    const limit = this.#options.eventHistory ?? 100;
    for (const event of events) this.#recentEvents.push({ at: observation.at, event });
    this.#recentEvents.splice(0, Math.max(0, this.#recentEvents.length - limit));
    for (const listener of this.#listeners) this.#tell(() => listener(events, observation));
    return events;
  }

  #tell(notify: () => void): void {
    try {
      notify();
    } catch (error) {
      (this.#options.onListenerError ?? warnListenerError)(error);
    }
  }

  #probeLeader(topology: Topology, self: string | null): Promise<ProbeResult<NodeStatus>> | null {
    const leader = leaderMember(topology);
    if (leader === null || leader.name === self || leader.apiUrl === null) return null;
    return probe(this.#options.patroni.getNodeStatusAt(leader.apiUrl));
  }

  #probePatroni(): Promise<ClusterObservation['patroni']> {
    const { patroni } = this.#options;
    return probe(
      Promise.all([patroni.getNodeStatus(), patroni.getCluster()]).then(([node, topology]) => ({
        node,
        // Patroni < 3.2 leaves the scope out of /cluster; /patroni always has it.
        topology: { ...topology, scope: topology.scope ?? node.scope },
      })),
    );
  }

  #probePostgres(): Promise<ClusterObservation['postgres']> {
    return probe(readInRecovery(this.#options.postgres).then((inRecovery) => ({ inRecovery })));
  }
}

/** A Patroni request (this node's, or the leader's REST API) failed in `next` that had not failed in `previous`. */
function newPatroniFailure(previous: ClusterObservation | null, next: ClusterObservation): boolean {
  const patroniFailed = (o: ClusterObservation | null) => o !== null && !o.patroni.ok;
  const leaderFailed = (o: ClusterObservation | null) => o?.leader != null && !o.leader.ok;
  return (patroniFailed(next) && !patroniFailed(previous)) || (leaderFailed(next) && !leaderFailed(previous));
}

function warnListenerError(error: unknown): void {
  process.emitWarning(`a topology listener threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
