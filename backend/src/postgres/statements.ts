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

/** The execution-time column and the filter both reads share: top-level statements that are not the agent's. */
function statementsSource(extension: StatementsExtension): { execTimeColumn: string; from: string } {
  // Extension 1.8 (PostgreSQL 13) split total_time into planning and execution time.
  const execTimeColumn = extensionVersionAtLeast(extension.version, [1, 8]) ? 'total_exec_time' : 'total_time';
  // From 1.9, with pg_stat_statements.track = all, nested statements have their own entries; counting
  // them too would count their time twice.
  const topLevelOnly = extensionVersionAtLeast(extension.version, [1, 9]) ? 'AND toplevel' : '';
  // A null text (the query text file was lost) is not known to be the agent's, so it counts.
  return {
    execTimeColumn,
    from: `${extension.quotedSchema}.pg_stat_statements
 WHERE (query IS NULL OR left(ltrim(query, E' \\t\\r\\n'), length($1::text)) <> $1::text) ${topLevelOnly}`,
  };
}

function statementsAggregateSql(extension: StatementsExtension): string {
  const { execTimeColumn, from } = statementsSource(extension);
  return `SELECT count(*)::int AS statements, coalesce(sum(calls), 0)::float8 AS calls,
       coalesce(sum(${execTimeColumn}), 0)::float8 / 1000 AS "totalExecTimeSeconds"
  FROM ${from}`;
}

/** One statement's cumulative totals: calls and execution time in ms. */
export interface StatementTotals {
  calls: number;
  execMs: number;
}

export type StatementsByQuery = { available: true; byQuery: Map<string, StatementTotals> } | { available: false; reason: string };

function statementsByQuerySql(extension: StatementsExtension): string {
  const { execTimeColumn, from } = statementsSource(extension);
  // A statement is its shape run by one role in one database; entries without a queryid are one bucket.
  return `SELECT userid::text || '/' || dbid::text || '/' || coalesce(queryid::text, '-') AS key,
       sum(calls)::float8 AS calls, sum(${execTimeColumn})::float8 AS "execMs"
  FROM ${from}
 GROUP BY 1`;
}

/** What the workload-wide aggregate sums, per statement: the objective compares windows statement by statement. */
export async function readStatementsByQuery(db: Queryable, facts: ServerFacts): Promise<StatementsByQuery> {
  return readStatements(db, facts, async (extension) => {
    const rows = await db.query<{ key: string } & StatementTotals>(statementsByQuerySql(extension), [AGENT_STATEMENT_TAG]);
    return { available: true, byQuery: new Map(rows.map(({ key, calls, execMs }) => [key, { calls, execMs }])) };
  });
}

/** Runs `read` when pg_stat_statements is usable; an unusable one is a reason, not an error. */
async function readStatements<T>(
  db: Queryable,
  facts: ServerFacts,
  read: (extension: StatementsExtension) => Promise<T>,
): Promise<T | { available: false; reason: string }> {
  const extension = facts.statementsExtension;
  if (extension === null) {
    return { available: false, reason: 'pg_stat_statements is not installed in the connected database' };
  }
  try {
    return await read(extension);
  } catch (error) {
    if (error instanceof PostgresQueryError && error.sqlState !== null && UNAVAILABLE_SQLSTATES.has(error.sqlState)) {
      return { available: false, reason: error.message };
    }
    throw error;
  }
}

/** JIT compilation time and execution time of one database's statements, in ms. */
export interface JitTotals {
  database: string;
  jitMs: number;
  execMs: number;
}

export type JitByDatabase = { available: true; byDatabase: JitTotals[] } | { available: false; reason: string };

/** JIT timings are in pg_stat_statements from 1.10 (PostgreSQL 15). */
const JIT_COLUMNS_SINCE = [1, 10] as const;

function jitByDatabaseSql(extension: StatementsExtension): string {
  const { execTimeColumn, from } = statementsSource(extension);
  return `SELECT d.datname AS database,
       coalesce(sum(s.jit_generation_time + s.jit_inlining_time + s.jit_optimization_time + s.jit_emission_time), 0)::float8 AS "jitMs",
       coalesce(sum(s.${execTimeColumn}), 0)::float8 AS "execMs"
  FROM (SELECT * FROM ${from}) s
  JOIN pg_database d ON d.oid = s.dbid
 GROUP BY d.datname`;
}

/** How much of each database's statement time went to JIT compilation (a search prior's signal). */
export async function readJitByDatabase(db: Queryable, facts: ServerFacts): Promise<JitByDatabase> {
  return readStatements(db, facts, async (extension) => {
    if (!extensionVersionAtLeast(extension.version, JIT_COLUMNS_SINCE)) {
      return { available: false, reason: `pg_stat_statements ${extension.version} has no JIT timings (1.10 or later has)` };
    }
    return { available: true, byDatabase: await db.query<JitTotals>(jitByDatabaseSql(extension), [AGENT_STATEMENT_TAG]) };
  });
}

export async function readStatementsAggregate(db: Queryable, facts: ServerFacts): Promise<StatementsAggregate> {
  return readStatements(db, facts, async (extension) => {
    const [row] = await db.query<{ statements: number; calls: number; totalExecTimeSeconds: number }>(
      statementsAggregateSql(extension),
      [AGENT_STATEMENT_TAG],
    );
    if (row === undefined) throw new PostgresUnexpectedResultError('pg_stat_statements aggregate returned no row');
    return { available: true as const, ...row };
  });
}
