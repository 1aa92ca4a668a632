/**
 * The workload's statement totals from pg_stat_statements — calls and execution time summed over every
 * statement except the agent's own (recognised by their tag) — for the tuning objective's average query
 * time. pg_stat_statements is optional: without it the aggregate says why it is unavailable.
 */
import type { Queryable } from './connection.js';
import { PostgresQueryError, PostgresUnexpectedResultError } from './errors.js';
import type { ServerFacts, StatementsExtension } from './server-facts.js';
import { AGENT_STATEMENT_TAG } from './statement-tag.js';

export type StatementsAggregate =
  | {
      available: true;
      /** pg_stat_statements entries summed (each a distinct statement shape, user and database). */
      statements: number;
      calls: number;
      totalExecTimeSeconds: number;
    }
  | { available: false; reason: string };

/**
 * SQLSTATEs of a pg_stat_statements that is installed but unusable: the library is not in
 * shared_preload_libraries (55000), or the extension or its schema went away after it was looked up.
 */
const UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set(['55000', '42P01', '42883', '3F000']);

/** Compares dotted extension versions numerically, so 1.10 is after 1.9. */
function extensionVersionAtLeast(version: string, minimum: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (const [index, wanted] of minimum.entries()) {
    const part = parts[index] ?? 0;
    if (part !== wanted) return part > wanted;
  }
  return true;
}

function statementsAggregateSql(extension: StatementsExtension): string {
  // Extension 1.8 (PostgreSQL 13) split total_time into planning and execution time.
  const execTimeColumn = extensionVersionAtLeast(extension.version, [1, 8]) ? 'total_exec_time' : 'total_time';
  // From 1.9, with pg_stat_statements.track = all, nested statements have their own entries; counting
  // them too would count their time twice.
  const topLevelOnly = extensionVersionAtLeast(extension.version, [1, 9]) ? 'AND toplevel' : '';
  // A null text (the query text file was lost) is not known to be the agent's, so it counts.
  return `SELECT count(*)::int AS statements, coalesce(sum(calls), 0)::float8 AS calls,
       coalesce(sum(${execTimeColumn}), 0)::float8 / 1000 AS "totalExecTimeSeconds"
  FROM ${extension.quotedSchema}.pg_stat_statements
 WHERE (query IS NULL OR left(ltrim(query, E' \\t\\r\\n'), length($1::text)) <> $1::text) ${topLevelOnly}`;
}

export async function readStatementsAggregate(db: Queryable, facts: ServerFacts): Promise<StatementsAggregate> {
  const extension = facts.statementsExtension;
  if (extension === null) {
    return { available: false, reason: 'pg_stat_statements is not installed in the connected database' };
  }
  try {
    const [row] = await db.query<{ statements: number; calls: number; totalExecTimeSeconds: number }>(
      statementsAggregateSql(extension),
      [AGENT_STATEMENT_TAG],
    );
    if (row === undefined) throw new PostgresUnexpectedResultError('pg_stat_statements aggregate returned no row');
    return { available: true, ...row };
  } catch (error) {
    if (error instanceof PostgresQueryError && error.sqlState !== null && UNAVAILABLE_SQLSTATES.has(error.sqlState)) {
      return { available: false, reason: error.message };
    }
    throw error;
  }
}
