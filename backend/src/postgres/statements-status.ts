/**
 * Whether pg_stat_statements can measure the workload through this connection, and if not, exactly
 * why: the library not preloaded (a restart), the extension not created in the database the agent
 * connects to (one statement, which the agent runs itself when allowed), or unusable for another reason.
 */
import type { Queryable } from './connection.js';
import { readServerFacts } from './server-facts.js';
import { readStatementsAggregate } from './statements.js';

export type StatementsStatus =
  | { available: true; database: string; created: boolean }
  | { available: false; database: string; cause: 'not_preloaded' | 'extension_missing' | 'unusable'; message: string };

/** The entries of shared_preload_libraries: comma-separated, each possibly double-quoted. */
export function preloadedLibraries(setting: string): string[] {
  return setting
    .split(',')
    .map((entry) => entry.trim().replace(/^"(.*)"$/, '$1'))
    .filter((entry) => entry.length > 0);
}

/** `signal`: a halt aborts it; it is checked after the last await before CREATE EXTENSION, the only write. */
export async function readStatementsStatus(db: Queryable, options: { createExtension: boolean }, signal: AbortSignal): Promise<StatementsStatus> {
  const [row] = await db.query<{ database: string; libraries: string; installed: boolean }>(
    `SELECT current_database() AS database, current_setting('shared_preload_libraries') AS libraries,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed`,
  );
  if (row === undefined) throw new Error('the pg_stat_statements status query returned no row');
  const { database } = row;
  if (!preloadedLibraries(row.libraries).includes('pg_stat_statements')) {
    return { available: false, database, cause: 'not_preloaded', message: 'pg_stat_statements is not in shared_preload_libraries' };
  }
  let created = false;
  if (!row.installed) {
    if (!options.createExtension) {
      return { available: false, database, cause: 'extension_missing', message: `the pg_stat_statements extension is not created in database "${database}"` };
    }
    signal.throwIfAborted();
    try {
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      created = true;
    } catch (error) {
      return { available: false, database, cause: 'unusable', message: `CREATE EXTENSION pg_stat_statements failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const probe = await readStatementsAggregate(db, await readServerFacts(db));
  return probe.available ? { available: true, database, created } : { available: false, database, cause: 'unusable', message: probe.reason };
}
