/**
 * The reference workload by hand:
 *
 *   npx tsx test/workload/cli.ts prepare --database-url URL [--scale 10] [--seed 1] [--force]
 *   npx tsx test/workload/cli.ts run --database-url URL [--clients 4] [--seconds 30 | --transactions N]
 *       [--mix oltp=8,reporting=2] [--reporting-mix recent_orders=1,…] [--seed 1] [--scale 10] [--json]
 *   npx tsx test/workload/cli.ts queries
 *
 * URL names the server (any database on it); the workload lives in --database (default
 * tuner_workload). `run --scale N` prepares first when needed. Progress goes to stderr, the results
 * table (or JSON) to stdout. Ctrl-C stops a run and still prints what it measured.
 */
import { parseArgs } from 'node:util';
import { withDatabase } from './connection.js';
import { resultsSummary, resultsTable } from './format.js';
import { prepareWorkload } from './prepare.js';
import { runWorkload } from './run.js';
import { DEFAULT_WORKLOAD_DATABASE } from './schema.js';
import { statementsSnapshot, statementsWindow } from './statements.js';
import { REPORTING, REPORTING_QUERIES, type Mix, type ReportingMix } from './transactions.js';

const USAGE = `usage: cli.ts prepare|run|queries --database-url URL [options]
  prepare  --scale N (10) --seed N (1) --force
  run      --clients N (4) --seconds S | --transactions N  --mix oltp=8,reporting=2
           --reporting-mix name=w,…  --seed N (1)  --scale N (prepare first if needed)  --json
  common   --database NAME (${DEFAULT_WORKLOAD_DATABASE})`;

class UsageError extends Error {}

function weights(text: string, what: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [name, value] = part.split('=');
    const weight = Number(value);
    if (name === undefined || value === undefined || !Number.isFinite(weight)) {
      throw new UsageError(`${what}: expected name=weight,…, got "${text}"`);
    }
    out[name.trim()] = weight;
  }
  return out;
}

function integer(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new UsageError(`${what}: expected an integer, got "${text}"`);
  return value;
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'database-url': { type: 'string' },
      database: { type: 'string' },
      scale: { type: 'string' },
      seed: { type: 'string' },
      force: { type: 'boolean' },
      clients: { type: 'string' },
      seconds: { type: 'string' },
      transactions: { type: 'string' },
      mix: { type: 'string' },
      'reporting-mix': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  if (command === 'queries') {
    for (const name of REPORTING_QUERIES) {
      const q = REPORTING[name];
      console.log(`${name} — sensitive to ${q.knobs.join(', ')}\n  ${q.description}\n`);
    }
    return;
  }
  const databaseUrl = values['database-url'] ?? process.env.WORKLOAD_DATABASE_URL;
  if (databaseUrl === undefined) throw new UsageError('--database-url (or WORKLOAD_DATABASE_URL) is required');
  const database = values.database ?? DEFAULT_WORKLOAD_DATABASE;
  const log = (line: string) => console.error(line);
  const scale = integer(values.scale, '--scale');

  if (command === 'prepare') {
    await prepareWorkload(databaseUrl, { database, scale: scale ?? 10, seed: integer(values.seed, '--seed') ?? 1, force: values.force ?? false, log });
    return;
  }
  if (command !== 'run') throw new UsageError(`unknown command "${command}"`);

  if (scale !== undefined) await prepareWorkload(databaseUrl, { database, scale, log });
  const seconds = values.seconds !== undefined ? Number(values.seconds) : undefined;
  if (seconds !== undefined && !(seconds > 0)) throw new UsageError(`--seconds: expected a positive number, got "${values.seconds}"`);
  const transactions = integer(values.transactions, '--transactions');
  const mixWeights = values.mix !== undefined ? weights(values.mix, '--mix') : {};
  for (const name of Object.keys(mixWeights)) {
    if (name !== 'oltp' && name !== 'reporting') throw new UsageError(`--mix: unknown kind "${name}" (oltp, reporting)`);
  }
  const controller = new AbortController();
  process.once('SIGINT', () => {
    log('stopping…');
    controller.abort();
  });

  const workloadUrl = withDatabase(databaseUrl, database);
  const before = await statementsSnapshot(workloadUrl);
  const results = await runWorkload(databaseUrl, {
    database,
    clients: integer(values.clients, '--clients') ?? 4,
    ...(seconds === undefined && transactions === undefined ? { durationMs: 30_000 } : {}),
    ...(seconds !== undefined ? { durationMs: seconds * 1000 } : {}),
    ...(transactions !== undefined ? { transactions } : {}),
    mix: mixWeights as Partial<Mix>,
    ...(values['reporting-mix'] !== undefined ? { reportingMix: weights(values['reporting-mix'], '--reporting-mix') as ReportingMix } : {}),
    seed: integer(values.seed, '--seed') ?? 1,
    signal: controller.signal,
    onProgress: (p) =>
      log(
        `${(p.elapsedMs / 1000).toFixed(0).padStart(5)} s  ${p.completed} done (oltp ${p.byKind.oltp.completed}, reporting ${p.byKind.reporting.completed}), ` +
          `${p.failed} failed, ${p.recentTps.toFixed(0)} tps`,
      ),
  });
  const after = await statementsSnapshot(workloadUrl);
  const server = before !== null && after !== null ? statementsWindow(before, after) : null;

  if (values.json) {
    console.log(JSON.stringify({ ...(resultsSummary(results) as object), server }, null, 2));
    return;
  }
  console.log(resultsTable(results));
  console.log(
    server === null
      ? 'server: pg_stat_statements is not available in the workload database'
      : `server: mean statement runtime ${server.meanMs.toFixed(3)} ms over ${server.calls} calls ` +
          `(pg_stat_statements, top-level statements of ${database}, BEGIN/COMMIT included)`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  }
});
