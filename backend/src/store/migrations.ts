/**
 * Versioned schema migrations of the state database. Each migration runs in its own transaction
 * under a transaction-level advisory lock, and is recorded in `schema_migrations` in that same
 * transaction, so two agents starting at once apply each migration exactly once, and a migration that
 * fails leaves nothing behind.
 *
 * A released migration's SQL never changes: a new schema is a new migration appended to the list.
 */
import type { Queryable, TransactionalDb } from '../postgres/connection.js';

export interface Migration {
  /** Positive, strictly increasing along the list. */
  version: number;
  name: string;
  sql: string;
}

export interface MigrationOutcome {
  /** Versions this call applied, in order (empty when another agent or an earlier start applied them). */
  applied: number[];
  /** The highest version recorded in the database afterwards. */
  version: number;
}

/**
 * Every migrating transaction holds this lock (pg_advisory_xact_lock, released at COMMIT/ROLLBACK).
 * The key is the ASCII bytes of "pgtuner": arbitrary, but fixed forever.
 */
export const MIGRATION_LOCK_KEY = 0x7067_7475_6e65_72n;

const SQL = {
  lock: `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}::bigint)`,
  createMigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY CHECK (version > 0),
    name text NOT NULL CHECK (name <> ''),
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
  appliedVersions: 'SELECT version FROM schema_migrations ORDER BY version',
  isApplied: 'SELECT 1 AS applied FROM schema_migrations WHERE version = $1',
  record: 'INSERT INTO schema_migrations (version, name) VALUES ($1, $2)',
} as const;

const V1_INITIAL = `
CREATE TABLE sessions (
  id text PRIMARY KEY CHECK (id <> ''),
  scope text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'preparing', 'running', 'finishing', 'completed', 'stopped', 'failed', 'aborted', 'halted')),
  options jsonb NOT NULL,
  executor text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  ended_at timestamptz,
  result jsonb,
  reason text,
  -- insertion order, to break ties between sessions created within the same millisecond
  seq bigserial NOT NULL UNIQUE
);
-- One non-terminal session per cluster; halted counts as active until a person acknowledges it.
CREATE UNIQUE INDEX sessions_one_active_per_scope ON sessions (scope)
  WHERE state IN ('pending', 'preparing', 'running', 'finishing', 'halted');
CREATE INDEX sessions_by_scope ON sessions (scope, created_at, seq);

CREATE TABLE baselines (
  session_id text PRIMARY KEY REFERENCES sessions (id),
  dcs_parameters jsonb NOT NULL,
  effective jsonb NOT NULL,
  recorded_at timestamptz NOT NULL
);

CREATE TABLE autoconf_removals (
  id bigserial PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions (id),
  member text NOT NULL,
  name text NOT NULL,
  setting text NOT NULL,
  removed_at timestamptz NOT NULL
);
CREATE INDEX autoconf_removals_by_session ON autoconf_removals (session_id, id);

CREATE TABLE iterations (
  session_id text NOT NULL REFERENCES sessions (id),
  number integer NOT NULL CHECK (number >= 0),
  state text NOT NULL CHECK (state IN ('proposed', 'rejected', 'applying', 'measuring', 'measured', 'failed', 'reverted')),
  reason text NOT NULL,
  candidate jsonb NOT NULL,
  parameters jsonb NOT NULL,
  verification jsonb NOT NULL,
  measurement jsonb,
  score double precision,
  verdicts jsonb NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  error text,
  PRIMARY KEY (session_id, number)
);

CREATE TABLE patches (
  id bigserial PRIMARY KEY,
  session_id text REFERENCES sessions (id),
  iteration integer,
  body jsonb NOT NULL,
  sent_at timestamptz NOT NULL,
  outcome text CHECK (outcome IN ('ok', 'error')),
  error text
);
CREATE INDEX patches_by_session ON patches (session_id, id);

CREATE TABLE events (
  id bigserial PRIMARY KEY,
  session_id text REFERENCES sessions (id),
  at timestamptz NOT NULL,
  type text NOT NULL,
  member text,
  detail jsonb NOT NULL
);
CREATE INDEX events_by_session ON events (session_id, id);

-- No foreign key on session_id: a command names whatever session the caller asked about, and the
-- executor answers an unknown one by rejecting the command.
CREATE TABLE commands (
  id text PRIMARY KEY CHECK (id <> ''),
  kind text NOT NULL CHECK (kind IN ('start', 'stop', 'acknowledge')),
  session_id text,
  payload jsonb NOT NULL,
  received_by text NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'rejected')),
  result jsonb,
  handled_by text,
  handled_at timestamptz,
  seq bigserial NOT NULL UNIQUE
);
CREATE INDEX commands_pending ON commands (created_at, seq) WHERE status = 'pending';
`;

const V2_FAILOVER = `
-- A halted session ends as 'acknowledged' once a person acknowledges it (terminal, so a new session may start).
ALTER TABLE sessions DROP CONSTRAINT sessions_state_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_state_check
  CHECK (state IN ('pending', 'preparing', 'running', 'finishing', 'completed', 'stopped', 'failed', 'aborted', 'halted', 'acknowledged'));

-- The failover protocol's state of a halted session (tuning/failover/state.ts), replicated with the
-- rest so the new leader's agent continues it. revision guards against two writers.
CREATE TABLE failover_states (
  session_id text PRIMARY KEY REFERENCES sessions (id),
  state jsonb NOT NULL,
  revision integer NOT NULL CHECK (revision > 0),
  updated_at timestamptz NOT NULL
);
`;

const V3_SCOPED_COMMANDS = `
-- One external state database may serve several clusters: a command belongs to one cluster (Patroni
-- scope), and only that cluster's leader's agent executes it. It also expires: a start recorded while
-- no leader's agent runs must not run hours later.
ALTER TABLE commands ADD COLUMN scope text;
ALTER TABLE commands ADD COLUMN expires_at timestamptz;
-- A command recorded before this migration names no cluster, so no leader can tell it is its own: a
-- pending one is rejected as expired, never executed.
UPDATE commands
   SET status = 'rejected',
       result = jsonb_build_object('error', jsonb_build_object(
         'code', 'command_expired',
         'message', 'command ' || id || ' was recorded before commands named their cluster; it was never executed')),
       handled_by = 'migration 3',
       handled_at = now()
 WHERE status = 'pending';
UPDATE commands SET scope = '', expires_at = created_at WHERE scope IS NULL;
ALTER TABLE commands ALTER COLUMN scope SET NOT NULL;
ALTER TABLE commands ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE commands ADD CONSTRAINT commands_expire_after_creation CHECK (expires_at > created_at) NOT VALID;
DROP INDEX commands_pending;
CREATE INDEX commands_pending ON commands (scope, created_at, seq) WHERE status = 'pending';
`;

const V4_APPROVAL = `
-- Approval mode: every configuration a session would apply first waits here for a person's decision.
CREATE TABLE pending_changes (
  id bigserial PRIMARY KEY,
  session_id text NOT NULL REFERENCES sessions (id),
  iteration integer,
  reason text NOT NULL CHECK (reason IN ('first', 'initial', 'model', 'remeasure', 'restore_best', 'final_best', 'revert_to_baseline', 'keep_current')),
  replaces bigint REFERENCES pending_changes (id),
  configuration jsonb NOT NULL,
  parameters jsonb NOT NULL,
  vs_baseline jsonb NOT NULL,
  vs_best jsonb NOT NULL,
  memory jsonb,
  prediction jsonb,
  context jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'dropped')),
  decided_by text,
  decided_at timestamptz,
  changes jsonb,
  decision_reason text
);
-- At most one change awaits a decision per session.
CREATE UNIQUE INDEX pending_changes_one_per_session ON pending_changes (session_id) WHERE status = 'pending';
CREATE INDEX pending_changes_by_session ON pending_changes (session_id, id);

-- Decisions reach the leader's agent as commands, like the other mutations.
ALTER TABLE commands DROP CONSTRAINT commands_kind_check;
ALTER TABLE commands ADD CONSTRAINT commands_kind_check CHECK (kind IN ('start', 'stop', 'acknowledge', 'approve', 'reject'));
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: V1_INITIAL },
  { version: 2, name: 'failover protocol state', sql: V2_FAILOVER },
  { version: 3, name: 'commands scoped by cluster, with an expiry', sql: V3_SCOPED_COMMANDS },
  { version: 4, name: 'approval mode: pending changes', sql: V4_APPROVAL },
];

/** Throws when versions are not positive, strictly increasing integers or a name is empty. */
export function validateMigrations(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const { version, name } of migrations) {
    if (!Number.isSafeInteger(version) || version <= previous) {
      throw new Error(`migration versions must be positive and strictly increasing: ${version} follows ${previous}`);
    }
    if (name.trim() === '') throw new Error(`migration ${version} has no name`);
    previous = version;
  }
}

/**
 * Applies the migrations missing from the database, in order. Safe to run from several agents at
 * once: the advisory lock serialises them and each re-checks `schema_migrations` once it holds it.
 */
export async function migrate(db: TransactionalDb, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationOutcome> {
  validateMigrations(migrations);
  const recorded = await db.transaction(async (tx) => {
    await tx.query(SQL.lock);
    await tx.query(SQL.createMigrationsTable);
    return appliedVersions(tx);
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    if (recorded.has(migration.version)) continue;
    const didApply = await db.transaction(async (tx) => {
      await tx.query(SQL.lock);
      // Another agent may have applied it while this one waited for the lock.
      if ((await tx.query(SQL.isApplied, [migration.version])).length > 0) return false;
      await tx.query(migration.sql);
      await tx.query(SQL.record, [migration.version, migration.name]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  const versions = await appliedVersions(db);
  return { applied, version: Math.max(0, ...versions) };
}

async function appliedVersions(db: Queryable): Promise<Set<number>> {
  const rows = await db.query<{ version: number }>(SQL.appliedVersions);
  return new Set(rows.map((row) => row.version));
}
