/**
 * Whether this node's PostgreSQL is a primary, asked fresh: the executor checks it right before every
 * apply (safety rule 1), so it must not come from a cached snapshot.
 */
import type { Queryable } from './connection.js';
import { PostgresUnexpectedResultError } from './errors.js';

export async function readInRecovery(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
  if (row === undefined) throw new PostgresUnexpectedResultError('pg_is_in_recovery() returned no row');
  return row.in_recovery;
}
