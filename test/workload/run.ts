/**
 * `runWorkload`: closed-loop clients, each on its own connection, each drawing its transactions
 * (kind by the mix, then the query, then the parameters) from its own seeded PRNG. The run is
 * bounded by a duration and/or a transaction count and stops early on an AbortSignal; it always
 * closes every connection it opened before it resolves.
 *
 * A failed transaction (a lost connection during a failover, a read-only leader-turned-replica, a
 * statement timeout) is counted, its connection is dropped, and the client reconnects after a short
 * exponential backoff. A failed connection attempt counts as a failed transaction of the kind the
 * client was about to run, so a dead server cannot make a count-bounded run spin forever.
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import {
  closeQuietly,
  connect,
  type DatabaseUrlSource,
  errorCode,
  errorMessage,
  HOUSEKEEPING_TAG,
  resolveUrl,
  withDatabase,
} from './connection.js';
import { readMeta, WorkloadNotPreparedError } from './prepare.js';
import { createPrng, deriveSeed } from './prng.js';
import { DEFAULT_WORKLOAD_DATABASE } from './schema.js';
import { type LatencySummary, summarize } from './stats.js';
import {
  chooser,
  DEFAULT_MIX,
  KINDS,
  type Kind,
  type Mix,
  nextTransaction,
  OLTP_TRANSACTION,
  REPORTING_QUERIES,
  type ReportingMix,
  type Transaction,
} from './transactions.js';

export const DEFAULT_APPLICATION_NAME = 'tuner-workload';

export interface RunOptions {
  /** Concurrent clients (connections). Default 4. */
  clients?: number;
  /** Stop starting transactions after this long. At least one of durationMs and transactions is required. */
  durationMs?: number;
  /** Stop after this many transaction attempts (over all clients). */
  transactions?: number;
  /** Relative weights of the kinds. Default oltp 8, reporting 2. */
  mix?: Partial<Mix>;
  /** Relative weights of the reporting queries; any query left out gets 0. Default: all equal. */
  reportingMix?: ReportingMix;
  /** Seed of every query parameter. Default 1. */
  seed?: number;
  /** Stops the run: in-flight statements are cancelled and not counted. */
  signal?: AbortSignal;
  /** Default `tuner_workload`; must have been prepared. */
  database?: string;
  /** application_name of the connections. Default `tuner-workload`. */
  applicationName?: string;
  /** Per-statement timeout set on the connections. Default 60 s; 0 disables it. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Backoff after a failure, doubling up to the maximum. Default 100 ms .. 2 s. */
  backoff?: { initialMs: number; maxMs: number };
  onProgress?: (progress: Progress) => void;
  /** Default 1 s. */
  progressIntervalMs?: number;
}

export interface Progress {
  elapsedMs: number;
  completed: number;
  failed: number;
  byKind: Record<Kind, { completed: number; failed: number }>;
  /** Completed transactions per second since the previous report. */
  recentTps: number;
}

export interface TransactionStats {
  kind: Kind;
  completed: number;
  failed: number;
  latency: LatencySummary;
  /** Every completed transaction's latency (ms, BEGIN to COMMIT as seen by the client), in completion order. */
  latenciesMs: number[];
}

export interface WorkloadResults {
  database: string;
  scale: number;
  seed: number;
  clients: number;
  mix: Mix;
  startedAt: string;
  elapsedMs: number;
  stoppedBy: 'duration' | 'transactions' | 'signal';
  transactions: {
    /** completed + failed + interrupted. */
    attempted: number;
    completed: number;
    failed: number;
    /** In flight when the signal stopped the run. */
    interrupted: number;
  };
  /** Completed transactions per second of elapsed time. */
  tps: number;
  overall: LatencySummary;
  byKind: Record<Kind, TransactionStats>;
  /** `tpcb` and every reporting query, including those that never ran. */
  byQuery: Record<string, TransactionStats>;
  errors: {
    total: number;
    /** SQLSTATE or Node error code (ECONNREFUSED, …); `unknown` when there is none. */
    byCode: Record<string, number>;
    /** The first few distinct messages. */
    samples: string[];
  };
  /** Connections opened after a failure. */
  reconnects: number;
}

const MAX_ERROR_SAMPLES = 10;

class Recorder {
  readonly byQuery = new Map<string, { kind: Kind; completed: number; failed: number; latencies: number[] }>();
  readonly errorsByCode = new Map<string, number>();
  readonly errorSamples: string[] = [];
  completed = 0;
  failed = 0;
  interrupted = 0;

  constructor() {
    this.byQuery.set(OLTP_TRANSACTION, { kind: 'oltp', completed: 0, failed: 0, latencies: [] });
    for (const name of REPORTING_QUERIES) this.byQuery.set(name, { kind: 'reporting', completed: 0, failed: 0, latencies: [] });
  }

  success(tx: Transaction, latencyMs: number): void {
    const entry = this.byQuery.get(tx.name)!;
    entry.completed += 1;
    entry.latencies.push(latencyMs);
    this.completed += 1;
  }

  failure(tx: Transaction, error: unknown): void {
    this.byQuery.get(tx.name)!.failed += 1;
    this.failed += 1;
    const code = errorCode(error) ?? 'unknown';
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
    const sample = `${code}: ${errorMessage(error)}`;
    if (this.errorSamples.length < MAX_ERROR_SAMPLES && !this.errorSamples.includes(sample)) this.errorSamples.push(sample);
  }

  kindCounts(): Record<Kind, { completed: number; failed: number }> {
    const counts = { oltp: { completed: 0, failed: 0 }, reporting: { completed: 0, failed: 0 } };
    for (const entry of this.byQuery.values()) {
      counts[entry.kind].completed += entry.completed;
      counts[entry.kind].failed += entry.failed;
    }
    return counts;
  }
}

function checkPositiveInteger(name: string, value: number | undefined, max = Number.MAX_SAFE_INTEGER): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= max)) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
}

export async function runWorkload(databaseUrl: DatabaseUrlSource, options: RunOptions): Promise<WorkloadResults> {
  const clients = options.clients ?? 4;
  checkPositiveInteger('clients', clients, 1000);
  checkPositiveInteger('transactions', options.transactions);
  if (options.durationMs !== undefined && !(Number.isFinite(options.durationMs) && options.durationMs > 0)) {
    throw new RangeError(`durationMs must be a positive number, got ${String(options.durationMs)}`);
  }
  if (options.durationMs === undefined && options.transactions === undefined) {
    throw new RangeError('a run needs a bound: durationMs, transactions or both');
  }
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);
  const mix: Mix = { ...DEFAULT_MIX, ...options.mix };
  const choose = chooser(mix, options.reportingMix);
  const database = options.database ?? DEFAULT_WORKLOAD_DATABASE;
  const connectOptions = {
    applicationName: options.applicationName ?? DEFAULT_APPLICATION_NAME,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    ...(options.statementTimeoutMs !== 0 ? { statementTimeoutMs: options.statementTimeoutMs ?? 60_000 } : {}),
  };
  const backoff = options.backoff ?? { initialMs: 100, maxMs: 2_000 };
  const urlOf = async () => withDatabase(await resolveUrl(databaseUrl), database);

  // The scale decides the parameter ranges; it is read from the record of the load.
  const setup = await connect(await urlOf(), connectOptions);
  let scale: number;
  try {
    const meta = await readMeta(setup);
    if (meta === null) throw new WorkloadNotPreparedError(`database ${database} holds no prepared workload; run prepareWorkload first`);
    scale = meta.scale;
  } finally {
    await closeQuietly(setup);
  }

  const recorder = new Recorder();
  const startedAt = new Date();
  const started = performance.now();
  let stoppedBy: WorkloadResults['stoppedBy'] | null = null;
  let attempted = 0;
  let reconnects = 0;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const stop = (reason: NonNullable<typeof stoppedBy>) => {
    stoppedBy ??= reason;
    wake();
  };
  /** Backend pid and URL of every client with a statement in flight, to cancel them on abort. */
  const inFlight = new Map<number, { pid: number; url: string }>();

  let cancelling: Promise<void> = Promise.resolve();
  const onAbort = () => {
    stop('signal');
    cancelling = cancelStatements([...inFlight.values()], connectOptions);
  };
  const deadline = options.durationMs !== undefined ? setTimeout(() => stop('duration'), options.durationMs) : null;
  if (options.signal?.aborted) stop('signal');
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  let lastProgress = { at: started, completed: 0 };
  const progressTimer = options.onProgress
    ? setInterval(() => {
        const now = performance.now();
        const recentTps = ((recorder.completed - lastProgress.completed) * 1000) / Math.max(1, now - lastProgress.at);
        lastProgress = { at: now, completed: recorder.completed };
        options.onProgress!({
          elapsedMs: now - started,
          completed: recorder.completed,
          failed: recorder.failed,
          byKind: recorder.kindCounts(),
          recentTps,
        });
      }, options.progressIntervalMs ?? 1_000)
    : null;

  /** Waits `ms`, or less if the run stops meanwhile; leaves no timer behind either way. */
  const sleep = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  };

  const worker = async (index: number) => {
    const prng = createPrng(deriveSeed(seed, index));
    let conn: { client: pg.Client; pid: number; url: string } | null = null;
    let everConnected = false;
    let delayMs = backoff.initialMs;
    try {
      while (stoppedBy === null) {
        if (options.transactions !== undefined && attempted >= options.transactions) {
          stop('transactions');
          break;
        }
        attempted += 1;
        const tx = nextTransaction(prng, scale, choose);
        try {
          if (conn === null) {
            const url = await urlOf();
            const client = await connect(url, connectOptions);
            let pid: number;
            try {
              pid = (await client.query<{ pid: number }>(`${HOUSEKEEPING_TAG} SELECT pg_backend_pid() AS pid`)).rows[0]!.pid;
            } catch (error) {
              await closeQuietly(client);
              throw error;
            }
            conn = { client, pid, url };
            if (everConnected) reconnects += 1;
            everConnected = true;
          }
          if (stoppedBy !== null) {
            attempted -= 1; // stopped while connecting: this one never started
            break;
          }
          inFlight.set(index, { pid: conn.pid, url: conn.url });
          const t0 = performance.now();
          await execute(conn.client, tx);
          recorder.success(tx, performance.now() - t0);
          delayMs = backoff.initialMs;
        } catch (error) {
          if (stoppedBy === 'signal') {
            recorder.interrupted += 1;
            break;
          }
          recorder.failure(tx, error);
          if (conn !== null) await closeQuietly(conn.client);
          conn = null;
          await sleep(delayMs);
          delayMs = Math.min(delayMs * 2, backoff.maxMs);
        } finally {
          inFlight.delete(index);
        }
      }
    } finally {
      if (conn !== null) await closeQuietly(conn.client);
    }
  };

  try {
    await Promise.all(Array.from({ length: clients }, (_, i) => worker(i)));
  } finally {
    if (deadline !== null) clearTimeout(deadline);
    if (progressTimer !== null) clearInterval(progressTimer);
    options.signal?.removeEventListener('abort', onAbort);
    await cancelling; // its control connection is closed too before the run returns
  }
  const elapsedMs = performance.now() - started;

  const byQuery: Record<string, TransactionStats> = {};
  const perKind: Record<Kind, { completed: number; failed: number; latencies: number[] }> = {
    oltp: { completed: 0, failed: 0, latencies: [] },
    reporting: { completed: 0, failed: 0, latencies: [] },
  };
  for (const [name, entry] of recorder.byQuery) {
    byQuery[name] = { kind: entry.kind, completed: entry.completed, failed: entry.failed, latency: summarize(entry.latencies), latenciesMs: entry.latencies };
    const k = perKind[entry.kind];
    k.completed += entry.completed;
    k.failed += entry.failed;
    k.latencies.push(...entry.latencies);
  }
  const byKind = Object.fromEntries(
    KINDS.map((kind) => {
      const k = perKind[kind];
      return [kind, { kind, completed: k.completed, failed: k.failed, latency: summarize(k.latencies), latenciesMs: k.latencies }];
    }),
  ) as Record<Kind, TransactionStats>;

  return {
    database,
    scale,
    seed,
    clients,
    mix,
    startedAt: startedAt.toISOString(),
    elapsedMs,
    stoppedBy: stoppedBy ?? 'transactions',
    transactions: { attempted, completed: recorder.completed, failed: recorder.failed, interrupted: recorder.interrupted },
    tps: (recorder.completed * 1000) / elapsedMs,
    overall: summarize([...byKind.oltp.latenciesMs, ...byKind.reporting.latenciesMs]),
    byKind,
    byQuery,
    errors: {
      total: recorder.failed,
      byCode: Object.fromEntries(recorder.errorsByCode),
      samples: recorder.errorSamples,
    },
    reconnects,
  };
}

async function execute(client: pg.Client, tx: Transaction): Promise<void> {
  const [only] = tx.statements;
  if (tx.statements.length === 1 && only !== undefined) {
    await client.query(only.text, only.values);
    return;
  }
  await client.query('BEGIN');
  for (const statement of tx.statements) await client.query(statement.text, statement.values);
  await client.query('COMMIT');
}

/** Asks the server to cancel the given backends' statements (best effort: the run is stopping anyway). */
async function cancelStatements(
  targets: readonly { pid: number; url: string }[],
  connectOptions: { applicationName: string; connectTimeoutMs: number },
): Promise<void> {
  const byUrl = new Map<string, number[]>();
  for (const { pid, url } of targets) byUrl.set(url, [...(byUrl.get(url) ?? []), pid]);
  await Promise.all(
    [...byUrl].map(async ([url, pids]) => {
      try {
        const control = await connect(url, { ...connectOptions, applicationName: `${connectOptions.applicationName}-cancel` });
        try {
          await control.query(`${HOUSEKEEPING_TAG} SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid`, [pids]);
        } finally {
          await closeQuietly(control);
        }
      } catch {
        // The statements end with their connections when the workers close them.
      }
    }),
  );
}
