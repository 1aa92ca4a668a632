/**
 * One idle connection held open to the leader's PostgreSQL — this node's own when it leads, the
 * leader's (at its /cluster address, with this agent's credentials) when it does not — so that a
 * dropped connection (the postmaster died, the server shut down for a switchover or a demotion) is
 * known the moment the server closes it instead of at the next poll. A drop is only a hint: it is
 * reported to `onDropped` (which asks the watcher for a poll at once), and the poll decides whether
 * anything halts. The connection follows the watcher's polls: a new leader closes it and opens one
 * to that leader; a dropped or refused one is opened again on the next poll, never in a loop.
 */
import pg from 'pg';
import { addressOf, databaseUrlFor } from '../cluster/member-databases.js';
import { AGENT_APPLICATION_NAME } from '../postgres/connection.js';
import { toPostgresError } from '../postgres/errors.js';
import type { Topology } from '../topology/model.js';
import { leaderMember } from '../topology/predicates.js';
import type { ClusterObservation } from './cluster-watcher.js';

/** Which PostgreSQL to hold a connection to. */
export interface HeldTarget {
  member: string;
  connectionString: string;
}

/** An open connection: `dropped` settles with why the server (or the network) closed it. */
export interface HeldConnection {
  readonly dropped: Promise<Error>;
  /** Closes it on purpose; `dropped` may still settle, and is then ignored. */
  end(): Promise<void>;
}

export type OpenHeldConnection = (connectionString: string) => Promise<HeldConnection>;

export interface LeaderConnectionOptions {
  /** TUNER_DATABASE_URL: this node's PostgreSQL, and the credentials for the leader's. */
  ownDatabaseUrl: string;
  /** Told at once when the held connection drops (not when it is closed on purpose, nor when a connect fails). */
  onDropped(member: string, reason: Error): void;
  open?: OpenHeldConnection;
}

export interface LeaderConnectionStatus {
  member: string;
  state: 'connecting' | 'connected' | 'down';
}

/** The leader's PostgreSQL as the topology names it; null when nobody leads or /cluster gives no address. */
export function heldTarget(topology: Topology, self: string | null, ownDatabaseUrl: string): HeldTarget | null {
  const leader = leaderMember(topology);
  if (leader === null) return null;
  if (leader.name === self) return { member: leader.name, connectionString: ownDatabaseUrl };
  const address = addressOf(leader);
  return address === null ? null : { member: leader.name, connectionString: databaseUrlFor(ownDatabaseUrl, address) };
}

interface Current {
  target: HeldTarget;
  state: LeaderConnectionStatus['state'];
  connection: HeldConnection | null;
}

export class LeaderConnection {
  readonly #options: LeaderConnectionOptions;
  readonly #open: OpenHeldConnection;
  #current: Current | null = null;
  #closed = false;

  constructor(options: LeaderConnectionOptions) {
    this.#options = options;
    this.#open = options.open ?? openHeldConnection;
  }

  get status(): LeaderConnectionStatus | null {
    return this.#current === null ? null : { member: this.#current.target.member, state: this.#current.state };
  }

  /** Follows one poll: its leader is the target; a poll without Patroni's answer changes nothing. */
  observe(observation: ClusterObservation): void {
    if (!observation.patroni.ok) return;
    this.follow(heldTarget(observation.patroni.value.topology, observation.self, this.#options.ownDatabaseUrl));
  }

  /** Holds a connection to `target` (null: none): opens it, or re-opens it after a drop or a failed connect. */
  follow(target: HeldTarget | null): void {
    if (this.#closed) return;
    const current = this.#current;
    if (current !== null && target !== null && current.target.connectionString === target.connectionString) {
      if (current.state === 'down') this.#connect(current);
      return;
    }
    this.#release(current);
    this.#current = target === null ? null : { target, state: 'connecting', connection: null };
    if (this.#current !== null) this.#connect(this.#current);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const current = this.#current;
    this.#current = null;
    await current?.connection?.end().catch(() => undefined);
  }

  #connect(entry: Current): void {
    entry.state = 'connecting';
    this.#open(entry.target.connectionString).then(
      (connection) => {
        if (this.#current !== entry) {
          void connection.end().catch(() => undefined);
          return;
        }
        entry.connection = connection;
        entry.state = 'connected';
        void connection.dropped.then((reason) => {
          if (this.#current !== entry || entry.connection !== connection) return;
          entry.state = 'down';
          entry.connection = null;
          this.#options.onDropped(entry.target.member, reason);
        });
      },
      () => {
        // Refused or timed out: the poll sees what is wrong; the next one tries again.
        if (this.#current === entry) entry.state = 'down';
      },
    );
  }

  #release(entry: Current | null): void {
    if (entry?.connection) void entry.connection.end().catch(() => undefined);
    if (entry) entry.connection = null;
  }
}

const CONNECT_TIMEOUT_MS = 3_000;
/** TCP keepalive from this long idle on, so a peer that vanished without closing is found too. */
const KEEPALIVE_INITIAL_DELAY_MS = 1_000;

/** A dedicated pg.Client (not a pool: a pool would replace a dropped connection silently) that runs no statements. */
export async function openHeldConnection(connectionString: string): Promise<HeldConnection> {
  const client = new pg.Client({
    connectionString,
    application_name: AGENT_APPLICATION_NAME,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
  });
  let drop!: (reason: Error) => void;
  const dropped = new Promise<Error>((resolve) => (drop = resolve));
  // An idle client emits 'error' for the server's FATAL (57P01 on shutdown or postmaster death) and
  // for a socket closed under it, then 'end'; whichever comes first says why.
  client.on('error', (error) => drop(toPostgresError(error)));
  client.on('end', () => drop(toPostgresError(new Error('the server closed the connection'))));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw toPostgresError(error);
  }
  return { dropped, end: () => client.end() };
}
