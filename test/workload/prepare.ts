/**
 * `prepareWorkload`: creates the workload's own database if missing and loads its tables once per
 * (schema version, scale, seed). A second call finds the record of a finished load and only
 * re-analyzes, so tests, the demo and the benchmark can all call it freely.
 */
import type pg from 'pg';
import { closeQuietly, connect, errorCode, HOUSEKEEPING_TAG, quoteIdent, withDatabase } from './connection.js';
import { DEFAULT_WORKLOAD_DATABASE, loadSteps, META_TABLE, SCHEMA_VERSION, WORKLOAD_TABLES } from './schema.js';

export interface PrepareOptions {
  /** The workload's database, created if missing. Default `tuner_workload`. */
  database?: string;
  /** pgbench-style scale factor: 100 000 accounts and 100 000 orders per unit. Default 10. */
  scale?: number;
  /** Seed of the generated data. Default 1. */
  seed?: number;
  /** Reload even when the same data is there. */
  force?: boolean;
  /**
   * Called last with the leader's WAL position after the load (or the re-analyze); resolve once the
   * replicas have replayed it. `waitForReplay` builds one from the replicas' URLs.
   */
  waitReplicas?: (leaderLsn: string) => Promise<void>;
  /**
   * Create pg_stat_statements in the workload database when the server preloads it, so the
   * workload's statement statistics can be read there (see statements.ts). Default true.
   */
  statementsExtension?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface PrepareResult {
  database: string;
  scale: number;
  seed: number;
  /** False when the data was already there and only ANALYZE ran. */
  loaded: boolean;
  durationMs: number;
  /** Size of the workload database afterwards. */
  sizeBytes: number;
  /** The leader's WAL position after preparing (what `waitReplicas` was given). */
  lsn: string;
}

export interface WorkloadMeta {
  schemaVersion: number;
  scale: number;
  seed: number;
  loadedAt: string;
}

export class WorkloadNotPreparedError extends Error {
  override readonly name = 'WorkloadNotPreparedError';
  readonly code = 'WORKLOAD_NOT_PREPARED';
}

const APPLICATION_NAME = 'tuner-workload-prepare';
/** Serialises concurrent prepares of one database (an arbitrary constant: "wl" + schema version). */
const PREPARE_LOCK_KEY = 0x776c0000 + SCHEMA_VERSION;
const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

export function checkScale(scale: number): number {
  if (!Number.isInteger(scale) || scale < 1 || scale > 1000) {
    throw new RangeError(`scale must be an integer from 1 to 1000, got ${String(scale)}`);
  }
  return scale;
}

/** The record of a finished load, or null when there is none (or it is from another schema version). */
export async function readMeta(client: pg.Client): Promise<WorkloadMeta | null> {
  const exists = await client.query<{ exists: boolean }>(`${HOUSEKEEPING_TAG} SELECT to_regclass($1) IS NOT NULL AS exists`, [META_TABLE]);
  if (!exists.rows[0]?.exists) return null;
  const rows = await client.query<{ key: string; value: string }>(`${HOUSEKEEPING_TAG} SELECT key, value FROM ${META_TABLE}`);
  const values = new Map(rows.rows.map((r) => [r.key, r.value]));
  const meta = {
    schemaVersion: Number(values.get('schema_version')),
    scale: Number(values.get('scale')),
    seed: Number(values.get('seed')),
    loadedAt: values.get('loaded_at') ?? '',
  };
  if (meta.schemaVersion !== SCHEMA_VERSION || !Number.isInteger(meta.scale) || !Number.isSafeInteger(meta.seed)) return null;
  return meta;
}

async function ensureDatabase(databaseUrl: string, database: string, log: (line: string) => void): Promise<pg.Client> {
  const target = withDatabase(databaseUrl, database);
  try {
    return await connect(target, { applicationName: APPLICATION_NAME });
  } catch (error) {
    if (errorCode(error) !== INVALID_CATALOG_NAME) throw error;
  }
  // Create it from the database the caller named, or from `postgres` when that was the workload's.
  const given = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const maintenanceUrl = given !== '' && given !== database ? databaseUrl : withDatabase(databaseUrl, 'postgres');
  const admin = await connect(maintenanceUrl, { applicationName: APPLICATION_NAME });
  try {
    log(`creating database ${database}`);
    await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
  } catch (error) {
    if (errorCode(error) !== DUPLICATE_DATABASE) throw error; // a concurrent prepare created it
  } finally {
    await closeQuietly(admin);
  }
  return connect(target, { applicationName: APPLICATION_NAME });
}

async function createStatementsExtension(client: pg.Client, log: (line: string) => void): Promise<void> {
  const preload = await client.query<{ libs: string }>(`SELECT current_setting('shared_preload_libraries') AS libs`);
  const preloaded = (preload.rows[0]?.libs ?? '').split(',').some((lib) => lib.trim() === 'pg_stat_statements');
  if (!preloaded) return;
  const existing = await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`);
  if (existing.rowCount === 0) {
    log('creating extension pg_stat_statements in the workload database');
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  }
}

async function load(client: pg.Client, scale: number, seed: number, log: (line: string) => void): Promise<void> {
  const steps = loadSteps(scale, seed);
  // Settings for this session only: a bulk load need not wait for WAL flushes, and index builds
  // go faster with more memory. Neither changes the server's configuration.
  await client.query(`SET synchronous_commit = off; SET maintenance_work_mem = '256MB'`);
  await client.query('BEGIN');
  try {
    for (const step of steps.filter((s) => !s.outsideTransaction)) {
      const started = Date.now();
      await client.query(step.sql);
      log(`  ${step.name}: ${Date.now() - started} ms`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  for (const step of steps.filter((s) => s.outsideTransaction)) {
    const started = Date.now();
    await client.query(step.sql);
    log(`  ${step.name}: ${Date.now() - started} ms`);
  }
  await client.query(`CREATE TABLE ${META_TABLE} (key text PRIMARY KEY, value text NOT NULL)`);
  await client.query(
    `INSERT INTO ${META_TABLE} (key, value) VALUES ('schema_version', $1), ('scale', $2), ('seed', $3), ('loaded_at', now()::text)`,
    [String(SCHEMA_VERSION), String(scale), String(seed)],
  );
}

export async function prepareWorkload(databaseUrl: string, options: PrepareOptions = {}): Promise<PrepareResult> {
  const database = options.database ?? DEFAULT_WORKLOAD_DATABASE;
  const scale = checkScale(options.scale ?? 10);
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);
  const log = options.log ?? (() => {});
  const started = Date.now();

  const client = await ensureDatabase(databaseUrl, database, log);
  let loaded = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PREPARE_LOCK_KEY]);
    if (options.statementsExtension ?? true) await createStatementsExtension(client, log);
    const meta = await readMeta(client);
    if (!options.force && meta !== null && meta.scale === scale && meta.seed === seed) {
      log(`${database}: scale ${scale} (seed ${seed}) already loaded at ${meta.loadedAt}; analyzing`);
      await client.query(`ANALYZE ${WORKLOAD_TABLES.join(', ')}`);
    } else {
      log(
        meta === null
          ? `${database}: loading scale ${scale} (seed ${seed})`
          : `${database}: replacing scale ${meta.scale} (seed ${meta.seed}) with scale ${scale} (seed ${seed})`,
      );
      await load(client, scale, seed, log);
      loaded = true;
    }
    const facts = await client.query<{ size: string; lsn: string }>(
      `SELECT pg_database_size(current_database())::text AS size, pg_current_wal_lsn()::text AS lsn`,
    );
    const { size, lsn } = facts.rows[0]!;
    await client.query('SELECT pg_advisory_unlock($1)', [PREPARE_LOCK_KEY]);
    if (options.waitReplicas) {
      log(`waiting for replicas to replay ${lsn}`);
      await options.waitReplicas(lsn);
    }
    const result = { database, scale, seed, loaded, durationMs: Date.now() - started, sizeBytes: Number(size), lsn };
    log(`${database}: ready in ${result.durationMs} ms, ${(result.sizeBytes / 1024 / 1024).toFixed(0)} MB`);
    return result;
  } finally {
    await closeQuietly(client);
  }
}

/**
 * A `waitReplicas` callback: polls every replica until it has replayed the leader's position.
 * `replicaUrls` may name any database on the replicas.
 */
export function waitForReplay(
  replicaUrls: readonly string[],
  { timeoutMs = 120_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): (leaderLsn: string) => Promise<void> {
  return async (leaderLsn) => {
    const deadline = Date.now() + timeoutMs;
    for (const url of replicaUrls) {
      let lastProblem = 'not yet replayed';
      for (;;) {
        try {
          const client = await connect(url, { applicationName: APPLICATION_NAME, connectTimeoutMs: 2_000 });
          try {
            const result = await client.query<{ done: boolean }>(
              `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done`,
              [leaderLsn],
            );
            if (result.rows[0]?.done) break;
            lastProblem = 'not yet replayed';
          } finally {
            await closeQuietly(client);
          }
        } catch (error) {
          lastProblem = error instanceof Error ? error.message : String(error);
        }
        if (Date.now() > deadline) {
          throw new Error(`replica ${new URL(url).host} did not replay ${leaderLsn} within ${timeoutMs} ms (${lastProblem})`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    }
  };
}
