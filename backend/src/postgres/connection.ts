/**
 * The agent's connection pool to this node's PostgreSQL, behind the narrow `Queryable` interface the
 * readers take. Timeouts are short on purpose: a hung or unreachable server must turn into a typed
 * error within seconds, never into a scrape or a poll that waits forever.
 */
import pg from 'pg';
import { type PostgresError, PostgresQueryError, toPostgresError } from './errors.js';
import { tagStatement } from './statement-tag.js';

/** What the readers need from a database: run one statement, get its rows. */
export interface Queryable {
  /** Rejects with a PostgresError. */
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** A Queryable that can also run several statements on one connection, as one transaction. */
export interface TransactionalDb extends Queryable {
  /**
   * Runs `fn` with a Queryable bound to one connection inside BEGIN … COMMIT; rolls back and rethrows
   * when `fn` (or COMMIT) fails. The Queryable must not be used after `fn` settles.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export const AGENT_APPLICATION_NAME = 'patroni-tuner';

export interface PostgresPoolOptions {
  connectionString: string;
  /** Time allowed to open a connection (or wait for a free one). */
  connectTimeoutMs?: number;
  /** Server-side limit on every statement (statement_timeout). */
  statementTimeoutMs?: number;
  maxConnections?: number;
  /** Told about errors on idle connections (server restart, network drop); the pool drops those itself. */
  onIdleConnectionError?: (error: PostgresError) => void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_CONNECTIONS = 3;
/** statement_timeout cannot fire on a server that stopped answering altogether; the client gives up this much later. */
const CLIENT_READ_TIMEOUT_MARGIN_MS = 2_000;

export class PostgresPool implements TransactionalDb {
  readonly #pool: pg.Pool;
  #transactions = 0;

  constructor(options: PostgresPoolOptions) {
    const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      application_name: AGENT_APPLICATION_NAME,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      statement_timeout: statementTimeoutMs,
      query_timeout: statementTimeoutMs + CLIENT_READ_TIMEOUT_MARGIN_MS,
      max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      keepAlive: true,
    });
    // Without a listener an idle connection's error (e.g. the server restarting) would crash the process.
    const onIdleConnectionError = options.onIdleConnectionError;
    this.#pool.on('error', (error) => onIdleConnectionError?.(toPostgresError(error)));
  }

  /**
   * Transactions this pool ran that the server answered (committed or rolled back): pg_stat_database
   * counts them with the workload's, so the tuning objective's fallback takes them out.
   */
  get transactionsRun(): number {
    return this.#transactions;
  }

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    try {
      const result = await this.#pool.query(tagStatement(sql), [...params]);
      this.#transactions += 1;
      return result.rows as Row[];
    } catch (error) {
      const failure = toPostgresError(error);
      // A statement the server refused rolled its transaction back; one never delivered ran none.
      if (failure.sqlState !== null) this.#transactions += 1;
      throw failure;
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw toPostgresError(error);
    }
    // A checked-out client has no pool listener: without this, a dropped connection would crash the process.
    let connectionError: Error | undefined;
    const onError = (error: Error) => (connectionError ??= error);
    client.on('error', onError);
    let open = true;
    const run = async (sql: string, params: readonly unknown[] = []) => {
      if (!open) throw new PostgresQueryError('statement sent on a transaction that has already ended');
      try {
        return await client.query(tagStatement(sql), [...params]);
      } catch (error) {
        throw toPostgresError(error);
      }
    };
    const tx: Queryable = {
      query: async <Row extends object>(sql: string, params?: readonly unknown[]) => (await run(sql, params)).rows as Row[],
    };
    let answered = false;
    try {
      await run('BEGIN');
      answered = true;
      const result = await fn(tx);
      // COMMIT of a transaction in which a statement failed (and fn swallowed it) silently rolls back.
      if ((await run('COMMIT')).command === 'ROLLBACK') {
        throw new PostgresQueryError('transaction was rolled back: a statement in it failed', { sqlState: '25P02' });
      }
      return result;
    } catch (error) {
      await run('ROLLBACK').catch((rollbackError: unknown) => (connectionError ??= toPostgresError(rollbackError)));
      throw error;
    } finally {
      // BEGIN … COMMIT or ROLLBACK is one transaction, however many statements ran in it.
      if (answered) this.#transactions += 1;
      open = false;
      client.removeListener('error', onError);
      // A client whose connection failed is destroyed instead of going back to the pool.
      client.release(connectionError);
    }
  }

  /** Closes every connection; queries after this reject. */
  async close(): Promise<void> {
    await this.#pool.end();
  }
}
