/**
 * Which copy of the state store to read and write (DESIGN.md §2). By default it is the `patroni_tuner` database inside the
 * tuned cluster, written on the leader and streamed to every member; or an external database
 * (TUNER_STATE_DATABASE_URL) shared by every agent. Reads are served from this node (a replica
 * has the replicated copy), or from another member's copy when this node's PostgreSQL is down;
 * writes go to the leader's copy.
 */
import { addressOf, databaseUrlFor, type MemberAddress, type MemberDatabases } from '../members/member-databases.js';
import { PostgresPool, type Queryable } from '../postgres/connection.js';
import { DEFAULT_STATE_DATABASE, ensureStateDatabase } from './database.js';
import { migrate } from './migrations.js';
import { PgStore } from './pg-store.js';
import type { Store } from './store.js';
import type { Topology } from '../topology/model.js';
import { leaderMember } from '../topology/predicates.js';

/** A copy of the store to read, named for an error message that says what was tried. */
export interface StoreSource {
  name: string;
  store: Store;
}

/** What the session API needs of the state database (a port, so it can be tested with fakes). */
export interface StoreCopyLookup {
  readSources(topology: Topology | null, self: string | null): StoreSource[];
  writableStore(topology: Topology | null): { leader: string; store: Store } | null;
}

export interface StoreCopiesOptions {
  /** This node's PostgreSQL (TUNER_DATABASE_URL); its credentials reach the other members too. */
  databaseUrl: string;
  stateDatabaseUrl: string | null;
  /** A pool on this node's PostgreSQL, to create the state database. */
  admin: Queryable;
  members: MemberDatabases;
}

export class StoreCopies implements StoreCopyLookup {
  readonly #options: StoreCopiesOptions;
  readonly #localPool: PostgresPool;
  readonly #local: Store;
  #prepared: Promise<void> | null = null;

  constructor(options: StoreCopiesOptions) {
    this.#options = options;
    this.#localPool = new PostgresPool({
      connectionString: options.stateDatabaseUrl ?? databaseUrlFor(options.databaseUrl, null, DEFAULT_STATE_DATABASE),
      maxConnections: 3,
    });
    this.#local = new PgStore(this.#localPool);
  }

  get external(): boolean {
    return this.#options.stateDatabaseUrl !== null;
  }

  /** The store as this node sees it: for reads on any member. */
  get local(): Store {
    return this.#local;
  }

  /**
   * Creates the state database (in-cluster mode) and applies migrations. Only the leader's agent, or
   * any agent with an external database, calls this; a failure is retried on the next call.
   */
  prepare(): Promise<void> {
    this.#prepared ??= (async () => {
      if (!this.external) await ensureStateDatabase(this.#options.admin, DEFAULT_STATE_DATABASE);
      await migrate(this.#localPool);
    })().catch((error: unknown) => {
      this.#prepared = null;
      throw error;
    });
    return this.#prepared;
  }

  /**
   * Where the store can be read, in order: this node's copy; then, in-cluster, every other member's
   * replicated copy (the leader's first) at the address the latest /cluster gives, with this node's
   * credentials. An external database is the only source.
   */
  readSources(topology: Topology | null, self: string | null): StoreSource[] {
    if (this.external) return [{ name: 'the external state database', store: this.#local }];
    const sources: StoreSource[] = [{ name: `this node's copy${self === null ? '' : ` (${self})`}`, store: this.#local }];
    const others = (topology?.members ?? []).filter((member) => member.name !== self);
    others.sort((a, b) => Number(b.name === topology?.leader) - Number(a.name === topology?.leader));
    for (const member of others) {
      const address = addressOf(member);
      if (address !== null) sources.push({ name: `${member.name}'s copy (${address.host}:${address.port})`, store: this.#memberStore(address) });
    }
    return sources;
  }

  /**
   * The store to write to from a replica's agent: the leader's copy (or the external database); null
   * when the topology names no leader with an address.
   */
  writableStore(topology: Topology | null): { leader: string; store: Store } | null {
    const leader = topology === null ? null : leaderMember(topology);
    const address = addressOf(leader);
    if (leader === null || address === null) return null;
    return { leader: leader.name, store: this.external ? this.#local : this.#memberStore(address) };
  }

  #memberStore(address: MemberAddress): Store {
    return new PgStore(this.#options.members.pool(address, DEFAULT_STATE_DATABASE));
  }

  async close(): Promise<void> {
    await this.#localPool.close();
  }
}
