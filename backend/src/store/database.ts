/**
 * Creates the dedicated state database (DESIGN.md §2 "State store") when it is missing. CREATE
 * DATABASE cannot run inside a transaction block and takes no parameters, so the name is validated
 * to a plain lowercase identifier and then quoted into the statement.
 */
import type { Queryable } from '../postgres/connection.js';
import { PostgresError } from '../postgres/errors.js';

export const DEFAULT_STATE_DATABASE = 'patroni_tuner';

/** A simple lowercase identifier within PostgreSQL's 63-byte limit. */
const DATABASE_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

const SQL = {
  exists: 'SELECT 1 AS found FROM pg_database WHERE datname = $1',
} as const;

const DUPLICATE_DATABASE = '42P04';
/** Two CREATE DATABASE of one name racing past the name check meet on pg_database's unique index. */
const UNIQUE_VIOLATION = '23505';

export class InvalidDatabaseNameError extends Error {
  override readonly name = 'InvalidDatabaseNameError';
  readonly code = 'PGT_STORE_INVALID_DATABASE_NAME';
  constructor(readonly databaseName: string) {
    super(`invalid state database name ${JSON.stringify(databaseName)}: expected a lowercase identifier matching ${DATABASE_NAME_PATTERN}`);
  }
}

export function validateDatabaseName(name: string): string {
  if (!DATABASE_NAME_PATTERN.test(name)) throw new InvalidDatabaseNameError(name);
  return name;
}

/**
 * Creates database `name` unless it exists; `created` tells whether this call created it. Another
 * agent creating it at the same moment is not an error.
 */
export async function ensureStateDatabase(
  adminDb: Queryable,
  name: string = DEFAULT_STATE_DATABASE,
): Promise<{ created: boolean }> {
  validateDatabaseName(name);
  if (await databaseExists(adminDb, name)) return { created: false };
  try {
    await adminDb.query(`CREATE DATABASE "${name}"`);
    return { created: true };
  } catch (error) {
    if (error instanceof PostgresError) {
      if (error.sqlState === DUPLICATE_DATABASE) return { created: false };
      if (error.sqlState === UNIQUE_VIOLATION && (await databaseExists(adminDb, name))) return { created: false };
    }
    throw error;
  }
}

const UNDEFINED_DATABASE = '3D000';
const UNDEFINED_TABLE = '42P01';

/**
 * Whether reading the store failed because the state database (or its tables) does not exist yet:
 * on a member where no session ever ran, which reads as "no records", not as a failure.
 */
export function isMissingStateStore(error: unknown): boolean {
  return error instanceof PostgresError && (error.sqlState === UNDEFINED_DATABASE || error.sqlState === UNDEFINED_TABLE);
}

async function databaseExists(db: Queryable, name: string): Promise<boolean> {
  return (await db.query(SQL.exists, [name])).length > 0;
}
