/**
 * Where the state store lives (DESIGN.md §2): by default the `patroni_tuner` database inside the
 * tuned cluster, written on the leader and streamed to every member; or an external database
 * (TUNER_STATE_DATABASE_URL) shared by every agent. Reads are served from this node (a replica
 * has the replicated copy); writes go to the leader's copy.
 */
import { databaseUrlFor, type MemberAddress, type MemberDatabases } from '../cluster/member-databases.js';
import { PostgresPool, type Queryable } from '../postgres/connection.js';
import { DEFAULT_STATE_DATABASE, ensureStateDatabase } from '../store/database.js';
import { migrate } from '../store/migrations.js';
import { PgStore } from '../store/pg-store.js';
import type { Store } from '../store/store.js';

export interface StateDatabaseOptions {
  /** This node's PostgreSQL (TUNER_DATABASE_URL); its credentials reach the other members too. */
  databaseUrl: string;
  stateDatabaseUrl: string | null;
  /** A pool on this node's PostgreSQL, to create the state database. */
  admin: Queryable;
  members: MemberDatabases;
}

export class StateDatabase {
  readonly #options: StateDatabaseOptions;
  readonly #localPool: PostgresPool;
  readonly #local: Store;
  #prepared: Promise<void> | null = null;

  constructor(options: StateDatabaseOptions) {
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

  /** The store to write to from a replica's agent: the leader's copy (or the external database). */
  leaderStore(leader: MemberAddress): Store {
    if (this.external) return this.#local;
    return new PgStore(this.#options.members.pool(leader, DEFAULT_STATE_DATABASE));
  }

  async close(): Promise<void> {
    await this.#localPool.close();
  }
}
