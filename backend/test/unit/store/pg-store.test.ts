/**
 * The PostgreSQL store against a real, throwaway PostgreSQL: the Store contract, the migrations, the
 * state database creation, and the pool's transactions they rely on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Queryable } from '../../../src/postgres/connection.js';
import { PostgresPool } from '../../../src/postgres/connection.js';
import { PostgresQueryError } from '../../../src/postgres/errors.js';
import { AGENT_STATEMENT_TAG } from '../../../src/postgres/statement-tag.js';
import { ensureStateDatabase, InvalidDatabaseNameError } from '../../../src/store/database.js';
import { migrate, MIGRATION_LOCK_KEY, MIGRATIONS, type Migration } from '../../../src/store/migrations.js';
import { PgStore } from '../../../src/store/pg-store.js';
import type { SessionState } from '../../../src/model/records.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../../../test/support/throwaway-postgres.js';
import { describeStoreContract, FakeClock, newSession } from './store-contract.js';

const STORE_TABLES = ['autoconf_removals', 'baselines', 'commands', 'events', 'failover_states', 'iterations', 'patches', 'pending_changes', 'sessions'];
const TRUNCATE_ALL = `TRUNCATE ${STORE_TABLES.join(', ')} RESTART IDENTITY`;
/** How long a test waits for a condition it polls for before it fails. */
const WAIT_DEADLINE_MS = 10_000;

async function versions(db: Queryable): Promise<Array<{ version: number; name: string }>> {
  return db.query('SELECT version, name FROM schema_migrations ORDER BY version');
}

async function tableExists(db: Queryable, table: string): Promise<boolean> {
  const [row] = await db.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [table]);
  return row?.exists === true;
}

describe('state store on a real PostgreSQL', () => {
  let server: ThrowawayPostgres;
  let admin: PostgresPool;
  const pools: PostgresPool[] = [];
  const clients: pg.Client[] = [];

  /** A pool on another database of the throwaway server, closed at the end. */
  const poolOn = (database: string, options: { maxConnections?: number } = {}) => {
    const pool = new PostgresPool({ connectionString: server.connectionString.replace(/\/postgres$/, `/${database}`), ...options });
    pools.push(pool);
    return pool;
  };
  /** A fresh, migrated database. */
  const freshDatabase = async (database: string) => {
    assert.deepEqual(await ensureStateDatabase(admin, database), { created: true });
    return poolOn(database);
  };

  before(async () => {
    server = await startThrowawayPostgres();
    admin = new PostgresPool({ connectionString: server.connectionString });
  });

  after(async () => {
    for (const client of clients) await client.end().catch(() => {});
    for (const pool of pools) await pool.close();
    await admin?.close();
    await server?.destroy();
  });

  describe('PgStore', () => {
    let db: PostgresPool;
    before(async () => {
      db = await freshDatabase('store_contract');
      await migrate(db);
    });

    describeStoreContract('PgStore', async (clock) => {
      await db.query(TRUNCATE_ALL);
      return new PgStore(db, { clock });
    });

    it('stores records in the schema’s columns, JSON as jsonb objects and arrays', async () => {
      await db.query(TRUNCATE_ALL);
      const store = new PgStore(db, { clock: new FakeClock().now });
      await store.createSession(newSession('s1'));
      await store.insertIteration({
        sessionId: 's1',
        number: 0,
        state: 'measured',
        reason: 'baseline',
        candidate: { work_mem: 4096 },
        parameters: {},
        verification: [{ member: 'node1', verified: true, mismatches: [], pendingRestart: [], error: null }],
        measurement: null,
        score: 0.5,
        verdicts: [],
        startedAt: new Date(0),
        endedAt: null,
        error: null,
      });
      const [row] = await db.query<Record<string, string>>(
        `SELECT jsonb_typeof(verification) AS verification, jsonb_typeof(candidate) AS candidate,
                measurement IS NULL AS measurement_is_null, s.state, s.created_at = '2025-03-01T10:00:00Z'::timestamptz AS created_at_exact
         FROM iterations JOIN sessions s ON s.id = session_id`,
      );
      assert.deepEqual(row, {
        verification: 'array',
        candidate: 'object',
        measurement_is_null: true,
        state: 'pending',
        created_at_exact: true,
      });
    });

    it('leaves a state the schema does not know to the CHECK constraint', async () => {
      await db.query(TRUNCATE_ALL);
      const store = new PgStore(db);
      await store.createSession(newSession('s1'));
      await assert.rejects(store.updateSession('s1', { state: 'paused' as SessionState }), (error) => {
        assert.ok(error instanceof PostgresQueryError);
        assert.equal(error.sqlState, '23514');
        return true;
      });
      assert.equal((await store.getSession('s1'))?.state, 'pending');
    });
  });

  describe('migrate', () => {
    it('creates every schema version once and records it; a second run applies nothing', async () => {
      const db = await freshDatabase('migrate_once');
      assert.deepEqual(await migrate(db), { applied: [1, 2, 3, 4], version: 4 });
      assert.deepEqual(await migrate(db), { applied: [], version: 4 });
      assert.deepEqual(await versions(db), [
        { version: 1, name: 'initial schema' },
        { version: 2, name: 'failover protocol state' },
        { version: 3, name: 'commands scoped by cluster, with an expiry' },
        { version: 4, name: 'approval mode: pending changes' },
      ]);
      const [recorded] = await db.query<{ applied_at: Date }>('SELECT applied_at FROM schema_migrations');
      assert.ok(recorded?.applied_at instanceof Date);

      const tables = await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      assert.deepEqual(
        tables.map((t) => t.table_name),
        [...STORE_TABLES.slice(0, 8), 'schema_migrations', 'sessions'],
      );
      const indexes = await db.query<{ indexname: string; indexdef: string }>(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'sessions' AND indexname = 'sessions_one_active_per_scope'",
      );
      assert.equal(indexes.length, 1);
      assert.match(indexes[0]?.indexdef ?? '', /^CREATE UNIQUE INDEX .* \(scope\) WHERE \(state = ANY/);
    });

    it('migration 3 never lets a command recorded before scopes run: pending ones are rejected as expired', async () => {
      const db = await freshDatabase('migrate_commands');
      await migrate(db, MIGRATIONS.slice(0, 2));
      const insert = `INSERT INTO commands (id, kind, session_id, payload, received_by, created_at, status) VALUES ($1, 'start', NULL, '{}', 'node2', $2, $3)`;
      await db.query(insert, ['old-pending', new Date('2025-03-01T10:00:00Z'), 'pending']);
      await db.query(insert, ['old-done', new Date('2025-03-01T09:00:00Z'), 'done']);
      assert.deepEqual(await migrate(db, MIGRATIONS.slice(0, 3)), { applied: [3], version: 3 });
      const store = new PgStore(db);
      const pending = await store.getCommand('old-pending');
      assert.equal(pending?.status, 'rejected');
      assert.equal((pending?.result as { error?: { code?: string } } | null)?.error?.code, 'command_expired');
      assert.deepEqual(pending?.expiresAt, new Date('2025-03-01T10:00:00Z'));
      assert.equal((await store.getCommand('old-done'))?.status, 'done');
      assert.deepEqual(await store.pendingCommands('', new Date(0)), []);
    });

    it('applies later migrations in order, and a failing one leaves nothing behind', async () => {
      const db = await freshDatabase('migrate_order');
      const v2: Migration = { version: 12, name: 'extra table', sql: 'CREATE TABLE extra (x integer); INSERT INTO extra VALUES (2)' };
      const v3: Migration = { version: 13, name: 'broken', sql: 'CREATE TABLE half_done (x integer); SELECT 1 / 0' };
      const v4: Migration = { version: 14, name: 'after broken', sql: 'CREATE TABLE after_broken (x integer)' };
      assert.deepEqual(await migrate(db, [...MIGRATIONS, v2]), { applied: [1, 2, 3, 4, 12], version: 12 });
      await assert.rejects(migrate(db, [...MIGRATIONS, v2, v3, v4]), (error) => {
        assert.ok(error instanceof PostgresQueryError);
        assert.equal(error.sqlState, '22012'); // division_by_zero
        return true;
      });
      assert.deepEqual(
        (await versions(db)).map((v) => v.version),
        [1, 2, 3, 4, 12],
      );
      assert.equal(await tableExists(db, 'half_done'), false);
      assert.equal(await tableExists(db, 'after_broken'), false);
      assert.deepEqual(await db.query('SELECT x FROM extra'), [{ x: 2 }]);
      // Fixed, it goes through; what ran before is not run again.
      assert.deepEqual(await migrate(db, [...MIGRATIONS, v2, { ...v3, sql: 'CREATE TABLE half_done (x integer)' }, v4]), {
        applied: [13, 14],
        version: 14,
      });
      assert.deepEqual(await db.query('SELECT x FROM extra'), [{ x: 2 }]);
    });

    it('lets two agents migrate at once: each migration is applied exactly once', async () => {
      await freshDatabase('migrate_race');
      const [a, b] = [poolOn('migrate_race'), poolOn('migrate_race')];
      const outcomes = await Promise.all([migrate(a), migrate(b)]);
      // Each migration was applied by one of the two, never by both.
      assert.deepEqual(outcomes.flatMap((o) => o.applied).sort(), [1, 2, 3, 4]);
      assert.deepEqual(
        outcomes.map((o) => o.version),
        [4, 4],
      );
      assert.deepEqual((await versions(a)).map((v) => v.version), [1, 2, 3, 4]);
    });

    it('waits for the advisory lock another agent holds', async () => {
      const db = await freshDatabase('migrate_locked');
      const holder = new pg.Client({ connectionString: server.connectionString.replace(/\/postgres$/, '/migrate_locked') });
      clients.push(holder);
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);

      const migrating = migrate(db);
      const deadline = Date.now() + WAIT_DEADLINE_MS;
      const waiting = async () =>
        (await holder.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rowCount === 1;
      while (!(await waiting())) assert.ok(Date.now() < deadline, 'migrate never waited for the advisory lock');
      assert.equal(await tableExists(db, 'schema_migrations'), false);

      await holder.query('COMMIT');
      assert.deepEqual(await migrating, { applied: [1, 2, 3, 4], version: 4 });
    });
  });

  describe('ensureStateDatabase', () => {
    const databasesNamed = async (name: string) =>
      (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [name]))[0]?.n;

    it('creates the database once and tolerates a second call', async () => {
      assert.deepEqual(await ensureStateDatabase(admin, 'ensure_once'), { created: true });
      assert.deepEqual(await ensureStateDatabase(admin, 'ensure_once'), { created: false });
      assert.equal(await databasesNamed('ensure_once'), 1);
      // The new database is usable.
      assert.deepEqual(await poolOn('ensure_once').query('SELECT current_database() AS db'), [{ db: 'ensure_once' }]);
    });

    it('creates the default patroni_tuner database', async () => {
      assert.deepEqual(await ensureStateDatabase(admin), { created: true });
      assert.equal(await databasesNamed('patroni_tuner'), 1);
    });

    it('lets two agents ensure the same database at once: one creates it, neither fails', async () => {
      const other = poolOn('postgres');
      const outcomes = await Promise.all([ensureStateDatabase(admin, 'ensure_race'), ensureStateDatabase(other, 'ensure_race')]);
      assert.deepEqual(outcomes.map((o) => o.created).sort(), [false, true]);
      assert.equal(await databasesNamed('ensure_race'), 1);
    });

    it('rejects an invalid name without creating anything', async () => {
      const [before] = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_database');
      await assert.rejects(ensureStateDatabase(admin, 'Bad-Name'), InvalidDatabaseNameError);
      assert.deepEqual(await admin.query('SELECT count(*)::int AS n FROM pg_database'), [before]);
    });
  });

  describe('PostgresPool.transaction', () => {
    let db: PostgresPool;
    const values = async () => (await db.query<{ x: number }>('SELECT x FROM tx_probe ORDER BY x')).map((r) => r.x);

    before(async () => {
      await ensureStateDatabase(admin, 'transactions');
      // One connection: a transaction that did not give its connection back would block the next one.
      db = poolOn('transactions', { maxConnections: 1 });
      await db.query('CREATE TABLE tx_probe (x integer)');
    });

    it('runs every statement on one connection in one transaction, tagged, and commits', async () => {
      const seen = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES ($1)', [1]);
        await tx.query('INSERT INTO tx_probe VALUES ($1)', [2]);
        const rows = await tx.query<{ pid: number; xid: string; query: string }>(
          'SELECT pg_backend_pid() AS pid, txid_current()::text AS xid, current_query() AS query',
        );
        const again = await tx.query<{ pid: number; xid: string }>('SELECT pg_backend_pid() AS pid, txid_current()::text AS xid');
        return { first: rows[0], again: again[0] };
      });
      assert.ok(seen.first && seen.again);
      assert.deepEqual([seen.again.pid, seen.again.xid], [seen.first.pid, seen.first.xid]);
      assert.ok(seen.first.query.startsWith(AGENT_STATEMENT_TAG), seen.first.query);
      assert.deepEqual(await values(), [1, 2]);
    });

    it('rolls back and rethrows what the function threw', async () => {
      const boom = new Error('boom');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO tx_probe VALUES (3)');
          throw boom;
        }),
        (error) => error === boom,
      );
      assert.deepEqual(await values(), [1, 2]);
    });

    it('does not report a commit when a statement failed and the function swallowed it', async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO tx_probe VALUES (4)');
          await tx.query('SELECT 1 / 0').catch(() => {});
          return 'looks fine';
        }),
        (error) => {
          assert.ok(error instanceof PostgresQueryError);
          assert.equal(error.sqlState, '25P02');
          return true;
        },
      );
      assert.deepEqual(await values(), [1, 2]);
    });

    it('refuses statements on a transaction that has ended', async () => {
      let leaked: Queryable | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      assert.ok(leaked);
      await assert.rejects(leaked.query('INSERT INTO tx_probe VALUES (5)'), /transaction that has already ended/);
      assert.deepEqual(await values(), [1, 2]);
    });
  });
});
