/**
 * Local overrides in postgresql.auto.conf (what ALTER SYSTEM wrote), read through pg_file_settings.
 * They win over what Patroni puts in postgresql.conf, so a tuning session removes the ones for tunable
 * parameters first (safety rule 2). pg_file_settings re-reads the files on every query, so it also shows
 * overrides that were written but not reloaded yet (`applied` false).
 */
import type { Queryable } from './connection.js';

export interface AutoConfOverride {
  /** Null only on a line PostgreSQL could not parse (then `error` says why). */
  name: string | null;
  setting: string | null;
  /** True when the running server uses this value (reloaded and not overridden by a later line). */
  applied: boolean;
  /** Why the line cannot be applied (e.g. `setting could not be applied`, a syntax error), or null. */
  error: string | null;
  sourcefile: string;
  sourceline: number | null;
}

const AUTO_CONF_SQL = `SELECT name, setting, applied, error, sourcefile, sourceline
  FROM pg_file_settings
 WHERE sourcefile LIKE '%postgresql.auto.conf'
 ORDER BY seqno`;

/** Needs a superuser unless EXECUTE on pg_show_all_file_settings() was granted: pg_file_settings is hidden by default. */
export async function readAutoConfOverrides(db: Queryable): Promise<AutoConfOverride[]> {
  return db.query<AutoConfOverride>(AUTO_CONF_SQL);
}
