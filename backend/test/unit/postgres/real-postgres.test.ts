/**
 * The postgres module against a real, throwaway PostgreSQL with pg_stat_statements preloaded
 * (scripts/install-deps installs the server; without it the test fails and says what is missing).
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { readAutoConfOverrides } from '../../../src/postgres/autoconf.js';
import { PostgresPool } from '../../../src/postgres/connection.js';
import { readDatabaseStats } from '../../../src/postgres/database-stats.js';
import { type PostgresError, PostgresQueryError, PostgresUnreachableError } from '../../../src/postgres/errors.js';
import { readInRecovery } from '../../../src/postgres/role.js';
import { readReplication } from '../../../src/postgres/replication.js';
import { readServerFacts } from '../../../src/postgres/server-facts.js';
import { type PgSetting, readSettings, settingInBaseUnits } from '../../../src/postgres/settings.js';
import { readPostgresSnapshot } from '../../../src/postgres/snapshots.js';
import { AGENT_STATEMENT_TAG, isAgentStatement } from '../../../src/postgres/statement-tag.js';
import { type JitByDatabase, readJitByDatabase, readStatementsAggregate, readStatementsByQuery, type StatementsAggregate } from '../../../src/postgres/statements.js';
import { readBufferWrites } from '../../../src/postgres/buffer-writes.js';
import { readBlockReadCounters } from '../../../src/postgres/database-stats.js';
import { readStatementsStatus } from '../../../src/postgres/statements-status.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../../../test/support/throwaway-postgres.js';

const RELOAD_DEADLINE_MS = 10_000;
/** A signal no halt aborts. */
const LIVE = new AbortController().signal;
const IDLE_ERROR_DEADLINE_MS = 5_000;

function settingNamed(settings: readonly PgSetting[], name: string): PgSetting {
  const setting = settings.find((s) => s.name === name);
  assert.ok(setting, `pg_settings has no ${name}`);
  return setting;
}

describe('postgres module against a real PostgreSQL', () => {
  let server: ThrowawayPostgres;
  let db: PostgresPool;
  /** A client that is not the agent: its statements are the "workload". */
  let workload: pg.Client;
  const idleConnectionErrors: PostgresError[] = [];

  before(async () => {
    server = await startThrowawayPostgres();
    db = new PostgresPool({
      connectionString: server.connectionString,
      onIdleConnectionError: (error) => idleConnectionErrors.push(error),
    });
    await db.query('CREATE EXTENSION pg_stat_statements');
    workload = new pg.Client({ connectionString: server.connectionString });
    workload.on('error', () => {}); // the last test stops the server under this idle connection
    await workload.connect();
  });

  after(async () => {
    await workload?.end().catch(() => {}); // the server may already be stopped
    await db?.close();
    await server?.destroy();
  });

  it('reads pg_settings with the right types, units and contexts', async () => {
    const settings = await readSettings(db);
    const workMem = settingNamed(settings, 'work_mem');
    assert.equal(workMem.vartype, 'integer');
    assert.equal(workMem.unit, 'kB');
    assert.equal(workMem.context, 'user');
    assert.equal(typeof workMem.setting, 'number');
    assert.deepEqual(settingInBaseUnits(workMem), { value: workMem.setting * 1024, baseUnit: 'bytes' });

    const sharedBuffers = settingNamed(settings, 'shared_buffers');
    assert.equal(sharedBuffers.context, 'postmaster');
    assert.equal(sharedBuffers.unit, '8kB');

    const randomPageCost = settingNamed(settings, 'random_page_cost');
    assert.deepEqual([randomPageCost.vartype, randomPageCost.setting], ['real', 4]);
    assert.equal(settingNamed(settings, 'checkpoint_completion_target').context, 'sighup');
    assert.deepEqual(settingInBaseUnits(settingNamed(settings, 'checkpoint_timeout')), { value: 300, baseUnit: 'seconds' });
    assert.equal(typeof settingNamed(settings, 'jit').setting, 'boolean');
    const walCompression = settingNamed(settings, 'wal_compression');
    assert.ok(walCompression.vartype === 'enum' || walCompression.vartype === 'bool');
    const synchronousCommit = settingNamed(settings, 'synchronous_commit');
    assert.ok(synchronousCommit.vartype === 'enum' && synchronousCommit.enumvals.includes('remote_apply'));
    assert.equal(settings.some((s) => s.pendingRestart), false);
  });

  it('shows an ALTER SYSTEM override in postgresql.auto.conf and, after a reload, in pg_settings', async () => {
    assert.deepEqual(await readAutoConfOverrides(db), []);
    await db.query("ALTER SYSTEM SET work_mem = '8MB'");
    await db.query('SELECT pg_reload_conf()');
    try {
      const overrides = await readAutoConfOverrides(db);
      assert.equal(overrides.length, 1);
      const [override] = overrides;
      assert.ok(override);
      assert.deepEqual(
        { name: override.name, setting: override.setting, applied: override.applied, error: override.error },
        { name: 'work_mem', setting: '8MB', applied: true, error: null },
      );
      assert.match(override.sourcefile, /postgresql\.auto\.conf$/);

      // Backends pick up a reload when they next notice the SIGHUP, so wait for it, with a deadline.
      const deadline = Date.now() + RELOAD_DEADLINE_MS;
      let workMem = settingNamed(await readSettings(db), 'work_mem');
      while (workMem.setting !== 8192 && Date.now() < deadline) {
        await delay(50);
        workMem = settingNamed(await readSettings(db), 'work_mem');
      }
      assert.equal(workMem.setting, 8192, `work_mem was not reloaded within ${RELOAD_DEADLINE_MS} ms`);
      assert.equal(workMem.source, 'configuration file');
      assert.match(workMem.sourcefile ?? '', /postgresql\.auto\.conf$/);
    } finally {
      await db.query('ALTER SYSTEM RESET work_mem');
      await db.query('SELECT pg_reload_conf()');
    }
    assert.deepEqual(await readAutoConfOverrides(db), []);
  });

  it('tags every agent statement centrally and names the agent in pg_stat_activity', async () => {
    await readInRecovery(db);
    const { rows } = await workload.query<{ application_name: string; query: string }>(
      "SELECT application_name, query FROM pg_stat_activity WHERE application_name = 'patroni-tuner'",
    );
    assert.ok(rows.length > 0, 'the agent has a connection named patroni-tuner');
    for (const row of rows) assert.ok(isAgentStatement(row.query), `untagged agent statement: ${row.query}`);

    const stored = await workload.query<{ query: string }>(
      'SELECT query FROM pg_stat_statements WHERE query LIKE $1',
      [`${AGENT_STATEMENT_TAG}%pg_is_in_recovery() AS in_recovery%`],
    );
    assert.ok(stored.rows.length > 0, 'pg_stat_statements keeps the tag in its query text');
  });

  it('sums the workload’s statements and leaves the agent’s own out', async () => {
    const available = (aggregate: StatementsAggregate) => {
      assert.ok(aggregate.available, `pg_stat_statements unavailable: ${aggregate.available || aggregate.reason}`);
      return aggregate;
    };
    const aggregate = async () => available(await readStatementsAggregate(db, await readServerFacts(db)));

    const runs = 25;
    const beforeWorkload = await aggregate();
    for (let i = 0; i < runs; i += 1) {
      await workload.query('SELECT count(*) FROM generate_series(1, $1::int)', [1000 + i]);
    }
    const afterWorkload = await aggregate();
    assert.ok(
      afterWorkload.calls - beforeWorkload.calls >= runs,
      `calls grew by ${afterWorkload.calls - beforeWorkload.calls}, expected at least ${runs}`,
    );
    assert.ok(afterWorkload.totalExecTimeSeconds > beforeWorkload.totalExecTimeSeconds);

    // Only the agent runs now: whole snapshots, role checks, auto.conf reads.
    for (let i = 0; i < 5; i += 1) {
      await readPostgresSnapshot(db);
      await readInRecovery(db);
      await readAutoConfOverrides(db);
    }
    const afterAgent = await aggregate();
    assert.deepEqual(afterAgent, afterWorkload);
  });

  it('reads the workload statement by statement, summing to the aggregate, the agent’s own left out', async () => {
    const byQuery = async () => {
      const read = await readStatementsByQuery(db, await readServerFacts(db));
      assert.ok(read.available, `pg_stat_statements unavailable: ${read.available || read.reason}`);
      return read.byQuery;
    };
    const before = await byQuery();
    for (let i = 0; i < 7; i += 1) await workload.query('SELECT $1::int + 1 AS per_statement_probe', [i]);
    const after = await byQuery();
    const grown = [...after].filter(([key, totals]) => totals.calls - (before.get(key)?.calls ?? 0) === 7);
    assert.equal(grown.length, 1, 'one statement shape ran 7 times');
    assert.match(grown[0]![0], /^\d+\/\d+\/-?\d+$/, 'keyed by role, database and queryid');
    for (let i = 0; i < 3; i += 1) await readPostgresSnapshot(db);
    assert.deepEqual(await byQuery(), after, 'the agent’s statements are not the workload’s');
    const aggregate = await readStatementsAggregate(db, await readServerFacts(db));
    assert.ok(aggregate.available);
    const summed = [...after.values()].reduce((sum, t) => sum + t.calls, 0);
    assert.equal(aggregate.calls, summed);
  });

  it('says whether pg_stat_statements measures, and creates the extension only when allowed', async () => {
    assert.deepEqual(await readStatementsStatus(db, { createExtension: false }, LIVE), { available: true, database: 'postgres', created: false });
    await db.query('CREATE DATABASE statements_status_probe');
    const url = new URL(server.connectionString);
    url.pathname = '/statements_status_probe';
    const probe = new PostgresPool({ connectionString: url.toString(), onIdleConnectionError: () => {} });
    try {
      assert.deepEqual(await readStatementsStatus(probe, { createExtension: false }, LIVE), {
        available: false,
        database: 'statements_status_probe',
        cause: 'extension_missing',
        message: 'the pg_stat_statements extension is not created in database "statements_status_probe"',
      });
      // A halt landing while the status query runs: nothing is created.
      const halt = new AbortController();
      const halting = {
        query: async <Row extends object>(sql: string, params?: readonly unknown[]) => {
          const rows = await probe.query<Row>(sql, params);
          halt.abort(new Error('halted: the leader changed'));
          return rows;
        },
      };
      await assert.rejects(readStatementsStatus(halting, { createExtension: true }, halt.signal), /halted: the leader changed/);
      assert.equal((await readStatementsStatus(probe, { createExtension: false }, LIVE)).available, false, 'no extension after the halt');
      assert.deepEqual(await readStatementsStatus(probe, { createExtension: true }, LIVE), { available: true, database: 'statements_status_probe', created: true });
      assert.deepEqual(await readStatementsStatus(probe, { createExtension: true }, LIVE), { available: true, database: 'statements_status_probe', created: false });
    } finally {
      await probe.close();
      await db.query('DROP DATABASE statements_status_probe');
    }
  });

  it('reads the JIT compilation time of each database\'s statements, and who wrote the buffers out', async () => {
    const facts = await readServerFacts(db);
    const jitBefore = await readJitByDatabase(db, facts);
    assert.ok(jitBefore.available, `JIT timings unavailable: ${jitBefore.available || jitBefore.reason}`);
    const database = (await workload.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
    const jitMsOf = (read: JitByDatabase) => (read.available ? (read.byDatabase.find((d) => d.database === database)?.jitMs ?? 0) : Number.NaN);
    // Every plan compiled, inlined and optimised: JIT time the statements' own counters must show.
    await workload.query('SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0');
    for (let i = 0; i < 3; i += 1) await workload.query('SELECT sum(g * 2 + 1), avg(g % 7) FROM generate_series(1, 10000) g WHERE g % 3 = $1', [i]);
    await workload.query('RESET jit; RESET jit_above_cost; RESET jit_inline_above_cost; RESET jit_optimize_above_cost');
    const jitAfter = await readJitByDatabase(db, facts);
    assert.ok(jitMsOf(jitAfter) > jitMsOf(jitBefore), `JIT time grew in ${database}: ${JSON.stringify(jitAfter)}`);
    const entry = jitAfter.available ? jitAfter.byDatabase.find((d) => d.database === database) : undefined;
    assert.ok(entry && entry.execMs > 0, 'the execution time is read alongside');

    const writes = await readBufferWrites(db, facts);
    assert.ok(writes, 'PostgreSQL 15 reports buffer writes in pg_stat_bgwriter');
    // A plain INSERT dirties shared buffers (CREATE TABLE AS would write through its own ring).
    await workload.query('CREATE TABLE IF NOT EXISTS writes_probe (n int)');
    await workload.query('INSERT INTO writes_probe SELECT g FROM generate_series(1, 20000) g');
    await db.query('CHECKPOINT');
    // The checkpointer reports its counters just after it wakes the CHECKPOINT's caller: poll.
    const deadline = Date.now() + IDLE_ERROR_DEADLINE_MS;
    let later = await readBufferWrites(db, facts);
    while (later!.byCheckpoints === writes.byCheckpoints && Date.now() < deadline) {
      await delay(50);
      later = await readBufferWrites(db, facts);
    }
    assert.ok(later!.byCheckpoints > writes.byCheckpoints, 'the checkpoint wrote the new table out (waited 5 s for its counters)');
    assert.ok([later!.byBgwriter, later!.byBackends].every((n) => Number.isFinite(n) && n >= 0));
  });

  it('counts the transactions it ran: a statement, a refused statement, a transaction of several as one', async () => {
    const start = db.transactionsRun;
    await db.query('SELECT 1');
    await assert.rejects(db.query('SELECT * FROM no_such_table'), PostgresQueryError);
    await db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await tx.query('SELECT 2');
    });
    assert.equal(db.transactionsRun - start, 3);
  });

  it('reads block read counters, with the read time only when track_io_timing is on', async () => {
    const counters = await readBlockReadCounters(db);
    assert.ok(counters.blocksHit > 0);
    const timing = (await workload.query<{ track_io_timing: string }>('SHOW track_io_timing')).rows[0]!.track_io_timing;
    assert.equal(counters.readTimeMs === null, timing === 'off');
  });

  it('takes a whole snapshot of a primary', async () => {
    const snapshot = await readPostgresSnapshot(db);
    assert.ok(snapshot.serverVersionNum >= 100000);
    assert.equal(snapshot.inRecovery, false);
    assert.equal(await readInRecovery(db), false);
    assert.ok(snapshot.serverTime instanceof Date && snapshot.serverTime >= snapshot.postmasterStartTime);

    const postgres = snapshot.databases.find((d) => d.datname === 'postgres');
    assert.ok(postgres, 'pg_stat_database has the postgres database');
    assert.ok(postgres.xactCommit > 0);
    assert.equal(typeof postgres.blksHit, 'number');
    assert.equal(typeof postgres.tempBytes, 'number');
    if (snapshot.serverVersionNum >= 140000) assert.equal(typeof postgres.sessionTimeSeconds, 'number');

    const active = snapshot.connections.find((c) => c.state === 'active');
    assert.ok(active && active.count >= 1, 'the agent’s own statement is active');
    assert.ok(snapshot.connections.some((c) => c.state === 'idle'), 'the workload client is idle');

    assert.equal(snapshot.checkpoints.view, snapshot.serverVersionNum >= 170000 ? 'pg_stat_checkpointer' : 'pg_stat_bgwriter');
    assert.equal(typeof snapshot.checkpoints.timed, 'number');
    assert.equal(typeof snapshot.checkpoints.writeTimeSeconds, 'number');
    assert.deepEqual(snapshot.replication, { role: 'primary', standbys: [] });
    assert.equal(snapshot.statements.available, true);
    assert.ok(snapshot.settings.length > 200);
  });

  it('runs the queries for other roles and versions that this server can also answer', async () => {
    const facts = await readServerFacts(db);
    // On a primary the WAL receive/replay positions are null, but the replica query must run.
    assert.deepEqual(await readReplication(db, { ...facts, inRecovery: true }), {
      role: 'replica',
      receivedLsn: null,
      replayedLsn: null,
      receiveReplayLagBytes: null,
      replayLagSeconds: null,
    });
    const [beforeSessionStats] = await readDatabaseStats(db, { ...facts, serverVersionNum: 130000 });
    assert.ok(beforeSessionStats);
    assert.equal(beforeSessionStats.sessionTimeSeconds, null);
    assert.equal(typeof beforeSessionStats.xactCommit, 'number');
  });

  it('reports pg_stat_statements unavailable in a database without the extension', async () => {
    await workload.query('CREATE DATABASE without_statements');
    const other = new PostgresPool({ connectionString: server.connectionString.replace(/\/postgres$/, '/without_statements') });
    try {
      const snapshot = await readPostgresSnapshot(other);
      assert.deepEqual(snapshot.statements, {
        available: false,
        reason: 'pg_stat_statements is not installed in the connected database',
      });
    } finally {
      await other.close();
    }
  });

  it('cancels a statement that runs past statement_timeout with a typed query error', async () => {
    const impatient = new PostgresPool({ connectionString: server.connectionString, statementTimeoutMs: 200 });
    try {
      const started = Date.now();
      await assert.rejects(impatient.query('SELECT pg_sleep(5)'), (error) => {
        assert.ok(error instanceof PostgresQueryError);
        assert.equal(error.sqlState, '57014');
        return true;
      });
      assert.ok(Date.now() - started < 3_000);
    } finally {
      await impatient.close();
    }
  });

  // Last: it stops the server.
  it('turns a stopped server into PostgresUnreachableError, without crashing on idle connections', async () => {
    await readPostgresSnapshot(db); // leaves an idle pooled connection for the shutdown to break
    await server.stop();

    // The shutdown terminates the idle connection; the pool must report that, not throw it.
    const deadline = Date.now() + IDLE_ERROR_DEADLINE_MS;
    while (idleConnectionErrors.length === 0 && Date.now() < deadline) await delay(20);
    const [idleError] = idleConnectionErrors;
    assert.ok(idleError, `no idle connection error was reported within ${IDLE_ERROR_DEADLINE_MS} ms of the shutdown`);
    assert.ok(idleError instanceof PostgresUnreachableError);
    assert.equal(idleError.sqlState, '57P01'); // admin_shutdown

    await assert.rejects(readPostgresSnapshot(db), (error) => {
      assert.ok(error instanceof PostgresUnreachableError, `got ${String(error)}`);
      assert.equal(error.code, 'postgres_unreachable');
      return true;
    });
    await assert.rejects(readInRecovery(db), PostgresUnreachableError);
  });
});
