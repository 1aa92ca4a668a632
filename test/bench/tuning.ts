/**
 * `npm run bench:tuning [-- --oracle]`: on a lab under the reference workload, measures
 *   (a) the default configuration,
 *   (b) PGTune's recommendation (reload-only part, for this host),
 *   (c) the best configuration of a full tuning session run by the agent,
 *   (d) with --oracle, the best of a long random search of the same space, measured the same way,
 * then measures them interleaved, round after round, and prints a table of mean statement runtime,
 * transactions/s and p95 latency with ratios to (a). Every configuration is applied through
 * Patroni's PATCH /config and verified on every member before it is measured.
 */
import { parseArgs } from 'node:util';
import type { KnobsView, SessionDetail, SessionRecord } from '@patroni-tuner/backend/contract';
import {
  buildKnobCatalogue,
  createPrng,
  currentConfiguration,
  PatroniClient,
  pgtuneRecommendation,
  repairConfiguration,
  sampleConfiguration,
  settingMatches,
  toSearchSpace,
  validateParameters,
  type Configuration,
  type KnobCatalogue,
} from '@patroni-tuner/backend/harness';
import { agentEnvFor, getJson, startAgent, type AgentProcess } from '../lab/agent-process.js';
import { Lab } from '../lab/lab.js';
import { patroniFlavourFromEnv } from '../lab/patroni-flavour.js';
import { delay, waitFor } from '../lab/wait.js';
import { prepareWorkload, runWorkload, statementsSnapshot, statementsWindow, withDatabase } from '../workload/index.js';
import { DEFAULT_WORKLOAD_DATABASE } from '../workload/schema.js';
import { machineFacts } from './machine.js';
import { median } from './stats.js';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '10' },
    clients: { type: 'string', default: '4' },
    iterations: { type: 'string', default: '30' },
    window: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    measure: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
    oracle: { type: 'boolean', default: false },
    'oracle-size': { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
  },
});
const int = (name: keyof typeof args): number => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${String(args[name])}`);
  return value;
};
const options = {
  scale: int('scale'),
  clients: int('clients'),
  iterations: int('iterations'),
  windowSeconds: int('window'),
  warmupSeconds: int('warmup'),
  measureSeconds: int('measure'),
  rounds: int('rounds'),
  oracleSize: args.oracle ? int('oracle-size') : 0,
  seed: int('seed'),
};
const TOKEN = 'bench-token';
const progress = (line: string) => process.stderr.write(`[bench:tuning ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Candidate {
  label: string;
  /** Knob values in pg_settings units; knobs left out are at the server's default (removed from the DCS). */
  config: Configuration;
}

interface Measured {
  meanStatementMs: number;
  tps: number;
  p95Ms: number;
}

let lab: Lab | null = null;
let agent: AgentProcess | null = null;
let patroni: PatroniClient | null = null;
let interrupted = false;

async function cleanup(): Promise<void> {
  await agent?.stop().catch(() => undefined);
  await patroni?.close().catch(() => undefined);
  await lab?.stop().catch((error: Error) => progress(`lab stop failed: ${error.message}`));
}

process.on('SIGINT', () => {
  interrupted = true;
  progress('interrupted; stopping the agent and the lab');
  void cleanup().then(() => process.exit(130));
});

async function main(): Promise<void> {
  const started = Date.now();
  progress(`starting a lab (${patroniFlavourFromEnv()})`);
  lab = await Lab.start({ flavour: patroniFlavourFromEnv(), log: progress });
  const leader = await lab.waitHealthy();
  const { restApi } = lab.state.credentials;
  patroni = new PatroniClient({ baseUrl: lab.restUrl(leader), auth: restApi, timeoutMs: 10_000 });
  agent = await startAgent(agentEnvFor(lab, leader, { TUNER_API_TOKEN: TOKEN, TUNER_POLL_INTERVAL: '1s' }));
  progress(`loading the workload at scale ${options.scale}`);
  const prepared = await prepareWorkload(lab.databaseUrl(leader), { scale: options.scale, log: progress });
  const workloadUrl = withDatabase(lab.databaseUrl(leader), DEFAULT_WORKLOAD_DATABASE);

  // PGTune's advice for the host as the agent sees it, storage class included.
  const { body: knobs } = await getJson<Pick<KnobsView, 'host'>>(`${agent.url}/api/v1/knobs`);
  progress(`storage class ${knobs.host.storage} (${knobs.host.storageInference.source}: ${knobs.host.storageInference.reason})`);
  const catalogue = buildKnobCatalogue(await lab.settings(leader), knobs.host);
  const defaults = currentConfiguration(catalogue);
  const pgtune = pgtuneRecommendation(catalogue).parameters as Configuration;
  const candidates: Candidate[] = [
    { label: '(a) default', config: {} },
    { label: '(b) PGTune (reload-only part)', config: pgtune },
  ];

  progress(`tuning session: ${options.iterations} iterations of ${options.windowSeconds} s (+${options.warmupSeconds} s warm-up)`);
  const session = await runSession(workloadUrl);
  const sessionBest = bestOf(session);
  candidates.push({ label: '(c) tuning session best', config: sessionBest.config });

  if (options.oracleSize > 0) {
    progress(`oracle: ${options.oracleSize} random configurations of the same space`);
    candidates.push({ label: `(d) best of ${options.oracleSize} random`, config: await randomSearch(catalogue, workloadUrl) });
  }

  const results = new Map<string, Measured[]>(candidates.map((c) => [c.label, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    // Rotate the order each round so drift and checkpoints fall on every configuration alike.
    const order = candidates.map((_, i) => candidates[(i + round) % candidates.length]!);
    for (const candidate of order) {
      progress(`round ${round + 1}/${options.rounds}: ${candidate.label}`);
      await apply(catalogue, defaults, candidate.config);
      await lab.sql(leader, 'CHECKPOINT');
      results.get(candidate.label)!.push(await measure(workloadUrl, options.measureSeconds));
    }
  }
  await apply(catalogue, defaults, {});
  printReport({ candidates, results, session, sessionBest, prepared, minutes: (Date.now() - started) / 60_000, leader });
}

/** Starts a session through the agent's API while the workload runs, and waits for its end. */
async function runSession(workloadUrl: string): Promise<SessionDetail> {
  const stop = new AbortController();
  const workload = runWorkload(workloadUrl, { clients: options.clients, durationMs: 24 * 3_600_000, seed: options.seed, signal: stop.signal });
  try {
    const response = await fetch(`${agent!.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        iterations: options.iterations,
        iterationSeconds: options.windowSeconds,
        warmupSeconds: options.warmupSeconds,
        seed: options.seed,
      }),
    });
    const body = (await response.json()) as { session?: SessionRecord; error?: { message: string } };
    if (response.status !== 201 || !body.session) throw new Error(`session not started: ${response.status} ${body.error?.message ?? ''}`);
    const id = body.session.id;
    let reported = -1;
    return await waitFor(
      async () => {
        const { body: detail } = await getJson<SessionDetail>(`${agent!.url}/api/v1/sessions/${id}`);
        const done = detail.iterations.filter((i) => i.endedAt !== null).length - 1;
        if (done > reported) {
          reported = done;
          progress(`session: ${Math.max(0, done)}/${options.iterations} iterations done`);
        }
        return ['completed', 'stopped', 'failed', 'aborted', 'halted'].includes(detail.session.state) ? detail : false;
      },
      { what: 'the tuning session to end', timeoutMs: (options.iterations + 2) * (options.windowSeconds + options.warmupSeconds + 60) * 1000, intervalMs: 2_000 },
    );
  } finally {
    stop.abort();
    await workload.catch(() => undefined);
  }
}

/** The session's final configuration and the first iteration within 10 % of its best score. */
function bestOf(detail: SessionDetail): { config: Configuration; firstWithin10: number | null } {
  const result = detail.session.result;
  if (detail.session.state !== 'completed' || !result) throw new Error(`the session ended ${detail.session.state}: ${detail.session.reason}`);
  const config = result.final === 'best' ? detail.iterations.find((i) => i.number === result.bestIteration)!.candidate : {};
  const best = result.bestScore ?? Number.POSITIVE_INFINITY;
  const first = detail.iterations.find((i) => i.score !== null && i.state === 'measured' && i.score <= best * 1.1);
  return { config, firstWithin10: first?.number ?? null };
}

/** Random configurations of the session's space, each measured like a session iteration. */
async function randomSearch(catalogue: KnobCatalogue, workloadUrl: string): Promise<Configuration> {
  const space = toSearchSpace(catalogue);
  const prng = createPrng(options.seed + 1);
  const defaults = currentConfiguration(catalogue);
  const stop = new AbortController();
  const workload = runWorkload(workloadUrl, { clients: options.clients, durationMs: 24 * 3_600_000, seed: options.seed, signal: stop.signal });
  let best: { config: Configuration; score: number } | null = null;
  try {
    for (let i = 0; i < options.oracleSize; i += 1) {
      const config = repairConfiguration(sampleConfiguration(space, prng, 0.2), catalogue).config;
      await apply(catalogue, defaults, config);
      await delay(options.warmupSeconds * 1000);
      const before = await statementsSnapshot(workloadUrl);
      await delay(options.windowSeconds * 1000);
      const after = await statementsSnapshot(workloadUrl);
      const score = before && after ? statementsWindow(before, after).meanMs : Number.NaN;
      if (Number.isFinite(score) && (best === null || score < best.score)) best = { config, score };
      progress(`oracle ${i + 1}/${options.oracleSize}: ${score.toFixed(3)} ms (best ${best?.score.toFixed(3) ?? '-'} ms)`);
    }
  } finally {
    stop.abort();
    await workload.catch(() => undefined);
  }
  return best?.config ?? {};
}

/**
 * Puts `config` in force through Patroni: its knobs set, every other tunable knob removed from the
 * DCS (back to the default), then waits until every member shows it.
 */
async function apply(catalogue: KnobCatalogue, defaults: Configuration, config: Configuration): Promise<void> {
  const validation = validateParameters(config, catalogue, { allowOutsideSearchRange: true });
  if (!validation.ok) throw new Error(`invalid configuration: ${validation.errors.map((e) => e.message).join('; ')}`);
  const parameters: Record<string, string | null> = {};
  for (const knob of catalogue.tunable) parameters[knob.name] = validation.parameters[knob.name] ?? null;
  await patroni!.patchConfig({ postgresql: { parameters } });
  const expected: Configuration = { ...defaults, ...config };
  await waitFor(
    async () => {
      for (const node of lab!.state.nodes) {
        const settings = await lab!.settings(node.name);
        for (const [name, value] of Object.entries(expected)) {
          const setting = settings.find((s) => s.name === name);
          if (!setting || !settingMatches(value, setting)) return false;
        }
      }
      return true;
    },
    { what: 'every member to show the configuration', timeoutMs: 60_000, intervalMs: 500 },
  );
}

async function measure(workloadUrl: string, seconds: number): Promise<Measured> {
  await runWorkload(workloadUrl, { clients: options.clients, durationMs: options.warmupSeconds * 1000, seed: options.seed });
  const before = await statementsSnapshot(workloadUrl);
  const results = await runWorkload(workloadUrl, { clients: options.clients, durationMs: seconds * 1000, seed: options.seed + 7 });
  const after = await statementsSnapshot(workloadUrl);
  if (!before || !after) throw new Error('pg_stat_statements is not readable in the workload database');
  return { meanStatementMs: statementsWindow(before, after).meanMs, tps: results.tps, p95Ms: results.overall.p95Ms };
}

function printReport(input: {
  candidates: Candidate[];
  results: Map<string, Measured[]>;
  session: SessionDetail;
  sessionBest: { config: Configuration; firstWithin10: number | null };
  prepared: { sizeBytes: number };
  minutes: number;
  leader: string;
}): void {
  const machine = machineFacts();
  const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
  const medians = new Map(
    [...input.results].map(([label, runs]) => [
      label,
      { mean: median(runs.map((r) => r.meanStatementMs)), tps: median(runs.map((r) => r.tps)), p95: median(runs.map((r) => r.p95Ms)) },
    ]),
  );
  const base = medians.get('(a) default')!;
  const lines = [
    `## Tuning benchmark — ${new Date().toISOString()}`,
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${(machine.ramBytes / 2 ** 30).toFixed(1)} GiB, Linux ${machine.kernel}, Node ${machine.node}; ` +
      `lab of 3 Patroni (${lab!.state.flavour}) + PostgreSQL 15 nodes on the same machine.`,
    `Workload: reference mix (OLTP transactions + reporting queries), scale ${options.scale} (${(input.prepared.sizeBytes / 2 ** 20).toFixed(0)} MiB), ` +
      `${options.clients} clients, on the leader ${input.leader}.`,
    `Session: ${options.iterations} iterations × (${options.warmupSeconds} s warm-up + ${options.windowSeconds} s window), seed ${options.seed}; ` +
      `ended ${input.session.session.state}, final ${input.session.session.result?.final}, ` +
      `first within 10 % of its best at iteration ${input.sessionBest.firstWithin10 ?? '-'}.`,
    `Interleaved measurement: ${options.rounds} rounds × ${options.measureSeconds} s per configuration (after a ${options.warmupSeconds} s warm-up and a CHECKPOINT), order rotated each round; medians.`,
    `Command: LAB_PATRONI=${lab!.state.flavour} npm run bench:tuning -- --scale ${options.scale} --clients ${options.clients} --iterations ${options.iterations} ` +
      `--window ${options.windowSeconds} --warmup ${options.warmupSeconds} --measure ${options.measureSeconds} --rounds ${options.rounds} --seed ${options.seed}` +
      `${options.oracleSize > 0 ? ` --oracle --oracle-size ${options.oracleSize}` : ''} (${fmt(input.minutes, 0)} min)`,
    '',
    '| configuration | mean statement time (ms) | × vs (a) | transactions/s | × vs (a) | p95 latency (ms) | × vs (a) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const candidate of input.candidates) {
    const m = medians.get(candidate.label)!;
    lines.push(
      `| ${candidate.label} | ${fmt(m.mean, 3)} | ${fmt(base.mean / m.mean)} faster | ${fmt(m.tps, 1)} | ${fmt(m.tps / base.tps)} | ${fmt(m.p95, 1)} | ${fmt(base.p95 / m.p95)} faster |`,
    );
  }
  lines.push('', 'Configurations (pg_settings units; knobs not listed at their defaults):');
  for (const candidate of input.candidates.slice(1)) {
    lines.push(`- ${candidate.label}: ${Object.entries(candidate.config).map(([k, v]) => `${k}=${String(v)}`).join(', ') || '(the defaults)'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .then(() => cleanup())
  .catch(async (error: unknown) => {
    if (interrupted) return;
    progress(`failed: ${error instanceof Error ? error.message : String(error)}`);
    await cleanup();
    process.exit(1);
  });
