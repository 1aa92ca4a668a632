import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PostgresQueryError, PostgresUnreachableError } from '../../../src/postgres/errors.js';
import type { ServerFactsRow } from '../../../src/postgres/server-facts.js';
import { readServerFacts } from '../../../src/postgres/server-facts.js';
import { readPostgresSnapshot } from '../../../src/postgres/snapshots.js';
import { AGENT_STATEMENT_TAG } from '../../../src/postgres/statement-tag.js';
import { readStatementsAggregate } from '../../../src/postgres/statements.js';
import { type FakeAnswer, FakeQueryable } from './fake-queryable.js';

const SERVER_TIME = new Date('2025-01-02T03:04:05Z');
const START_TIME = new Date('2025-01-01T00:00:00Z');

function factsRow(overrides: Partial<ServerFactsRow> = {}): ServerFactsRow {
  return {
    server_version_num: 150004,
    in_recovery: false,
    server_time: SERVER_TIME,
    postmaster_start_time: START_TIME,
    pg_stat_statements_schema: 'public',
    pg_stat_statements_version: '1.10',
    ...overrides,
  };
}

const DATABASE_ROW = {
  datname: 'app',
  numbackends: 3,
  xactCommit: 1000,
  xactRollback: 2,
  blksRead: 50,
  blksHit: 950,
  tupReturned: 10,
  tupFetched: 9,
  tupInserted: 8,
  tupUpdated: 7,
  tupDeleted: 6,
  tempFiles: 1,
  tempBytes: 8192,
  deadlocks: 0,
  blkReadTimeSeconds: 0.5,
  blkWriteTimeSeconds: 0.25,
  sessionTimeSeconds: 12,
  activeTimeSeconds: 3,
  idleInTransactionTimeSeconds: 0,
  sessions: 4,
};
const CHECKPOINT_ROW = { view: 'pg_stat_bgwriter', timed: 5, requested: 1, writeTimeSeconds: 2, syncTimeSeconds: 0.1, buffersWritten: 300 };
const STANDBY_ROW = {
  applicationName: 'node2',
  clientAddr: '10.0.0.2',
  state: 'streaming',
  syncState: 'async',
  replayLagBytes: 128,
  writeLagSeconds: 0.001,
  flushLagSeconds: 0.002,
  replayLagSeconds: 0.003,
};
const SETTING_ROW = {
  name: 'work_mem',
  setting: '4096',
  unit: 'kB',
  vartype: 'integer',
  context: 'user',
  min_val: '64',
  max_val: '2147483647',
  enumvals: null,
  source: 'default',
  sourcefile: null,
  pending_restart: false,
  boot_val: '4096',
  reset_val: '4096',
};

/** A server answering every snapshot query; `overrides` replace answers by the same patterns. */
function fakeServer(facts: ServerFactsRow, overrides: readonly (readonly [RegExp, FakeAnswer])[] = []): FakeQueryable {
  return new FakeQueryable([
    ...overrides,
    [/pg_is_in_recovery\(\) AS in_recovery,/, [facts]],
    [/FROM pg_stat_database/, [DATABASE_ROW]],
    [/FROM pg_stat_activity/, [{ state: 'active', count: 1 }, { state: 'idle', count: 4 }]],
    [/FROM pg_stat_(bgwriter|checkpointer)/, [CHECKPOINT_ROW]],
    [/FROM pg_stat_replication/, [STANDBY_ROW]],
    [/pg_last_wal_replay_lsn\(\)/, [{ role: 'replica', receivedLsn: '0/3000148', replayedLsn: '0/3000148', receiveReplayLagBytes: 0, replayLagSeconds: 0 }]],
    [/\.pg_stat_statements/, [{ statements: 12, calls: 340, totalExecTimeSeconds: 1.5 }]],
    [/FROM pg_settings/, [SETTING_ROW]],
  ]);
}

function sqlOf(db: FakeQueryable, pattern: RegExp): string {
  const statement = db.statements.find((s) => pattern.test(s.sql));
  assert.ok(statement, `no statement matching ${pattern}`);
  return statement.sql;
}

describe('readPostgresSnapshot', () => {
  it('combines every reader into one snapshot in seven statements', async () => {
    const db = fakeServer(factsRow());
    const snapshot = await readPostgresSnapshot(db);
    assert.equal(db.statements.length, 7);
    assert.equal(snapshot.serverVersionNum, 150004);
    assert.equal(snapshot.inRecovery, false);
    assert.equal(snapshot.serverTime, SERVER_TIME);
    assert.equal(snapshot.postmasterStartTime, START_TIME);
    assert.deepEqual(snapshot.databases, [DATABASE_ROW]);
    assert.deepEqual(snapshot.connections, [
      { state: 'active', count: 1 },
      { state: 'idle', count: 4 },
    ]);
    assert.deepEqual(snapshot.checkpoints, CHECKPOINT_ROW);
    assert.deepEqual(snapshot.replication, { role: 'primary', standbys: [STANDBY_ROW] });
    assert.deepEqual(snapshot.statements, { available: true, statements: 12, calls: 340, totalExecTimeSeconds: 1.5 });
    assert.deepEqual(
      snapshot.settings.map((s) => [s.name, s.setting]),
      [['work_mem', 4096]],
    );
  });

  it('reads pg_stat_bgwriter up to PostgreSQL 16 and pg_stat_checkpointer from 17', async () => {
    const pg16 = fakeServer(factsRow({ server_version_num: 160004 }));
    await readPostgresSnapshot(pg16);
    assert.match(sqlOf(pg16, /checkpoints?_/), /FROM pg_stat_bgwriter/);

    const pg17 = fakeServer(factsRow({ server_version_num: 170002 }));
    await readPostgresSnapshot(pg17);
    assert.match(sqlOf(pg17, /num_timed/), /FROM pg_stat_checkpointer/);
    assert.equal(pg17.statements.some((s) => /pg_stat_bgwriter/.test(s.sql)), false);
  });

  it('reads session time only from PostgreSQL 14', async () => {
    const pg14 = fakeServer(factsRow({ server_version_num: 140010 }));
    await readPostgresSnapshot(pg14);
    assert.match(sqlOf(pg14, /FROM pg_stat_database/), /session_time \/ 1000/);

    const pg13 = fakeServer(factsRow({ server_version_num: 130015 }));
    await readPostgresSnapshot(pg13);
    assert.match(sqlOf(pg13, /FROM pg_stat_database/), /NULL::float8 AS "sessionTimeSeconds"/);
  });

  it('on a server in recovery reports received and replayed WAL instead of standbys', async () => {
    const db = fakeServer(factsRow({ in_recovery: true }));
    const snapshot = await readPostgresSnapshot(db);
    assert.equal(snapshot.inRecovery, true);
    assert.deepEqual(snapshot.replication, {
      role: 'replica',
      receivedLsn: '0/3000148',
      replayedLsn: '0/3000148',
      receiveReplayLagBytes: 0,
      replayLagSeconds: 0,
    });
    assert.equal(db.statements.some((s) => /pg_stat_replication/.test(s.sql)), false);
  });

  it('fails as a whole with the typed error when a part fails', async () => {
    const down = new PostgresUnreachableError('PostgreSQL unreachable: ECONNREFUSED');
    const db = fakeServer(factsRow(), [[/FROM pg_stat_activity/, down]]);
    await assert.rejects(readPostgresSnapshot(db), (error) => error === down);
  });

  it('refuses servers older than PostgreSQL 10', async () => {
    const db = fakeServer(factsRow({ server_version_num: 90624 }));
    await assert.rejects(readServerFacts(db), { code: 'postgres_unexpected_result', message: /90624 is not supported/ });
  });
});

describe('readStatementsAggregate', () => {
  it('excludes the agent’s statements by their tag and counts top-level statements only', async () => {
    const db = fakeServer(factsRow({ pg_stat_statements_schema: '"Monitoring"' }));
    await readStatementsAggregate(db, await readServerFacts(db));
    const statement = db.statements.at(-1);
    assert.ok(statement);
    assert.match(statement.sql, /FROM "Monitoring"\.pg_stat_statements/);
    assert.match(statement.sql, /sum\(total_exec_time\)/);
    assert.match(statement.sql, /AND toplevel/);
    assert.match(statement.sql, /<> \$1::text/);
    assert.deepEqual(statement.params, [AGENT_STATEMENT_TAG]);
  });

  it('uses total_time and no toplevel with extension versions before 1.8', async () => {
    const db = fakeServer(factsRow({ server_version_num: 120010, pg_stat_statements_version: '1.7' }));
    await readStatementsAggregate(db, await readServerFacts(db));
    const sql = sqlOf(db, /\.pg_stat_statements/);
    assert.match(sql, /sum\(total_time\)/);
    assert.doesNotMatch(sql, /toplevel/);
  });

  it('is unavailable, without a query, when the extension is not installed', async () => {
    const db = fakeServer(factsRow({ pg_stat_statements_schema: null, pg_stat_statements_version: null }));
    const snapshot = await readPostgresSnapshot(db);
    assert.deepEqual(snapshot.statements, {
      available: false,
      reason: 'pg_stat_statements is not installed in the connected database',
    });
    assert.equal(db.statements.length, 6);
  });

  it('is unavailable when the library is not preloaded or the view is gone', async () => {
    for (const sqlState of ['55000', '42P01']) {
      const failure = new PostgresQueryError(`PostgreSQL error ${sqlState}: nope`, { sqlState });
      const db = fakeServer(factsRow(), [[/\.pg_stat_statements/, failure]]);
      const snapshot = await readPostgresSnapshot(db);
      assert.deepEqual(snapshot.statements, { available: false, reason: failure.message });
    }
  });

  it('passes other failures on', async () => {
    const timeout = new PostgresQueryError('PostgreSQL error 57014: canceling statement due to statement timeout', {
      sqlState: '57014',
    });
    const db = fakeServer(factsRow(), [[/\.pg_stat_statements/, timeout]]);
    await assert.rejects(readPostgresSnapshot(db), (error) => error === timeout);
  });
});
