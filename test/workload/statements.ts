/**
 * The tuner's objective as the server sees it (DESIGN.md §5): mean statement execution time over a
 * window, Σ Δtotal_exec_time / Σ Δcalls from pg_stat_statements, here restricted to the workload's
 * database and to top-level statements. BEGIN and COMMIT count as calls, as they do for the agent.
 * The workload's own housekeeping statements (HOUSEKEEPING_TAG) are left out.
 */
import { closeQuietly, connect, HOUSEKEEPING_TAG } from './connection.js';

export interface StatementsSnapshot {
  calls: number;
  totalExecTimeMs: number;
  /** Per normalized statement, keyed by queryid, for per-query breakdowns. */
  byQueryId: Map<string, { query: string; calls: number; totalExecTimeMs: number }>;
}

export interface StatementsWindow {
  calls: number;
  totalExecTimeMs: number;
  /** Σ Δtotal_exec_time / Σ Δcalls; NaN when nothing ran. */
  meanMs: number;
}

/** The workload database's statement totals, or null when pg_stat_statements is not usable there. */
export async function statementsSnapshot(workloadUrl: string): Promise<StatementsSnapshot | null> {
  const client = await connect(workloadUrl, { applicationName: 'tuner-workload-statements' });
  try {
    const rows = await client.query<{ queryid: string; query: string; calls: string; total: number }>(
      `${HOUSEKEEPING_TAG}
SELECT queryid::text AS queryid, min(query) AS query, sum(calls)::text AS calls, sum(total_exec_time)::float8 AS total
  FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND toplevel
   AND query NOT LIKE $1
 GROUP BY queryid`,
      [`${HOUSEKEEPING_TAG}%`],
    );
    const byQueryId = new Map<string, { query: string; calls: number; totalExecTimeMs: number }>();
    let calls = 0;
    let totalExecTimeMs = 0;
    for (const row of rows.rows) {
      const entry = { query: row.query, calls: Number(row.calls), totalExecTimeMs: row.total };
      byQueryId.set(row.queryid, entry);
      calls += entry.calls;
      totalExecTimeMs += entry.totalExecTimeMs;
    }
    return { calls, totalExecTimeMs, byQueryId };
  } catch (error) {
    // 42P01: the extension is not created in this database; 55000: the library is not preloaded.
    const code = (error as { code?: string }).code;
    if (code === '42P01' || code === '55000') return null;
    throw error;
  } finally {
    await closeQuietly(client);
  }
}

export function statementsWindow(before: StatementsSnapshot, after: StatementsSnapshot): StatementsWindow {
  const calls = after.calls - before.calls;
  const totalExecTimeMs = after.totalExecTimeMs - before.totalExecTimeMs;
  return { calls, totalExecTimeMs, meanMs: calls > 0 ? totalExecTimeMs / calls : Number.NaN };
}
