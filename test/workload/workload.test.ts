/**
 * The reference workload against a throwaway PostgreSQL (scale 1): loading, idempotence, counts,
 * latencies, the TPC-B consistency invariants, reconnection after terminated backends, the abort
 * signal, and that no connection outlives a run. No assertion depends on how fast anything is.
 *
 *   node --import tsx --test test/workload/workload.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';
import { waitFor } from '../lab/wait.js';
import { withDatabase } from './connection.js';
import { prepareWorkload, WorkloadNotPreparedError } from './prepare.js';
import { createPrng, deriveSeed } from './prng.js';
import { runWorkload, type WorkloadResults } from './run.js';
import { DEFAULT_WORKLOAD_DATABASE, ROWS_PER_SCALE } from './schema.js';
import { statementsSnapshot, statementsWindow } from './statements.js';
import { chooser, nextTransaction, OLTP_TRANSACTION, REPORTING_QUERIES } from './transactions.js';

const SCALE = 1;

describe('transaction choice (pure)', () => {
  it('gives the same transactions for the same seed and different ones for another', () => {
    const choose = chooser({ oltp: 3, reporting: 1 });
    const sequence = (seed: number) => {
      const prng = createPrng(deriveSeed(seed, 0));
      return Array.from({ length: 50 }, () => nextTransaction(prng, 10, choose));
    };
    assert.deepEqual(sequence(42), sequence(42));
    assert.notDeepEqual(sequence(42), sequence(43));
  });

  it('follows the mix: a zero weight never runs, and the reporting mix picks the queries', () => {
    const prng = createPrng(1);
    const onlyOltp = chooser({ oltp: 1, reporting: 0 });
    for (let i = 0; i < 200; i += 1) assert.equal(nextTransaction(prng, 10, onlyOltp).name, OLTP_TRANSACTION);
    const onlyRecent = chooser({ oltp: 0, reporting: 1 }, { recent_orders: 1 });
    for (let i = 0; i < 200; i += 1) assert.equal(nextTransaction(prng, 10, onlyRecent).name, 'recent_orders');
    const both = chooser({ oltp: 1, reporting: 1 });
    const names = new Set(Array.from({ length: 500 }, () => nextTransaction(prng, 10, both).name));
    assert.deepEqual([...names].sort(), [OLTP_TRANSACTION, ...REPORTING_QUERIES].sort());
  });

  it('keeps every parameter inside the data of the scale', () => {
    const prng = createPrng(7);
    const choose = chooser({ oltp: 1, reporting: 1 });
    for (let i = 0; i < 2000; i += 1) {
      const tx = nextTransaction(prng, SCALE, choose);
      if (tx.name === OLTP_TRANSACTION) {
        const [, aid] = tx.statements[0]!.values as number[];
        assert.ok(aid! >= 1 && aid! <= ROWS_PER_SCALE.accounts * SCALE);
        const [tid, bid] = tx.statements[4]!.values as number[];
        assert.ok(tid! >= 1 && tid! <= ROWS_PER_SCALE.tellers * SCALE);
        assert.equal(bid, 1);
      } else if (tx.name === 'account_leaderboard') {
        const [first, last] = tx.statements[0]!.values as number[];
        assert.ok(first! >= 1 && last! <= ROWS_PER_SCALE.accounts * SCALE && first! < last!);
      }
    }
  });

  it('rejects unknown reporting queries and an all-zero mix', () => {
    assert.throws(() => chooser({ oltp: 0, reporting: 0 }), RangeError);
    assert.throws(() => chooser({ oltp: 1, reporting: 1 }, { no_such_query: 1 } as never), /unknown reporting query/);
  });
});

describe('the workload on a throwaway PostgreSQL', () => {
  let server: ThrowawayPostgres;
  let admin: pg.Client;
  let workload: pg.Client;

  before(async () => {
    server = await startThrowawayPostgres();
  });

  after(async () => {
    await workload?.end().catch(() => {});
    await admin?.end().catch(() => {});
    await server?.destroy();
  });

  const count = async (table: string) => Number((await workload.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const checksum = async () =>
    (await workload.query(`SELECT md5(string_agg(o::text, ',' ORDER BY id)) AS sum FROM wl_orders o`)).rows[0].sum as string;
  /** Backends of the workload (and its cancel/prepare helpers) still connected. */
  const workloadBackends = async () =>
    Number(
      (await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'tuner-workload%'`)).rows[0].n,
    );
  const noWorkloadBackends = () => waitFor(async () => (await workloadBackends()) === 0, { what: 'workload connections to close', timeoutMs: 10_000 });

  it('creates the database, loads it once and only analyzes on the next prepare', async () => {
    const logged: string[] = [];
    const first = await prepareWorkload(server.connectionString, { scale: SCALE, log: (line) => logged.push(line) });
    assert.equal(first.loaded, true);
    assert.equal(first.database, DEFAULT_WORKLOAD_DATABASE);
    assert.equal(first.scale, SCALE);
    assert.ok(first.sizeBytes > 10 * 1024 * 1024);
    assert.ok(logged.some((line) => line.includes('creating database')));

    admin = new pg.Client({ connectionString: server.connectionString });
    await admin.connect();
    workload = new pg.Client({ connectionString: withDatabase(server.connectionString, DEFAULT_WORKLOAD_DATABASE) });
    await workload.connect();
    assert.equal(await count('pgbench_accounts'), ROWS_PER_SCALE.accounts * SCALE);
    assert.equal(await count('pgbench_tellers'), ROWS_PER_SCALE.tellers * SCALE);
    assert.equal(await count('pgbench_branches'), ROWS_PER_SCALE.branches * SCALE);
    assert.equal(await count('pgbench_history'), 0);
    assert.equal(await count('wl_customers'), ROWS_PER_SCALE.customers * SCALE);
    assert.equal(await count('wl_orders'), ROWS_PER_SCALE.orders * SCALE);
    const sum = await checksum();

    const second = await prepareWorkload(server.connectionString, { scale: SCALE });
    assert.equal(second.loaded, false, 'the same scale and seed are not loaded twice');
    assert.equal(await checksum(), sum);

    const forced = await prepareWorkload(server.connectionString, { scale: SCALE, force: true });
    assert.equal(forced.loaded, true);
    assert.equal(await checksum(), sum, 'the same seed generates the same rows');
    await noWorkloadBackends();
  });

  it('runs a bounded number of transactions of both kinds, recording every latency', async () => {
    const historyBefore = await count('pgbench_history');
    const before = await statementsSnapshot(withDatabase(server.connectionString, DEFAULT_WORKLOAD_DATABASE));
    const results = await runWorkload(server.connectionString, { clients: 3, transactions: 150, mix: { oltp: 3, reporting: 1 }, seed: 5 });
    const after = await statementsSnapshot(withDatabase(server.connectionString, DEFAULT_WORKLOAD_DATABASE));

    assert.equal(results.stoppedBy, 'transactions');
    assert.equal(results.scale, SCALE);
    assert.deepEqual(results.transactions, { attempted: 150, completed: 150, failed: 0, interrupted: 0 });
    assert.equal(results.errors.total, 0);
    assert.equal(results.reconnects, 0);
    assertCountsAddUp(results);
    assert.ok(results.byKind.oltp.completed > 0 && results.byKind.reporting.completed > 0, 'both kinds ran');
    assert.ok(results.tps > 0);

    // Every TPC-B transaction inserts one history row; the balances stay consistent (pgbench's check).
    assert.equal((await count('pgbench_history')) - historyBefore, results.byKind.oltp.completed);
    const sums = (
      await workload.query(
        `SELECT (SELECT sum(delta) FROM pgbench_history) AS h, (SELECT sum(tbalance) FROM pgbench_tellers) AS t,
                (SELECT sum(bbalance) FROM pgbench_branches) AS b`,
      )
    ).rows[0];
    assert.equal(sums.t, sums.h);
    assert.equal(sums.b, sums.h);

    // The server saw the workload's statements: 7 per TPC-B (BEGIN, 5, COMMIT) and 1 per report.
    assert.ok(before !== null && after !== null, 'pg_stat_statements is readable in the workload database');
    const window = statementsWindow(before, after);
    assert.equal(window.calls, 7 * results.byKind.oltp.completed + results.byKind.reporting.completed);
    assert.ok(window.meanMs > 0);

    await noWorkloadBackends();
  });

  it('counts terminated connections as errors and reconnects after a backoff', async () => {
    const applicationName = 'tuner-workload-kill-test';
    const controller = new AbortController();
    const running = runWorkload(() => server.connectionString, {
      clients: 2,
      durationMs: 60_000,
      mix: { oltp: 1, reporting: 0 },
      applicationName,
      backoff: { initialMs: 50, maxMs: 200 },
      signal: controller.signal,
    });
    const backends = async () =>
      (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [applicationName])).rows.map(
        (r) => r.pid,
      );
    try {
      const first = await waitFor(async () => {
        const pids = await backends();
        return pids.length === 2 ? pids : false;
      }, { what: 'both clients to connect' });
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [first]);
      // Both come back on new backends.
      await waitFor(async () => (await backends()).filter((pid) => !first.includes(pid)).length === 2, {
        what: 'both clients to reconnect',
      });
    } finally {
      controller.abort();
    }
    const results = await running;
    assert.equal(results.stoppedBy, 'signal');
    assert.ok(results.errors.total >= 2, `each terminated client failed a transaction: ${JSON.stringify(results.errors)}`);
    assert.ok(results.reconnects >= 2);
    assert.ok(results.byKind.oltp.completed > 0);
    assert.equal(results.byKind.reporting.completed + results.byKind.reporting.failed, 0);
    assertCountsAddUp(results);
    await noWorkloadBackends();
  });

  it('stops on the abort signal, cancelling statements in flight, and closes every connection', async () => {
    const controller = new AbortController();
    let progressReports = 0;
    const running = runWorkload(server.connectionString, {
      clients: 4,
      durationMs: 120_000,
      mix: { oltp: 1, reporting: 3 },
      signal: controller.signal,
      progressIntervalMs: 100,
      onProgress: (p) => {
        progressReports += 1;
        if (p.completed >= 20) controller.abort();
      },
    });
    const results = await running;
    assert.equal(results.stoppedBy, 'signal');
    assert.ok(results.elapsedMs < 120_000);
    assert.ok(progressReports >= 1);
    assert.ok(results.transactions.completed >= 20);
    assert.equal(results.errors.total, 0, 'a cancelled statement is interrupted, not an error');
    assertCountsAddUp(results);
    await noWorkloadBackends();
  });

  it('returns at once for a signal that is already aborted', async () => {
    const results = await runWorkload(server.connectionString, { durationMs: 60_000, signal: AbortSignal.abort() });
    assert.equal(results.stoppedBy, 'signal');
    assert.equal(results.transactions.attempted, 0);
    await noWorkloadBackends();
  });

  it('refuses an unprepared database and a run without a bound', async () => {
    await assert.rejects(runWorkload(server.connectionString, { database: 'postgres', transactions: 1 }), WorkloadNotPreparedError);
    await assert.rejects(runWorkload(server.connectionString, {}), /needs a bound/);
    await noWorkloadBackends();
  });
});

function assertCountsAddUp(results: WorkloadResults): void {
  const t = results.transactions;
  assert.equal(t.completed + t.failed + t.interrupted, t.attempted);
  assert.equal(results.byKind.oltp.completed + results.byKind.reporting.completed, t.completed);
  assert.equal(results.byKind.oltp.failed + results.byKind.reporting.failed, t.failed);
  assert.equal(results.errors.total, t.failed);
  assert.equal(Object.values(results.errors.byCode).reduce((a, b) => a + b, 0), t.failed);
  for (const kind of ['oltp', 'reporting'] as const) {
    const stats = results.byKind[kind];
    const queries = Object.values(results.byQuery).filter((q) => q.kind === kind);
    assert.equal(queries.reduce((sum, q) => sum + q.completed, 0), stats.completed);
    assert.equal(queries.reduce((sum, q) => sum + q.failed, 0), stats.failed);
    assert.equal(stats.latenciesMs.length, stats.completed, `${kind}: one latency per completed transaction`);
    assert.equal(stats.latency.count, stats.completed);
  }
  assert.equal(results.overall.count, t.completed);
  for (const q of Object.values(results.byQuery)) {
    assert.equal(q.latenciesMs.length, q.completed);
    assert.ok(q.latenciesMs.every((l) => Number.isFinite(l) && l > 0));
    if (q.completed > 0) {
      const l = q.latency;
      assert.ok(l.p50Ms <= l.p95Ms && l.p95Ms <= l.p99Ms && l.p99Ms <= l.maxMs);
      assert.ok(l.meanMs > 0 && l.meanMs <= l.maxMs);
    } else {
      assert.ok(Number.isNaN(q.latency.meanMs));
    }
  }
}
