/**
 * Who wrote the shared buffers out: the checkpointer, the background writer, or the backends
 * themselves. Backends writing a large share means the background writer falls behind and queries
 * wait on writes. Read from pg_stat_bgwriter up to PostgreSQL 16; PostgreSQL 17 moved the backends'
 * count into pg_stat_io, which is not read here yet (null: the signal is unavailable).
 */
import type { Queryable } from './connection.js';
import { PostgresUnexpectedResultError } from './errors.js';
import type { ServerFacts } from './server-facts.js';

export interface BufferWrites {
  byCheckpoints: number;
  byBgwriter: number;
  byBackends: number;
}

const BACKEND_COUNT_MOVED_IN = 170000;

const BUFFER_WRITES_SQL = `SELECT buffers_checkpoint::float8 AS "byCheckpoints", buffers_clean::float8 AS "byBgwriter",
       buffers_backend::float8 AS "byBackends"
  FROM pg_stat_bgwriter`;

export async function readBufferWrites(db: Queryable, facts: ServerFacts): Promise<BufferWrites | null> {
  if (facts.serverVersionNum >= BACKEND_COUNT_MOVED_IN) return null;
  const [row] = await db.query<BufferWrites>(BUFFER_WRITES_SQL);
  if (row === undefined) throw new PostgresUnexpectedResultError('pg_stat_bgwriter returned no row');
  return row;
}
