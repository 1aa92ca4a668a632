/**
 * One idle connection held open to the leader's PostgreSQL — this node's own when it leads, the
 * leader's (at its /cluster address, with this agent's credentials) when it does not — so that the
 * leader's PostgreSQL going away (the postmaster died, the server shut down for a switchover or a
 * demotion) is known the moment the server closes the connection, not at the next poll, and before
 * the leader's own Patroni notices. A dropped connection is opened again at once: when that fails,
 * the connection is *lost* — reported to `onLost` (which asks the watcher for a poll at once) and
 * to every poll until a connection opens again — and the poll's trigger decides whether anything
 * halts. A drop that reconnects (a person terminated the backend) is nothing; a connection that
 * could never be opened (say pg_hba refuses this agent) is not a loss either, so it cannot halt
 * every session. The connection follows the watcher's polls: a new leader closes it and opens one
 * to that leader; a refused or lost one is tried again on the next poll, never in a loop.
 */
import pg from 'pg';
import { addressOf, databaseUrlFor } from '../members/member-databases.js';
import { AGENT_APPLICATION_NAME } from '../postgres/connection.js';
import { toPostgresError } from '../postgres/errors.js';
import type { Topology } from '../topology/model.js';
import { leaderMember } from '../topology/predicates.js';
import type { ClusterObservation, LostConnection } from './observation.js';

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
  /** Told at once when the held connection is lost (it dropped and a new one failed). */
  onLost(lost: LostConnection): void;
  open?: OpenHeldConnection;
}

export interface LeaderConnectionStatus {
  member: string;
  /** `unavailable`: no connection could be opened, and none was held before. */
  state: 'connecting' | 'connected' | 'lost' | 'unavailable';
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
  /** Why the connection is lost, until one opens again. */
  lost: string | null;
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

  /** The held connection, when lost and not opened again since (for the watcher's observation). */
  get lost(): LostConnection | null {
    const current = this.#current;
    return current?.lost == null ? null : { member: current.target.member, reason: current.lost };
  }

  /** Follows one poll: its leader is the target; a poll without Patroni's answer changes nothing. */
  observe(observation: ClusterObservation): void {
    if (!observation.patroni.ok) return;
    this.follow(heldTarget(observation.patroni.value.topology, observation.self, this.#options.ownDatabaseUrl));
  }

  /** Holds a connection to `target` (null: none): opens it, or tries again after a loss or a refusal. */
  follow(target: HeldTarget | null): void {
    if (this.#closed) return;
    const current = this.#current;
    if (current !== null && target !== null && current.target.connectionString === target.connectionString) {
      if (current.state === 'lost' || current.state === 'unavailable') this.#connect(current, null);
      return;
    }
    this.#release(current);
    this.#current = target === null ? null : { target, state: 'connecting', connection: null, lost: null };
    if (this.#current !== null) this.#connect(this.#current, null);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const current = this.#current;
    this.#current = null;
    await current?.connection?.end().catch(() => undefined);
  }

  /** Opens a connection for `entry`; `dropped` is why the previous one just dropped, if it did. */
  #connect(entry: Current, dropped: Error | null): void {
    entry.state = 'connecting';
    this.#open(entry.target.connectionString).then(
      (connection) => {
        if (this.#current !== entry) {
          void connection.end().catch(() => undefined);
          return;
        }
        entry.connection = connection;
        entry.state = 'connected';
        entry.lost = null;
        void connection.dropped.then((reason) => {
          if (this.#current !== entry || entry.connection !== connection) return;
          entry.connection = null;
          this.#connect(entry, reason);
        });
      },
      (error: unknown) => {
        if (this.#current !== entry) return;
        if (dropped !== null) {
          entry.lost = `${dropped.message}; a new connection failed: ${error instanceof Error ? error.message : String(error)}`;
          entry.state = 'lost';
          this.#options.onLost({ member: entry.target.member, reason: entry.lost });
        } else {
          entry.state = entry.lost === null ? 'unavailable' : 'lost';
        }
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
