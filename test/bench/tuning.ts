/**
 * `npm run bench:tuning`: on a lab, for each of three workloads of different character (mixed,
 * analytic, write-heavy; test/workload/profiles.ts), measures
 *   (a) the default configuration,
 *   (b) PGTune's recommendation (reload-only part, for this host),
 *   (c) the configuration a full tuning session run by the agent ends with,
 *   (d) the best of `--oracle-size` random configurations of the same space (short windows scored by
 *       the workload's client; the best `--oracle-finalists` re-measured over a full window),
 * then measures (a)–(d) interleaved, round after round, with the workload's own client: transactions/s,
 * mean and p95 transaction latency, each a median with its min–max over the rounds, and the issue's
 * targets judged per workload (test/bench/tuning-report.ts). It also prints what the workload does
 * under (a) (WAL volume, shared_buffers hit share, temp files, checkpoints) so its character shows.
 * Every configuration is applied through Patroni's PATCH /config and verified on every member before
 * it is measured. Each workload's table is printed as soon as it is measured.
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
import { waitFor } from '../lab/wait.js';
import { prepareWorkload, runWorkload, withDatabase, type WorkloadResults } from '../workload/index.js';
import { parseWorkloadProfiles, WORKLOAD_PROFILE_NAMES, type WorkloadProfile } from '../workload/profiles.js';
import { DEFAULT_WORKLOAD_DATABASE } from '../workload/schema.js';
import { machineFacts } from './machine.js';
import { spreadOf, beyondNoise, workloadTargets, type ClientMeasurement, type Spread, type TargetVerdict } from './tuning-report.js';

const { values: args } = parseArgs({
  options: {
    workloads: { type: 'string', default: WORKLOAD_PROFILE_NAMES.join(',') },
    scale: { type: 'string', default: '10' },
    iterations: { type: 'string', default: '20' },
    window: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    measure: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '3' },
    'oracle-size': { type: 'string', default: '100' },
    'oracle-window': { type: 'string', default: '4' },
    'oracle-warmup': { type: 'string', default: '1' },
    'oracle-finalists': { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
  },
});
const int = (name: keyof typeof args, min = 0): number => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}, got ${String(args[name])}`);
  return value;
};
const options = {
  profiles: parseWorkloadProfiles(String(args.workloads)),
  scale: int('scale', 1),
  iterations: int('iterations', 1),
  windowSeconds: int('window', 1),
  warmupSeconds: int('warmup'),
  measureSeconds: int('measure', 1),
  rounds: int('rounds', 1),
  oracleSize: int('oracle-size'),
  oracleWindowSeconds: int('oracle-window', 1),
  oracleWarmupSeconds: int('oracle-warmup'),
  oracleFinalists: int('oracle-finalists', 1),
  seed: int('seed'),
};
const TOKEN = 'bench-token';
const progress = (line: string) => process.stderr.write(`[bench:tuning ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Candidate {
  label: string;
  /** Knob values in pg_settings units; knobs left out are at the server's default (removed from the DCS). */
  config: Configuration;
}

/** What the workload did to the server over a measured window: its character. */
interface ServerActivity {
  walBytes: number;
  blocksHit: number;
  blocksRead: number;
  tempBytes: number;
  checkpoints: number;
  seconds: number;
}

interface Measured {
  client: ClientMeasurement;
  server: ServerActivity;
}

interface SessionSummary {
  detail: SessionDetail;
  config: Configuration;
  firstWithin10: number | null;
  objective: string;
}

interface RandomSearchSummary {
  config: Configuration;
  finalistTps: number;
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

interface Bench {
  leader: string;
  catalogue: KnobCatalogue;
  defaults: Configuration;
  workloadUrl: string;
}

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
  const storage = `${knobs.host.storage} (${knobs.host.storageInference.source}: ${knobs.host.storageInference.reason})`;
  progress(`storage class ${storage}`);
  const catalogue = buildKnobCatalogue(await lab.settings(leader), knobs.host);
  const bench: Bench = { leader, catalogue, defaults: currentConfiguration(catalogue), workloadUrl };
  const pgtune = pgtuneRecommendation(catalogue).parameters as Configuration;
  const sharedBuffers = (await lab.sql(leader, "SELECT current_setting('shared_buffers') AS v")).rows[0] as { v: string };

  printPreamble({ sizeBytes: prepared.sizeBytes, sharedBuffers: sharedBuffers.v, storage });
  const summary: { profile: WorkloadProfile; verdicts: TargetVerdict[] }[] = [];
  for (const profile of options.profiles) {
    progress(`== workload ${profile.name}: ${profile.description}`);
    await apply(bench, {});
    const session = await runSession(bench, profile);
    const candidates: Candidate[] = [
      { label: '(a) default', config: {} },
      { label: '(b) PGTune (reload-only part)', config: pgtune },
      { label: '(c) tuning session result', config: session.config },
    ];
    let random: RandomSearchSummary | null = null;
    if (options.oracleSize > 0) {
      random = await randomSearch(bench, profile);
      candidates.push({ label: `(d) best of ${options.oracleSize} random`, config: random.config });
    }
    const results = await measureInterleaved(bench, profile, candidates);
    const verdicts = workloadTargets({
      default: clientRuns(results, candidates[0]!),
      pgtune: clientRuns(results, candidates[1]!),
      session: clientRuns(results, candidates[2]!),
      random: candidates[3] ? clientRuns(results, candidates[3]) : null,
      firstWithin10: session.firstWithin10,
      iterationLimit: options.iterations,
    });
    printWorkload({ profile, candidates, results, session, random, verdicts });
    summary.push({ profile, verdicts });
  }
  await apply(bench, {});
  printSummary(summary, (Date.now() - started) / 60_000);
}

const clientRuns = (results: Map<string, Measured[]>, candidate: Candidate) => results.get(candidate.label)!.map((m) => m.client);

/** Starts a session through the agent's API while the workload runs, and waits for its end. */
async function runSession(bench: Bench, profile: WorkloadProfile): Promise<SessionSummary> {
  progress(`tuning session: ${options.iterations} iterations of ${options.windowSeconds} s (+${options.warmupSeconds} s warm-up)`);
  const stop = new AbortController();
  const workload = runWorkload(bench.workloadUrl, {
    clients: profile.clients,
    mix: profile.mix,
    durationMs: 24 * 3_600_000,
    seed: options.seed,
    signal: stop.signal,
  });
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
    const detail = await waitFor(
      async () => {
        const { body: current } = await getJson<SessionDetail>(`${agent!.url}/api/v1/sessions/${id}`);
        const done = current.iterations.filter((i) => i.endedAt !== null).length - 1;
        if (done > reported) {
          reported = done;
          progress(`session: ${Math.max(0, done)}/${options.iterations} iterations done`);
        }
        return ['completed', 'stopped', 'failed', 'aborted', 'halted'].includes(current.session.state) ? current : false;
      },
      { what: 'the tuning session to end', timeoutMs: (options.iterations + 2) * (options.windowSeconds + options.warmupSeconds + 60) * 1000, intervalMs: 2_000 },
    );
    return summariseSession(detail);
  } finally {
    stop.abort();
    await workload.catch(() => undefined);
  }
}

/** The session's final configuration, the objective it used, and the first iteration within 10 % of its best score. */
function summariseSession(detail: SessionDetail): SessionSummary {
  const result = detail.session.result;
  if (detail.session.state !== 'completed' || !result) throw new Error(`the session ended ${detail.session.state}: ${detail.session.reason}`);
  const config = result.final === 'best' ? detail.iterations.find((i) => i.number === result.bestIteration)!.candidate : {};
  const best = result.bestScore ?? Number.POSITIVE_INFINITY;
  const first = detail.iterations.find((i) => i.score !== null && i.state === 'measured' && i.score <= best * 1.1);
  const selected = detail.events.find((e) => e.type === 'objective_selected')?.detail as { objective?: string; source?: string } | undefined;
  return {
    detail,
    config,
    firstWithin10: first?.number ?? null,
    objective: selected ? `${selected.objective ?? '?'} from ${selected.source ?? '?'}` : 'not reported',
  };
}

/**
 * Random configurations of the session's space, each scored by the workload client's transactions/s
 * over a short window; the best few are measured again over a full window, and the best of those wins,
 * so one lucky short window does not choose (d).
 */
async function randomSearch(bench: Bench, profile: WorkloadProfile): Promise<RandomSearchSummary> {
  progress(`random search: ${options.oracleSize} configurations × (${options.oracleWarmupSeconds} s warm-up + ${options.oracleWindowSeconds} s)`);
  const space = toSearchSpace(bench.catalogue);
  const prng = createPrng(options.seed + 1);
  const scored: { config: Configuration; tps: number }[] = [];
  for (let i = 0; i < options.oracleSize; i += 1) {
    const config = repairConfiguration(sampleConfiguration(space, prng, 0.2), bench.catalogue).config;
    await apply(bench, config);
    if (options.oracleWarmupSeconds > 0) await runProfile(bench, profile, options.oracleWarmupSeconds, i);
    const { tps } = await runProfile(bench, profile, options.oracleWindowSeconds, i);
    scored.push({ config, tps });
    const best = Math.max(...scored.map((s) => s.tps));
    progress(`random ${i + 1}/${options.oracleSize}: ${tps.toFixed(1)} tps (best ${best.toFixed(1)})`);
  }
  const finalists = [...scored].sort((x, y) => y.tps - x.tps).slice(0, options.oracleFinalists);
  let winner: RandomSearchSummary = { config: {}, finalistTps: Number.NaN };
  for (const [i, finalist] of finalists.entries()) {
    await apply(bench, finalist.config);
    await runProfile(bench, profile, options.warmupSeconds || 1, 1000 + i);
    const { tps } = await runProfile(bench, profile, options.measureSeconds, 1000 + i);
    progress(`random finalist ${i + 1}/${finalists.length}: ${finalist.tps.toFixed(1)} tps short, ${tps.toFixed(1)} tps full window`);
    if (!(tps <= winner.finalistTps)) winner = { config: finalist.config, finalistTps: tps };
  }
  return winner;
}

/** (a)–(d) measured round after round, the order rotated each round so drift and checkpoints fall on every configuration alike. */
async function measureInterleaved(bench: Bench, profile: WorkloadProfile, candidates: readonly Candidate[]): Promise<Map<string, Measured[]>> {
  const results = new Map<string, Measured[]>(candidates.map((c) => [c.label, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    const order = candidates.map((_, i) => candidates[(i + round) % candidates.length]!);
    for (const candidate of order) {
      progress(`round ${round + 1}/${options.rounds}: ${candidate.label}`);
      await apply(bench, candidate.config);
      await lab!.sql(bench.leader, 'CHECKPOINT');
      if (options.warmupSeconds > 0) await runProfile(bench, profile, options.warmupSeconds, 2000 + round);
      const before = await serverCounters(bench.leader);
      const run = await runProfile(bench, profile, options.measureSeconds, 3000 + round);
      const after = await serverCounters(bench.leader);
      results.get(candidate.label)!.push({
        client: { tps: run.tps, meanLatencyMs: run.overall.meanMs, p95LatencyMs: run.overall.p95Ms },
        server: activityBetween(before, after),
      });
    }
  }
  return results;
}

function runProfile(bench: Bench, profile: WorkloadProfile, seconds: number, seed: number): Promise<WorkloadResults> {
  return runWorkload(bench.workloadUrl, { clients: profile.clients, mix: profile.mix, durationMs: seconds * 1000, seed: options.seed + seed });
}

interface ServerCounters {
  at: number;
  walBytes: number;
  blocksHit: number;
  blocksRead: number;
  tempBytes: number;
  checkpoints: number;
}

async function serverCounters(leader: string): Promise<ServerCounters> {
  const { rows } = await lab!.sql(
    leader,
    `SELECT (SELECT wal_bytes::float8 FROM pg_stat_wal) AS wal,
            d.blks_hit::float8 AS hit, d.blks_read::float8 AS read, d.temp_bytes::float8 AS temp,
            (SELECT (checkpoints_timed + checkpoints_req)::float8 FROM pg_stat_bgwriter) AS checkpoints
       FROM pg_stat_database d WHERE d.datname = $1`,
    [DEFAULT_WORKLOAD_DATABASE],
  );
  const row = rows[0] as { wal: number; hit: number; read: number; temp: number; checkpoints: number };
  return { at: Date.now(), walBytes: row.wal, blocksHit: row.hit, blocksRead: row.read, tempBytes: row.temp, checkpoints: row.checkpoints };
}

function activityBetween(before: ServerCounters, after: ServerCounters): ServerActivity {
  return {
    walBytes: after.walBytes - before.walBytes,
    blocksHit: after.blocksHit - before.blocksHit,
    blocksRead: after.blocksRead - before.blocksRead,
    tempBytes: after.tempBytes - before.tempBytes,
    checkpoints: after.checkpoints - before.checkpoints,
    seconds: (after.at - before.at) / 1000,
  };
}

/**
 * Puts `config` in force through Patroni: its knobs set, every other tunable knob removed from the
 * DCS (back to the default), then waits until every member shows it.
 */
async function apply(bench: Bench, config: Configuration): Promise<void> {
  const { catalogue, defaults } = bench;
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
    { what: 'every member to show the configuration', timeoutMs: 60_000, intervalMs: 250 },
  );
}

const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const shown = (s: Spread, digits: number) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
const out = (lines: readonly string[]) => process.stdout.write(`${lines.join('\n')}\n`);

function printPreamble(input: { sizeBytes: number; sharedBuffers: string; storage: string }): void {
  const machine = machineFacts();
  out([
    `## Tuning benchmark — ${new Date().toISOString()}`,
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${(machine.ramBytes / 2 ** 30).toFixed(1)} GiB, Linux ${machine.kernel}, Node ${machine.node}; ` +
      `lab of 3 Patroni (${lab!.state.flavour}) + PostgreSQL 15 nodes on the same machine; storage class as the agent infers it: ${input.storage}.`,
    `Data: scale ${options.scale} (${(input.sizeBytes / 2 ** 20).toFixed(0)} MiB; shared_buffers ${input.sharedBuffers}), on the leader.`,
    `Each workload: a session of ${options.iterations} iterations × (${options.warmupSeconds} s warm-up + ${options.windowSeconds} s window), seed ${options.seed}; ` +
      (options.oracleSize > 0
        ? `${options.oracleSize} random configurations × (${options.oracleWarmupSeconds} s + ${options.oracleWindowSeconds} s), the best ${options.oracleFinalists} measured again for ${options.measureSeconds} s; `
        : '') +
      `then (a)–(d) interleaved, ${options.rounds} rounds × ${options.measureSeconds} s each (after a CHECKPOINT and ${options.warmupSeconds} s warm-up), order rotated each round.`,
    `Measured by the workload's own client: median (min–max) over the rounds. A ratio whose ranges overlap (a)'s is marked "≈" (inside the noise).`,
    `Command: LAB_PATRONI=${lab!.state.flavour} npm run bench:tuning -- --workloads ${options.profiles.map((p) => p.name).join(',')} --scale ${options.scale} ` +
      `--iterations ${options.iterations} --window ${options.windowSeconds} --warmup ${options.warmupSeconds} --measure ${options.measureSeconds} --rounds ${options.rounds} ` +
      `--oracle-size ${options.oracleSize} --oracle-window ${options.oracleWindowSeconds} --oracle-warmup ${options.oracleWarmupSeconds} ` +
      `--oracle-finalists ${options.oracleFinalists} --seed ${options.seed}`,
  ]);
}

function printWorkload(input: {
  profile: WorkloadProfile;
  candidates: readonly Candidate[];
  results: Map<string, Measured[]>;
  session: SessionSummary;
  random: RandomSearchSummary | null;
  verdicts: readonly TargetVerdict[];
}): void {
  const { profile, candidates, results, session } = input;
  const spreads = (label: string) => {
    const runs = results.get(label)!.map((m) => m.client);
    return {
      tps: spreadOf(runs.map((r) => r.tps)),
      mean: spreadOf(runs.map((r) => r.meanLatencyMs)),
      p95: spreadOf(runs.map((r) => r.p95LatencyMs)),
    };
  };
  const base = spreads(candidates[0]!.label);
  const ratio = (value: Spread, reference: Spread, higherIsBetter: boolean) =>
    `${beyondNoise(value, reference) ? '' : '≈ '}${fmt(higherIsBetter ? value.median / reference.median : reference.median / value.median)}×`;
  const character = results.get(candidates[0]!.label)!.map((m) => m.server);
  const seconds = character.reduce((sum, a) => sum + a.seconds, 0);
  const hit = character.reduce((sum, a) => sum + a.blocksHit, 0);
  const read = character.reduce((sum, a) => sum + a.blocksRead, 0);
  const result = session.detail.session.result;
  const lines = [
    '',
    `### ${profile.name} — ${profile.description}`,
    '',
    `Under (a): WAL ${fmt(character.reduce((s, a) => s + a.walBytes, 0) / 2 ** 20 / seconds, 1)} MB/s, ` +
      `${fmt((100 * hit) / (hit + read), 1)} % of block reads from shared_buffers (the rest from the OS cache or disk), ` +
      `temp files ${fmt(character.reduce((s, a) => s + a.tempBytes, 0) / 2 ** 20 / seconds, 1)} MB/s, ` +
      `${character.reduce((s, a) => s + a.checkpoints, 0)} checkpoints in ${fmt(seconds, 0)} s measured.`,
    `Session: objective ${session.objective}; ${session.detail.iterations.length - 1} iterations, ended ${session.detail.session.state} ` +
      `(final ${result?.final}${result?.converged ? ', stopped early: converged' : ''}); agent's own ratio ${fmt(result?.improvementRatio ?? Number.NaN)}×; ` +
      `first within 10 % of its best at iteration ${session.firstWithin10 ?? '-'}.`,
    ...(input.random ? [`(d) measured ${fmt(input.random.finalistTps, 1)} transactions/s in its re-measurement as a finalist.`] : []),
    '',
    '| configuration | transactions/s | × vs (a) | mean latency (ms) | × faster | p95 latency (ms) | × faster |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [i, candidate] of candidates.entries()) {
    const s = spreads(candidate.label);
    const vs = (value: Spread, reference: Spread, higherIsBetter: boolean) => (i === 0 ? '—' : ratio(value, reference, higherIsBetter));
    lines.push(
      `| ${candidate.label} | ${shown(s.tps, 1)} | ${vs(s.tps, base.tps, true)} | ${shown(s.mean, 2)} | ${vs(s.mean, base.mean, false)} | ${shown(s.p95, 1)} | ${vs(s.p95, base.p95, false)} |`,
    );
  }
  lines.push('', '| target | verdict | measured |', '|---|---|---|');
  for (const v of input.verdicts) lines.push(`| ${v.target} | ${v.status} | ${v.detail} |`);
  lines.push('', 'Configurations (pg_settings units; knobs not listed at their defaults):');
  for (const candidate of candidates.slice(1)) {
    lines.push(`- ${candidate.label}: ${Object.entries(candidate.config).map(([k, v]) => `${k}=${String(v)}`).join(', ') || '(the defaults)'}`);
  }
  out(lines);
}

function printSummary(summary: readonly { profile: WorkloadProfile; verdicts: readonly TargetVerdict[] }[], minutes: number): void {
  const targets = summary[0]?.verdicts.map((v) => v.target) ?? [];
  const lines = ['', `### Targets per workload (${fmt(minutes, 0)} min in all)`, '', `| target | ${summary.map((s) => s.profile.name).join(' | ')} |`, `|---|${summary.map(() => '---|').join('')}`];
  for (const target of targets) {
    lines.push(`| ${target} | ${summary.map((s) => s.verdicts.find((v) => v.target === target)?.status ?? '-').join(' | ')} |`);
  }
  out(lines);
}

main()
  .then(() => cleanup())
  .catch(async (error: unknown) => {
    if (interrupted) return;
    progress(`failed: ${error instanceof Error ? error.message : String(error)}`);
    await cleanup();
    process.exit(1);
  });
