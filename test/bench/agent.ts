/**
 * `npm run bench:agent [-- options]`: the agent's footprint and scrape latency against a real lab
 * (etcd + 3 Patroni/PostgreSQL nodes on loopback, Patroni from LAB_PATRONI=debian|pypi).
 *
 * One agent runs beside the leader, polling every second. Phase A measures its CPU share of one core
 * and its RSS while it only polls; phase B scrapes GET /metrics back-to-back, first with one client,
 * then with several concurrent ones, and records every latency. The report (markdown) goes to stdout,
 * progress to stderr. A missed target is a finding and still exits 0; a broken run (lab or agent
 * failed, scrapes failed) exits 1, an interrupted one 130. The agent and the lab are always stopped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { agentEnvFor, getText, startAgent, type AgentProcess } from '../lab/agent-process.js';
import { Lab } from '../lab/lab.js';
import { patroniFlavourFromEnv, type PatroniFlavour } from '../lab/patroni-flavour.js';
import { sampleValue } from '../lab/prom-text.js';
import { waitFor } from '../lab/wait.js';
import { machineFacts, type MachineFacts } from './machine.js';
import { childPids, clockTicksPerSecond, cpuWindow, processName, readRssBytes, type CpuWindow } from './proc-stats.js';
import { runScrapeLoad, type ScrapeLoadResult } from './scrape-load.js';
import { max, median, percentile } from './stats.js';

const TARGETS = { p99Ms: 50, cpuShare: 0.02, rssBytes: 150e6 } as const;
const POLL_INTERVAL = '1s';

interface BenchOptions {
  flavour: PatroniFlavour;
  idleSeconds: number;
  clients: number;
  requests: number;
  warmupSeconds: number;
  warmupRequests: number;
  maxPhaseSeconds: number;
}

const USAGE = `usage: npm run bench:agent [-- options]   (LAB_PATRONI=debian|pypi picks the Patroni, default debian)
  --idle-seconds N        phase A window: agent polling only, no scrapes (default 60)
  --clients N             concurrent scrape clients in phase B2 (default 4)
  --requests N            scrapes per client in phases B1 and B2 (default 250)
  --warmup-seconds N      idle settling time before phase A (default 10)
  --warmup-requests N     unrecorded scrapes before phase B1 (default 20)
  --max-phase-seconds N   hard time cap of each scrape phase (default 120)`;

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'idle-seconds': { type: 'string', default: '60' },
      clients: { type: 'string', default: '4' },
      requests: { type: 'string', default: '250' },
      'warmup-seconds': { type: 'string', default: '10' },
      'warmup-requests': { type: 'string', default: '20' },
      'max-phase-seconds': { type: 'string', default: '120' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: keyof typeof values, min: number): number => {
    const raw = String(values[name]);
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
    return n;
  };
  return {
    flavour: patroniFlavourFromEnv(),
    idleSeconds: int('idle-seconds', 1),
    clients: int('clients', 1),
    requests: int('requests', 1),
    warmupSeconds: int('warmup-seconds', 0),
    warmupRequests: int('warmup-requests', 0),
    maxPhaseSeconds: int('max-phase-seconds', 1),
  };
}

class UsageError extends Error {}
class Interrupted extends Error {}

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Measurements

interface IdleResult {
  cpu: CpuWindow;
  rssBytes: number[];
  polls: number;
  /** Child processes of the agent seen during the window: name → max RSS (not included in the agent's figures). */
  children: Map<string, number>;
}

interface ScrapePhase {
  name: string;
  clients: number;
  requestsPerClient: number;
  load: ScrapeLoadResult;
  cpu: CpuWindow;
  rssBytes: number[];
}

interface BenchResult {
  machine: MachineFacts;
  patroniVersion: string;
  postgresVersion: string;
  leader: string;
  idle: IdleResult;
  scrapes: ScrapePhase[];
  problems: string[];
}

function assertAgentAlive(agent: AgentProcess): void {
  const code = agent.exitCode();
  if (code !== null) {
    const tail = agent.output().trim().split('\n').slice(-10).join('\n');
    throw new Error(`the agent (pid ${agent.pid}) exited with ${code}${tail ? `:\n${tail}` : ''}`);
  }
}

async function scrapeText(agent: AgentProcess): Promise<string> {
  return getText(`${agent.url}/metrics`);
}

async function pollsTotal(agent: AgentProcess): Promise<number> {
  const polls = sampleValue(await scrapeText(agent), 'pgtuner_agent_polls_total');
  if (polls === null) throw new Error('the agent does not export pgtuner_agent_polls_total');
  return polls;
}

/** Sleeps until `deadline` (ms since epoch), or throws when the run is interrupted. */
async function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
  const ms = deadline - Date.now();
  if (ms > 0) await sleep(ms, undefined, { signal }).catch(() => undefined);
  if (signal.aborted) throw new Interrupted('interrupted');
}

/** Phase A: the agent only polls; CPU over the window, RSS once a second. */
async function idlePhase(agent: AgentProcess, seconds: number, signal: AbortSignal): Promise<IdleResult> {
  const pollsBefore = await pollsTotal(agent);
  const closeCpu = cpuWindow(agent.pid);
  const rssBytes = [readRssBytes(agent.pid)];
  const children = new Map<string, number>();
  const noteChildren = () => {
    for (const child of childPids(agent.pid)) {
      try {
        const name = `${processName(child)} (pid ${child})`;
        children.set(name, Math.max(children.get(name) ?? 0, readRssBytes(child)));
      } catch {
        // the child exited meanwhile
      }
    }
  };
  noteChildren();
  const t0 = Date.now();
  for (let s = 1; s <= seconds; s++) {
    await sleepUntil(t0 + s * 1000, signal);
    assertAgentAlive(agent);
    rssBytes.push(readRssBytes(agent.pid));
    noteChildren();
    const left = seconds - s;
    if (left > 0 && left % 10 === 0) log(`phase A (idle polling): ${left} s left`);
  }
  const cpu = closeCpu();
  const polls = (await pollsTotal(agent)) - pollsBefore;
  return { cpu, rssBytes, polls, children };
}

/** Phase B: closed-loop scrapes; CPU over the phase, RSS once a second. */
async function scrapePhase(
  agent: AgentProcess,
  name: string,
  clients: number,
  requestsPerClient: number,
  maxPhaseSeconds: number,
  signal: AbortSignal,
): Promise<ScrapePhase> {
  const rssBytes = [readRssBytes(agent.pid)];
  const sampler = setInterval(() => {
    try {
      rssBytes.push(readRssBytes(agent.pid));
    } catch {
      // the agent is gone; assertAgentAlive below reports it
    }
  }, 1_000);
  const closeCpu = cpuWindow(agent.pid);
  let load: ScrapeLoadResult;
  try {
    load = await runScrapeLoad({
      baseUrl: agent.url,
      clients,
      requestsPerClient,
      maxMs: maxPhaseSeconds * 1000,
      signal,
      onProgress: (done, total, elapsedMs) =>
        log(`${name}: ${done}/${total} scrapes, at most ${Math.max(0, Math.ceil(maxPhaseSeconds - elapsedMs / 1000))} s left`),
    });
  } finally {
    clearInterval(sampler);
  }
  if (signal.aborted) throw new Interrupted('interrupted');
  assertAgentAlive(agent);
  const cpu = closeCpu();
  rssBytes.push(readRssBytes(agent.pid));
  return { name, clients, requestsPerClient, load, cpu, rssBytes };
}

/** What the run started, so that `main` stops it whatever happens. */
interface Held {
  lab: Lab | null;
  agent: AgentProcess | null;
}

async function runBench(options: BenchOptions, signal: AbortSignal, held: Held): Promise<BenchResult> {
  const machine = machineFacts();
  log(`starting the lab (etcd + 3 × Patroni ${options.flavour} + PostgreSQL on loopback); this takes a minute`);
  const lab = await Lab.start({ flavour: options.flavour, log: (line) => log(line) });
  held.lab = lab;
  if (signal.aborted) throw new Interrupted('interrupted');
  const leader = await lab.waitHealthy();
  const patroniStatus = (await lab.getJson(leader, '/patroni')) as { patroni?: { version?: string } };
  const patroniVersion = patroniStatus.patroni?.version ?? 'unknown';
  const postgresVersion = String((await lab.sql(leader, 'SHOW server_version')).rows[0]?.server_version ?? 'unknown');

  log(`starting the agent beside the leader ${leader}, polling every ${POLL_INTERVAL}`);
  const agent = await startAgent(agentEnvFor(lab, leader, { TUNER_POLL_INTERVAL: POLL_INTERVAL }));
  held.agent = agent;
  log(`agent pid ${agent.pid} at ${agent.url}`);
  await waitFor(
    async () => {
      assertAgentAlive(agent);
      const text = await scrapeText(agent);
      return sampleValue(text, 'pgtuner_patroni_up') === 1 &&
        sampleValue(text, 'pgtuner_postgres_up') === 1 &&
        sampleValue(text, 'pgtuner_patroni_member_leader', { member: leader }) === 1;
    },
    { what: 'the agent to report Patroni and PostgreSQL up, with its member as leader', timeoutMs: 60_000 },
  );

  if (options.warmupSeconds > 0) {
    log(`warming up: ${options.warmupSeconds} s of polling before measuring`);
    await sleepUntil(Date.now() + options.warmupSeconds * 1000, signal);
  }

  log(`phase A (idle polling): ${options.idleSeconds} s, no scrapes`);
  const idle = await idlePhase(agent, options.idleSeconds, signal);
  log(
    `phase A done: CPU ${pct(idle.cpu.shareOfOneCore)} of one core, RSS median ${mb(median(idle.rssBytes))}, ` +
      `${idle.polls} polls`,
  );

  if (options.warmupRequests > 0) {
    log(`warming up: ${options.warmupRequests} unrecorded scrapes`);
    for (let i = 0; i < options.warmupRequests; i++) {
      if (signal.aborted) throw new Interrupted('interrupted');
      await scrapeText(agent);
    }
  }

  const scrapes: ScrapePhase[] = [];
  const phases: [string, number][] = [['phase B1 (1 client)', 1]];
  if (options.clients > 1) phases.push([`phase B2 (${options.clients} concurrent clients)`, options.clients]);
  for (const [name, clients] of phases) {
    log(`${name}: ${clients} × ${options.requests} scrapes, capped at ${options.maxPhaseSeconds} s`);
    const phase = await scrapePhase(agent, name, clients, options.requests, options.maxPhaseSeconds, signal);
    scrapes.push(phase);
    const l = phase.load.latenciesMs;
    log(`${name} done: ${l.length} ok, ${phase.load.errorCount} errors, p50 ${ms(percentile(l, 50))}, p99 ${ms(percentile(l, 99))}`);
  }

  assertAgentAlive(agent);
  const problems: string[] = [];
  for (const phase of scrapes) {
    if (phase.load.errorCount > 0) {
      problems.push(`${phase.name}: ${phase.load.errorCount} scrapes failed (${phase.load.errorSamples.join('; ')})`);
    }
  }
  if (idle.polls <= 0) problems.push('the agent did not poll during phase A');
  return { machine, patroniVersion, postgresVersion, leader, idle, scrapes, problems };
}

// ---------------------------------------------------------------------------------------------
// Report

const pct = (share: number): string => `${(share * 100).toFixed(2)} %`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (value: number): string => (Number.isNaN(value) ? '—' : `${value.toFixed(1)} ms`);
const verdict = (ok: boolean): string => (ok ? '✓' : '✗');

function childrenNote(children: Map<string, number>): string {
  if (children.size === 0) return 'No child processes of the agent were seen.';
  const list = [...children].map(([name, rss]) => `${name}, RSS up to ${mb(rss)}`).join('; ');
  return (
    `Child processes of the agent seen in phase A: ${list}; they are not included in the agent's CPU and RSS ` +
    `(an \`esbuild\` child is tsx's compiler service, started when a source file is not in tsx's cache).`
  );
}

function commandLine(options: BenchOptions): string {
  return (
    `LAB_PATRONI=${options.flavour} npm run bench:agent -- --idle-seconds ${options.idleSeconds} ` +
    `--clients ${options.clients} --requests ${options.requests} --warmup-seconds ${options.warmupSeconds} ` +
    `--warmup-requests ${options.warmupRequests} --max-phase-seconds ${options.maxPhaseSeconds}`
  );
}

function renderReport(options: BenchOptions, r: BenchResult, startedAt: Date): string {
  const m = r.machine;
  const idleRssMedian = median(r.idle.rssBytes);
  const idleRssMax = max(r.idle.rssBytes);
  const pollRate = r.idle.polls / r.idle.cpu.wallSeconds;
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);

  push(`## Agent benchmark — ${startedAt.toISOString()}`, '');
  push('Command:', '', '```', commandLine(options), '```', '');

  push('### Machine', '', '| | |', '|---|---|');
  push(`| CPU | ${m.cpuModel}, ${m.cores} cores available${m.cpuLimit ? `, limited to ${m.cpuLimit}` : ''} |`);
  push(`| RAM | ${(m.ramBytes / 2 ** 30).toFixed(1)} GiB |`);
  push(`| Kernel | Linux ${m.kernel} |`);
  push(`| Node | ${m.node} |`);
  push(`| Patroni | ${r.patroniVersion} (LAB_PATRONI=${options.flavour}) |`);
  push(`| PostgreSQL | ${r.postgresVersion} |`, '');

  const b2 = r.scrapes.find((s) => s.clients > 1);
  push('### Workload', '');
  push(
    `- Lab: etcd + 3 Patroni/PostgreSQL nodes on loopback, on this same machine: they, the agent and the scrape ` +
      `clients (this bench process) share its ${m.cores} cores.`,
    `- Agent: one, beside the leader ${r.leader}, \`TUNER_POLL_INTERVAL=${POLL_INTERVAL}\`, run as the lab tests run it ` +
      `(\`node --import tsx backend/src/main.ts\`: TypeScript compiled at load, which its RSS includes). ` +
      childrenNote(r.idle.children),
    `- Warm-up: after /metrics reported Patroni and PostgreSQL up, ${options.warmupSeconds} s of polling before phase A, ` +
      `and ${options.warmupRequests} unrecorded scrapes before phase B1.`,
    `- Phase A, idle footprint: ${options.idleSeconds} s of polling only, no scrapes ` +
      `(${r.idle.polls} polls counted by \`pgtuner_agent_polls_total\`, ${pollRate.toFixed(2)}/s). ` +
      `CPU = Δ(utime+stime) of /proc/<pid>/stat ÷ USER_HZ (${clockTicksPerSecond()}) ÷ wall time ` +
      `(${r.idle.cpu.cpuSeconds.toFixed(2)} s CPU in ${r.idle.cpu.wallSeconds.toFixed(1)} s); ` +
      `RSS = VmRSS of /proc/<pid>/status once a second (${r.idle.rssBytes.length} samples).`,
    `- Phase B1: 1 client, ${options.requests} back-to-back scrapes of GET /metrics on one keep-alive connection (undici). ` +
      `Latency = request sent → body fully read, timed with process.hrtime in the bench process.`,
  );
  if (b2) {
    push(
      `- Phase B2: ${b2.clients} concurrent clients × ${b2.requestsPerClient} back-to-back scrapes, one keep-alive connection each. ` +
        `The agent coalesces scrapes that arrive while a snapshot is being gathered into that one snapshot (single-flight), ` +
        `so concurrent clients share work: ${b2.load.distinctBodies} distinct response bodies (≈ snapshots rendered) ` +
        `for ${b2.load.latenciesMs.length} responses.`,
    );
  }
  push(
    `- Hard cap ${options.maxPhaseSeconds} s per scrape phase; 10 s timeout per scrape. Percentiles: nearest rank over this run's samples. ` +
      `MB = 10^6 bytes. /metrics body: ${(r.scrapes[0]?.load.bodyBytes ?? 0) / 1000} kB.`,
    '',
  );

  push('### Results', '', '| metric | measured | target | verdict |', '|---|---|---|---|');
  push(
    `| Agent CPU, share of one core, polling every ${POLL_INTERVAL} (phase A, ${options.idleSeconds} s) | ` +
      `${pct(r.idle.cpu.shareOfOneCore)} | ≤ ${pct(TARGETS.cpuShare)} | ${verdict(r.idle.cpu.shareOfOneCore <= TARGETS.cpuShare)} |`,
    `| Agent RSS while polling (phase A), median / max | ${mb(idleRssMedian)} / ${mb(idleRssMax)} | ≤ ${mb(TARGETS.rssBytes)} | ` +
      `${verdict(idleRssMax <= TARGETS.rssBytes)} |`,
  );
  for (const phase of r.scrapes) {
    const p99 = percentile(phase.load.latenciesMs, 99);
    const label = phase.clients === 1 ? '1 client' : `${phase.clients} concurrent clients`;
    push(
      `| Scrape latency p50 / p99, ${label} (${phase.load.latenciesMs.length} scrapes) | ` +
        `${ms(percentile(phase.load.latenciesMs, 50))} / ${ms(p99)} | p99 ≤ ${TARGETS.p99Ms} ms | ${verdict(p99 <= TARGETS.p99Ms)} |`,
    );
  }
  const loadRssMax = max(r.scrapes.flatMap((s) => s.rssBytes));
  push(
    `| Agent RSS under back-to-back scraping (phase B), max | ${mb(loadRssMax)} | ≤ ${mb(TARGETS.rssBytes)} | ` +
      `${verdict(loadRssMax <= TARGETS.rssBytes)} |`,
    '',
  );

  push(
    '### Scrape phases in detail',
    '',
    '| phase | clients × requests | ok | errors | p50 | p90 | p99 | max | scrapes/s | distinct snapshots | agent CPU (of one core) | agent RSS max |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const phase of r.scrapes) {
    const l = phase.load.latenciesMs;
    push(
      `| ${phase.name}${phase.load.capped ? ' (time cap hit)' : ''} | ${phase.clients} × ${phase.requestsPerClient} | ${l.length} | ` +
        `${phase.load.errorCount} | ${ms(percentile(l, 50))} | ${ms(percentile(l, 90))} | ${ms(percentile(l, 99))} | ${ms(max(l))} | ` +
        `${(l.length / phase.load.wallSeconds).toFixed(0)} | ${phase.load.distinctBodies} | ${pct(phase.cpu.shareOfOneCore)} | ` +
        `${mb(max(phase.rssBytes))} |`,
    );
  }
  push(
    '',
    'The targets are stated for the agent polling every second (phase A, as it runs between Prometheus scrapes). ' +
      'The RSS row for phase B holds the agent to the same 150 MB under back-to-back scraping, a far heavier load than ' +
      'Prometheus puts on it (one scrape per 15–60 s); the CPU column of the scrape phases is reported for context, not judged.',
  );
  if (r.problems.length > 0) push('', '**Problems:**', '', ...r.problems.map((p) => `- ${p}`));
  push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`bench:agent: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      log(`${sig}: stopping the agent and the lab (they are stopped as soon as they can be)`);
      controller.abort(new Interrupted(sig));
    } else {
      log('still stopping the agent and the lab; please wait');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const held: Held = { lab: null, agent: null };
  const startedAt = new Date();
  let exitCode = 0;
  try {
    const result = await runBench(options, controller.signal, held);
    process.stdout.write(renderReport(options, result, startedAt));
    if (result.problems.length > 0) {
      log(`the run had problems: ${result.problems.join('; ')}`);
      exitCode = 1;
    }
  } catch (error) {
    if (controller.signal.aborted) {
      log('interrupted; no report');
      exitCode = 130;
    } else {
      log(`failed: ${(error as Error).message}`);
      exitCode = 1;
    }
  } finally {
    const { agent: a, lab: l } = held;
    if (a) {
      log(`stopping the agent (pid ${a.pid})`);
      await a.stop().catch((error: Error) => log(`could not stop the agent: ${error.message}`));
    }
    if (l) {
      log('stopping the lab');
      await l.stop().catch((error: Error) => log(`could not stop the lab: ${error.message}`));
    }
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
