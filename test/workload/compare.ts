/**
 * How much room the reference workload leaves for reload-only tuning: runs it under several
 * configurations (applied with ALTER SYSTEM SET … + pg_reload_conf()) and prints the mean statement
 * runtime (the tuner's objective, from pg_stat_statements), client latencies and TPS of each.
 *
 *   npx tsx test/workload/compare.ts [--database-url URL] [--scale 10] [--clients 4] [--seconds 30]
 *       [--warmup 5] [--rounds 2] [--mix oltp=8,reporting=2] [--seed 1]
 *       [--config 'name:knob=value;knob=value' …] [--only default,tuned]
 *
 * Without --database-url it starts a throwaway PostgreSQL (test/support) and removes it
 * afterwards. With one, it changes that server's configuration: every knob it touched is reset with
 * ALTER SYSTEM RESET at the end (other ALTER SYSTEM settings are left alone). Configurations run in a
 * rotated order each round, after a CHECKPOINT and a warm-up, so drift and checkpoint timing fall on
 * all of them alike. A benchmark prints tables; nothing here asserts on timings.
 */
import { parseArgs } from 'node:util';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';
import { closeQuietly, connect, withDatabase } from './connection.js';
import { ms, table } from './format.js';
import { prepareWorkload } from './prepare.js';
import { runWorkload, type WorkloadResults } from './run.js';
import { DEFAULT_WORKLOAD_DATABASE } from './schema.js';
import { statementsSnapshot, statementsWindow, type StatementsWindow } from './statements.js';
import { type Mix, OLTP_TRANSACTION, REPORTING_QUERIES } from './transactions.js';

type Settings = Record<string, string>;

/**
 * The hand-picked configurations: each lever alone; work_mem, random_page_cost, jit and
 * effective_cache_size together; and the best combination found by hand (work_mem left at 4 MB).
 */
const DEFAULT_CONFIGS: readonly { name: string; settings: Settings }[] = [
  { name: 'default', settings: {} },
  { name: 'work_mem=64MB', settings: { work_mem: '64MB' } },
  { name: 'random_page_cost=1.1', settings: { random_page_cost: '1.1' } },
  { name: 'jit=off', settings: { jit: 'off' } },
  { name: 'effective_cache_size=16GB', settings: { effective_cache_size: '16GB' } },
  { name: 'max_parallel_workers_per_gather=0', settings: { max_parallel_workers_per_gather: '0' } },
  {
    name: 'the four above',
    settings: { work_mem: '64MB', random_page_cost: '1.1', jit: 'off', effective_cache_size: '16GB' },
  },
  {
    name: 'hand-tuned',
    settings: { random_page_cost: '1.1', jit: 'off', max_parallel_workers_per_gather: '0' },
  },
];

function parseConfig(text: string): { name: string; settings: Settings } {
  const colon = text.indexOf(':');
  const name = colon >= 0 ? text.slice(0, colon) : text;
  const settings: Settings = {};
  for (const part of (colon >= 0 ? text.slice(colon + 1) : text).split(';').filter((p) => p.trim() !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`--config: expected name:knob=value;…, got "${text}"`);
    settings[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return { name, settings };
}

const IDENT = /^[a-z_][a-z0-9_.]*$/;

async function applySettings(serverUrl: string, knobs: readonly string[], settings: Settings): Promise<void> {
  const client = await connect(serverUrl, { applicationName: 'tuner-workload-compare' });
  try {
    for (const knob of knobs) {
      if (!IDENT.test(knob)) throw new Error(`not a setting name: ${knob}`);
      if (settings[knob] === undefined) await client.query(`ALTER SYSTEM RESET ${knob}`);
      else await client.query(`ALTER SYSTEM SET ${knob} = ${client.escapeLiteral(settings[knob]!)}`);
    }
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await closeQuietly(client);
  }
  // The postmaster handles the reload asynchronously; wait until a new session sees every value
  // set, and no reset knob still comes from postgresql.auto.conf.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = await connect(serverUrl, { applicationName: 'tuner-workload-compare' });
    try {
      const rows = await probe.query<{ name: string; value: string; auto: boolean }>(
        `SELECT name, current_setting(name) AS value, coalesce(sourcefile LIKE '%postgresql.auto.conf', false) AS auto
           FROM pg_settings WHERE name = ANY($1)`,
        [knobs],
      );
      const pending = rows.rows.filter((r) => {
        const want = settings[r.name];
        return want === undefined ? r.auto : !sameSetting(r.value, want);
      });
      if (pending.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`settings not in effect after reload: ${pending.map((r) => `${r.name}=${r.value}`).join(', ')}`);
      }
    } finally {
      await closeQuietly(probe);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** current_setting() renders memory in its own unit (64MB, 16GB) and booleans as on/off. */
function sameSetting(actual: string, wanted: string): boolean {
  const norm = (v: string) => v.trim().toLowerCase().replace(/^(true|yes)$/, 'on').replace(/^(false|no)$/, 'off');
  return norm(actual) === norm(wanted) || Number(actual) === Number(wanted);
}

interface Measurement {
  config: string;
  round: number;
  results: WorkloadResults;
  server: StatementsWindow | null;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'database-url': { type: 'string' },
      database: { type: 'string' },
      scale: { type: 'string' },
      clients: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      mix: { type: 'string' },
      seed: { type: 'string' },
      config: { type: 'string', multiple: true },
      only: { type: 'string' },
    },
  });
  const scale = Number(values.scale ?? 10);
  const clients = Number(values.clients ?? 4);
  const seconds = Number(values.seconds ?? 30);
  const warmup = Number(values.warmup ?? 5);
  const rounds = Number(values.rounds ?? 2);
  const seed = Number(values.seed ?? 1);
  const database = values.database ?? DEFAULT_WORKLOAD_DATABASE;
  const mix: Mix = { oltp: 8, reporting: 2 };
  for (const part of (values.mix ?? '').split(',').filter((p) => p !== '')) {
    const [kind, weight] = part.split('=');
    if (kind !== 'oltp' && kind !== 'reporting') throw new Error(`--mix: unknown kind ${kind}`);
    mix[kind] = Number(weight);
  }
  let configs = values.config?.length ? values.config.map(parseConfig) : [...DEFAULT_CONFIGS];
  if (values.only !== undefined) {
    const wanted = values.only.split(',');
    configs = configs.filter((c) => wanted.includes(c.name));
  }
  const knobs = [...new Set(configs.flatMap((c) => Object.keys(c.settings)))];

  let throwaway: ThrowawayPostgres | null = null;
  let serverUrl = values['database-url'];
  if (serverUrl === undefined) {
    throwaway = await startThrowawayPostgres();
    serverUrl = throwaway.connectionString;
    console.error(`throwaway PostgreSQL at ${serverUrl}`);
  }
  const log = (line: string) => console.error(line);
  const measurements: Measurement[] = [];
  try {
    await prepareWorkload(serverUrl, { database, scale, log });
    const workloadUrl = withDatabase(serverUrl, database);
    const facts = await connect(serverUrl, { applicationName: 'tuner-workload-compare' });
    try {
      const v = await facts.query<{ version: string; sb: string; cpus: string }>(
        `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS sb, current_setting('max_worker_processes') AS cpus`,
      );
      const row = v.rows[0]!;
      console.log(
        `PostgreSQL ${row.version}, shared_buffers ${row.sb}; scale ${scale}, ${clients} clients, mix oltp=${mix.oltp},reporting=${mix.reporting}, ` +
          `${warmup} s warm-up + ${seconds} s measured, ${rounds} round(s), seed ${seed}`,
      );
    } finally {
      await closeQuietly(facts);
    }

    for (let round = 1; round <= rounds; round += 1) {
      // Rotate the order each round so no configuration always runs first (or right after another).
      const order = configs.map((_, i) => configs[(i + round - 1) % configs.length]!);
      for (const config of order) {
        await applySettings(serverUrl, knobs, config.settings);
        const admin = await connect(serverUrl, { applicationName: 'tuner-workload-compare' });
        await admin.query('CHECKPOINT').finally(() => closeQuietly(admin));
        if (warmup > 0) await runWorkload(serverUrl, { database, clients, durationMs: warmup * 1000, mix, seed: seed + 1000 * round });
        const before = await statementsSnapshot(workloadUrl);
        const results = await runWorkload(serverUrl, { database, clients, durationMs: seconds * 1000, mix, seed });
        const after = await statementsSnapshot(workloadUrl);
        const server = before && after ? statementsWindow(before, after) : null;
        measurements.push({ config: config.name, round, results, server });
        log(
          `round ${round} ${config.name}: server mean ${server ? ms(server.meanMs) : '-'} ms, ` +
            `reporting mean ${ms(results.byKind.reporting.latency.meanMs)} ms, ${results.tps.toFixed(1)} tps, ${results.errors.total} errors`,
        );
      }
    }
  } finally {
    if (throwaway !== null) await throwaway.destroy();
    else await applySettings(serverUrl, knobs, {}).catch((error: unknown) => log(`could not reset ${knobs.join(', ')}: ${String(error)}`));
  }

  printTables(configs.map((c) => c.name), measurements);
}

const avg = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function printTables(configNames: readonly string[], measurements: readonly Measurement[]): void {
  const baseline = measurements.filter((m) => m.config === configNames[0]);
  const baseMean = avg(baseline.map((m) => m.server?.meanMs ?? Number.NaN));
  const baseTps = avg(baseline.map((m) => m.results.tps));

  console.log('\nPer run (server mean = Σ Δtotal_exec_time / Σ Δcalls over the window, pg_stat_statements):');
  console.log(
    table(
      ['config', 'round', 'server mean ms', 'all mean ms', 'reporting mean ms', 'reporting p95 ms', 'oltp mean ms', 'oltp p95 ms', 'tps', 'errors'],
      measurements.map((m) => [
        m.config,
        String(m.round),
        m.server ? m.server.meanMs.toFixed(3) : '-',
        ms(m.results.overall.meanMs),
        ms(m.results.byKind.reporting.latency.meanMs),
        ms(m.results.byKind.reporting.latency.p95Ms),
        ms(m.results.byKind.oltp.latency.meanMs),
        ms(m.results.byKind.oltp.latency.p95Ms),
        m.results.tps.toFixed(1),
        String(m.results.errors.total),
      ]),
    ),
  );

  console.log(`\nAveraged over rounds (speed-up = ${configNames[0]} server mean / config server mean):`);
  console.log(
    table(
      ['config', 'server mean ms', 'speed-up', 'reporting mean ms', 'reporting p95 ms', 'oltp mean ms', 'tps', 'tps vs base', 'run-to-run spread of server mean'],
      configNames.map((name) => {
        const runs = measurements.filter((m) => m.config === name);
        const means = runs.map((m) => m.server?.meanMs ?? Number.NaN);
        const mean = avg(means);
        const tps = avg(runs.map((m) => m.results.tps));
        const spread = runs.length > 1 ? `${(((Math.max(...means) - Math.min(...means)) / mean) * 100).toFixed(0)}%` : '-';
        return [
          name,
          mean.toFixed(3),
          `${(baseMean / mean).toFixed(2)}x`,
          ms(avg(runs.map((m) => m.results.byKind.reporting.latency.meanMs))),
          ms(avg(runs.map((m) => m.results.byKind.reporting.latency.p95Ms))),
          ms(avg(runs.map((m) => m.results.byKind.oltp.latency.meanMs))),
          tps.toFixed(1),
          `${(tps / baseTps).toFixed(2)}x`,
          spread,
        ];
      }),
    ),
  );

  console.log('\nMean latency per transaction (ms, client side, averaged over rounds):');
  const names = [OLTP_TRANSACTION, ...REPORTING_QUERIES];
  console.log(
    table(
      ['config', ...names],
      configNames.map((config) => {
        const runs = measurements.filter((m) => m.config === config);
        return [config, ...names.map((n) => ms(avg(runs.map((m) => m.results.byQuery[n]!.latency.meanMs))))];
      }),
    ),
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});

