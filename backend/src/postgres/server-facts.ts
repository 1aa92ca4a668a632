/**
 * Facts about the server that decide which statistics queries fit it: its version, whether it is in
 * recovery, and where (and in which version) pg_stat_statements is installed in this database.
 */
import type { Queryable } from './connection.js';
import { PostgresUnexpectedResultError } from './errors.js';

/** PostgreSQL 10 renamed the WAL functions and columns (xlog → wal, location → lsn) the readers use. */
export const MIN_SERVER_VERSION_NUM = 100000;

export interface StatementsExtension {
  /** The schema it is installed in, already quoted as an identifier for use in SQL text. */
  quotedSchema: string;
  /** The installed extension version (`1.10`); its columns depend on it, not on the server version. */
  version: string;
}

export interface ServerFacts {
  /** server_version_num, e.g. 150004 for 15.4. */
  serverVersionNum: number;
  inRecovery: boolean;
  /** The server's clock when the facts were read, so deltas between snapshots have a time base. */
  serverTime: Date;
  /** Cumulative counters restart from zero when this changes. */
  postmasterStartTime: Date;
  /** Null when pg_stat_statements is not installed in the connected database. */
  statementsExtension: StatementsExtension | null;
}

export interface ServerFactsRow {
  server_version_num: number;
  in_recovery: boolean;
  server_time: Date;
  postmaster_start_time: Date;
  pg_stat_statements_schema: string | null;
  pg_stat_statements_version: string | null;
}

const SERVER_FACTS_SQL = `SELECT current_setting('server_version_num')::int AS server_version_num,
       pg_is_in_recovery() AS in_recovery,
       clock_timestamp() AS server_time,
       pg_postmaster_start_time() AS postmaster_start_time,
       quote_ident(n.nspname) AS pg_stat_statements_schema,
       e.extversion AS pg_stat_statements_version
  FROM (SELECT) AS one
  LEFT JOIN pg_extension e ON e.extname = 'pg_stat_statements'
  LEFT JOIN pg_namespace n ON n.oid = e.extnamespace`;

export async function readServerFacts(db: Queryable): Promise<ServerFacts> {
  const [row] = await db.query<ServerFactsRow>(SERVER_FACTS_SQL);
  if (row === undefined) throw new PostgresUnexpectedResultError('server facts query returned no row');
  return parseServerFactsRow(row);
}

export function parseServerFactsRow(row: ServerFactsRow): ServerFacts {
  if (row.server_version_num < MIN_SERVER_VERSION_NUM) {
    throw new PostgresUnexpectedResultError(
      `PostgreSQL server_version_num ${row.server_version_num} is not supported; ${MIN_SERVER_VERSION_NUM} (PostgreSQL 10) or later is needed`,
    );
  }
  const schema = row.pg_stat_statements_schema;
  const version = row.pg_stat_statements_version;
  return {
    serverVersionNum: row.server_version_num,
    inRecovery: row.in_recovery,
    serverTime: row.server_time,
    postmasterStartTime: row.postmaster_start_time,
    statementsExtension: schema !== null && version !== null ? { quotedSchema: schema, version } : null,
  };
}
