/**
 * The agent's connection pool to this node's PostgreSQL, behind the narrow `Queryable` interface the
 * readers take. Timeouts are short on purpose: a hung or unreachable server must turn into a typed
 * error within seconds, never into a scrape or a poll that waits forever.
 */
import pg from 'pg';
import { type PostgresError, toPostgresError } from './errors.js';
import { tagStatement } from './statement-tag.js';

/** What the readers need from a database: run one statement, get its rows. */
export interface Queryable {
  /** Rejects with a PostgresError. */
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
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

export class PostgresPool implements Queryable {
  readonly #pool: pg.Pool;

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

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    try {
      const result = await this.#pool.query(tagStatement(sql), [...params]);
      return result.rows as Row[];
    } catch (error) {
      throw toPostgresError(error);
    }
  }

  /** Closes every connection; queries after this reject. */
  async close(): Promise<void> {
    await this.#pool.end();
  }
}
