/**
 * Typed failures of this node's PostgreSQL. Every error that leaves the postgres module is one of
 * these, so a caller can report `up = 0`, keep the reason, and retry on its next tick instead of
 * crashing.
 */
import pg from 'pg';

export type PostgresErrorCode =
  /** No usable session: refused, timed out, connection dropped, server shutting down, auth refused. */
  | 'postgres_unreachable'
  /** The server answered a statement with an error (syntax, permission, statement_timeout …). */
  | 'postgres_query_failed'
  /** The server answered, but with something this agent cannot use (unsupported version, odd row). */
  | 'postgres_unexpected_result';

export abstract class PostgresError extends Error {
  abstract readonly code: PostgresErrorCode;
  /** The SQLSTATE the server sent, when it sent one. */
  readonly sqlState: string | null;

  constructor(message: string, options: { sqlState?: string | null; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.sqlState = options.sqlState ?? null;
  }
}

export class PostgresUnreachableError extends PostgresError {
  override readonly name = 'PostgresUnreachableError';
  readonly code = 'postgres_unreachable';
}

export class PostgresQueryError extends PostgresError {
  override readonly name = 'PostgresQueryError';
  readonly code = 'postgres_query_failed';
}

export class PostgresUnexpectedResultError extends PostgresError {
  override readonly name = 'PostgresUnexpectedResultError';
  readonly code = 'postgres_unexpected_result';
}

/** SQLSTATEs that mean the session itself is gone or was never granted, not that a statement failed. */
const UNREACHABLE_SQLSTATES: ReadonlySet<string> = new Set([
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery without hot standby)
]);
const UNREACHABLE_SQLSTATE_CLASSES: readonly string[] = [
  '08', // connection exception
  '28', // invalid authorization specification (bad password, no pg_hba entry)
  '3D', // invalid catalog name (the configured database does not exist)
];

function isUnreachableSqlState(sqlState: string): boolean {
  return UNREACHABLE_SQLSTATES.has(sqlState) || UNREACHABLE_SQLSTATE_CLASSES.some((c) => sqlState.startsWith(c));
}

/**
 * Maps whatever pg, pg-pool or the socket threw onto a PostgresError. Errors without a SQLSTATE come
 * from the client side (ECONNREFUSED, connect timeout, query read timeout, connection terminated), so
 * they all mean the server could not be talked to.
 */
export function toPostgresError(error: unknown): PostgresError {
  if (error instanceof PostgresError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof pg.DatabaseError && error.code !== undefined) {
    const sqlState = error.code;
    const ErrorClass = isUnreachableSqlState(sqlState) ? PostgresUnreachableError : PostgresQueryError;
    return new ErrorClass(`PostgreSQL error ${sqlState}: ${message}`, { sqlState, cause: error });
  }
  const systemCode = (error as { code?: unknown } | null)?.code;
  // Node reports a refused connection to a multi-address host as an AggregateError with an empty message.
  const parts = typeof systemCode === 'string' && !message.includes(systemCode) ? [systemCode, message] : [message];
  const detail = parts.filter((part) => part !== '').join(' ') || 'unknown error';
  return new PostgresUnreachableError(`PostgreSQL unreachable: ${detail}`, { cause: error });
}
