/**
 * `npm run bench:failover [-- --kills 3 --switchovers 2 --etcd-outages 1 --patroni debian|pypi --seed 1]`:
 * the failover protocol end to end. On a lab with an agent beside every member (default poll
 * interval, short protocol timings) and a workload that follows the leader, each run starts a tuning
 * session on the leader's agent, waits a seeded random time after the first candidate iteration
 * starts, then kills the leader (SIGKILL of Patroni and PostgreSQL), switches over, or kills etcd
 * (restarted after ETCD_OUTAGE_MS). It measures how soon the session was halted and how soon any
 * agent's API showed it, how many PATCHes were sent after the halt, how long until the baseline was
 * restored and verified, whether the old leader rejoined on the baseline, how many members drifted,
 * and how many session records the new leader lacks.
 * The table goes to stdout, progress to stderr; missed targets are printed, not asserted.
 */
import { parseArgs } from 'node:util';
import type { BaselineRecord, ClusterView, IterationState, SessionDetail, SessionRecord } from '@patroni-tuner/backend/contract';
import { settingMatches } from '@patroni-tuner/backend/harness';
import { agentEnvFor, getJson, getText, postJson, startAgent, type AgentProcess } from '../lab/agent-process.js';
import { Lab } from '../lab/lab.js';
import { LAB_DCS_TIMINGS } from '../lab/patroni-config.js';
import { patroniFlavourFromEnv } from '../lab/patroni-flavour.js';
import { sampleValue } from '../lab/prom-text.js';
import { delay, waitFor } from '../lab/wait.js';
import { prepareWorkload, runWorkload } from '../workload/index.js';
import { createPrng, type Prng } from '../workload/prng.js';
import { machineFacts } from './machine.js';
import { max, median } from './stats.js';

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '3' },
    switchovers: { type: 'string', default: '2' },
    'etcd-outages': { type: 'string', default: '0' },
    patroni: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
const int = (name: 'kills' | 'switchovers' | 'etcd-outages' | 'seed'): number => {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${String(args[name])}`);
  return value;
};
const options = { kills: int('kills'), switchovers: int('switchovers'), etcdOutages: int('etcd-outages'), seed: int('seed') };
if (options.kills + options.switchovers + options.etcdOutages === 0) throw new Error('nothing to do: --kills, --switchovers and --etcd-outages are all 0');
const flavour = patroniFlavourFromEnv(args.patroni === undefined ? process.env : { LAB_PATRONI: args.patroni });

const TOKEN = 'bench-token';
// The agent's default poll interval, so detection is what users get; protocol waits short enough to sit out.
const POLL_S = 1;
const STABILIZATION_S = 5;
const GRACE_S = 5;
const DRIFT_INTERVAL_S = 5;
const AGENT_ENV = {
  TUNER_API_TOKEN: TOKEN,
  TUNER_POLL_INTERVAL: `${POLL_S}s`,
  TUNER_STABILIZATION: `${STABILIZATION_S}s`,
  TUNER_FAILOVER_GRACE: `${GRACE_S}s`,
  TUNER_DRIFT_INTERVAL: `${DRIFT_INTERVAL_S}s`,
};
const SESSION = { iterations: 40, iterationSeconds: 3, warmupSeconds: 1 };
/** The kill lands uniformly within this long after the first candidate iteration starts. */
const MAX_KILL_DELAY_MS = 8_000;
const SNAPSHOT_INTERVAL_MS = 100;
const DRIFT_MARGIN_MS = 5_000;
/** Leader kills: the halt recorded within this long of the kill (p50), and never later than the max. */
const TARGET_KILL_DETECTION_P50_MS = 250;
const TARGET_KILL_DETECTION_MAX_MS = 1_000;
/** etcd stays down this long: Patroni's leader demotes itself once it cannot renew its lock (retry_timeout). */
const ETCD_OUTAGE_MS = 15_000;
/** How often every agent's session API is read after T0, to see when the halt first shows. */
const VISIBILITY_INTERVAL_MS = 50;

const startedAt = performance.now();
const progress = (line: string) => process.stderr.write(`[bench:failover +${((performance.now() - startedAt) / 1000).toFixed(1)}s] ${line}\n`);

type Kind = 'kill' | 'switchover' | 'etcd';

interface Lost {
  iterations: number;
  patches: number;
  events: number;
}

interface Row {
  kind: Kind;
  from: string;
  to: string;
  killPoint: string;
  /** How long lab.killNode or POST /switchover took. */
  callMs: number;
  detectionMs: number;
  /** First time any agent's GET /api/v1/sessions/:id showed the halt (detectedHalt or state halted), and where. */
  visible: { ms: number; how: string } | null;
  /** PATCHes sent after the recorded halt that are not the protocol's baseline restore. */
  patchesAfterHalt: number;
  baselineMs: number;
  /** Time the protocol spent in stabilising and grace (its configured waits, restarts included). */
  waitsMs: number;
  unverified: string[];
  /** After a kill: seconds from the cluster healthy again to the old leader off `unverified`; null if it never came off. */
  rejoinVerifiedS: number | null | 'n/a';
  drifted: number;
  driftedMetrics: number;
  driftUnreported: number;
  lost: Lost;
}

let lab: Lab | null = null;
const agents = new Map<string, AgentProcess>();
const workloadStop = new AbortController();
let workload: Promise<unknown> | null = null;
let interrupted = false;
let cleaning: Promise<void> | null = null;

// Memoised: SIGINT may arrive while main's own cleanup runs.
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    workloadStop.abort();
    await workload?.catch(() => undefined);
    for (const agent of agents.values()) await agent.stop().catch(() => undefined);
    await lab?.stop().catch((error: Error) => progress(`lab stop failed: ${error.message}`));
  })();
  return cleaning;
}

process.on('SIGINT', () => {
  // tsx relays the terminal's SIGINT, so it may arrive twice.
  if (interrupted) return;
  interrupted = true;
  progress('interrupted; stopping the agents, the workload and the lab');
  void cleanup().then(() => process.exit(130));
});

const agentOf = (node: string): AgentProcess => agents.get(node)!;

async function main(): Promise<void> {
  progress(`starting a lab (Patroni ${flavour})`);
  lab = await Lab.start({ flavour, log: progress });
  const first = await lab.waitHealthy();
  for (const node of lab.state.nodes) agents.set(node.name, await startAgent(agentEnvFor(lab, node.name, AGENT_ENV)));
  progress('loading the workload (scale 1)');
  await prepareWorkload(lab.databaseUrl(first), { scale: 1, log: progress });
  // The workload reconnects to whichever member leads now.
  workload = runWorkload(async () => lab!.databaseUrl((await lab!.leaderName().catch(() => null)) ?? first), {
    clients: 2,
    durationMs: 24 * 3_600_000,
    seed: options.seed,
    signal: workloadStop.signal,
  });
  const prng = createPrng(options.seed);
  const kinds: Kind[] = [
    ...Array<Kind>(options.kills).fill('kill'),
    ...Array<Kind>(options.switchovers).fill('switchover'),
    ...Array<Kind>(options.etcdOutages).fill('etcd'),
  ];
  const rows: Row[] = [];
  for (const [i, kind] of kinds.entries()) rows.push(await run(`${i + 1}/${kinds.length}`, kind, prng));
  printReport(rows, (performance.now() - startedAt) / 60_000);
}

async function run(label: string, kind: Kind, prng: Prng): Promise<Row> {
  const from = await lab!.waitHealthy(180_000);
  // The leader's agent must know it leads, or it would forward the start instead of executing it.
  await waitFor(async () => (await Promise.all([...agents.values()].map(leaderSeenBy))).every((l) => l === from), {
    what: `every agent to report ${from} as the leader`,
  });
  const delayMs = Math.round(prng.next() * MAX_KILL_DELAY_MS);
  progress(`run ${label} (${kind}): starting a session on ${from}'s agent; the ${kind} lands ${delayMs} ms into the first candidate`);
  const sessionId = await startSession(agentOf(from));
  const watch = watchSession(agentOf(from), sessionId);
  await waitFor(
    () => {
      const detail = watch.latest();
      if (detail && !['pending', 'preparing', 'running'].includes(detail.session.state)) {
        throw new Error(`session ended early: ${detail.session.state} ${detail.session.reason ?? ''}`);
      }
      return detail?.session.state === 'running' && detail.iterations.some((i) => i.number >= 1);
    },
    { what: `session ${sessionId} to run its first candidate iteration`, timeoutMs: 120_000, intervalMs: SNAPSHOT_INTERVAL_MS },
  );
  await delay(delayMs);
  const before = await watch.stop();
  const t0 = Date.now();
  const killPoint = killPointOf(before.detail, before.measuringSince, t0);
  const visibility = watchVisibility(sessionId, t0);

  if (kind === 'kill') {
    lab!.killNode(from);
    progress(`run ${label}: killed ${from} at ${killPoint}`);
  } else if (kind === 'etcd') {
    await lab!.killEtcd();
    progress(`run ${label}: killed etcd at ${killPoint}; restarting it in ${ETCD_OUTAGE_MS / 1000} s`);
    await delay(ETCD_OUTAGE_MS);
    await lab!.startEtcdAgain();
    progress(`run ${label}: etcd is back`);
  } else {
    const candidate = lab!.state.nodes[(lab!.state.nodes.findIndex((n) => n.name === from) + 1) % lab!.state.nodes.length]!.name;
    progress(`run ${label}: switchover ${from} → ${candidate} at ${killPoint}`);
    await lab!.switchover(from, candidate);
  }
  const callMs = Date.now() - t0;
  const to = await waitFor(
    async () => {
      const name = await lab!.leaderName().catch(() => null);
      // After an etcd outage the old leader may be elected again.
      return name !== null && (name !== from || kind === 'etcd') ? name : false;
    },
    { what: `a leader after the ${kind} of ${from}`, timeoutMs: 120_000 },
  );
  const visible = await visibility;
  progress(`run ${label}: ${to} leads; waiting for the protocol to restore the baseline`);
  const detail = await withAgentOutputs(() =>
    waitFor(
      async () => {
        const d = await detailOf(agentOf(to), sessionId);
        return d.failover?.phase === 'awaiting_acknowledgement' ? d : false;
      },
      { what: `session ${sessionId} to reach awaiting_acknowledgement on ${to}`, timeoutMs: 180_000, intervalMs: 250 },
    ),
  );
  const failover = detail.failover!;
  const baseline = detail.baseline;
  if (!baseline) throw new Error(`session ${sessionId} has no baseline on ${to}`);
  const waitsMs = detail.events
    .filter((e) => e.type === 'failover_phase_changed' && ['stabilising', 'grace'].includes(String(e.detail.from)))
    .reduce((sum, e) => sum + Number(e.detail.inPreviousPhaseMs ?? 0), 0);
  const haltedAt = Date.parse(failover.halt.at);
  progress(`run ${label}: halted ${haltedAt - t0} ms after T0: ${failover.halt.reason}`);
  progress(`run ${label}: baseline restored by ${failover.restore.restoredBy} (unverified: ${failover.restore.unverified.join(', ') || 'none'})`);

  let rejoinVerifiedS: Row['rejoinVerifiedS'] = 'n/a';
  if (kind === 'kill') {
    progress(`run ${label}: restarting ${from}'s Patroni`);
    await lab!.startPatroni(from);
    // Watched from the restart on, so a verification before the cluster looks healthy shows as negative.
    const verified = failover.restore.unverified.includes(from)
      ? waitFor(
          async () => ((await detailOf(agentOf(to), sessionId)).failover?.restore.unverified.includes(from) === false ? Date.now() : false),
          { what: `${from} to come off the unverified members`, timeoutMs: 240_000, intervalMs: 250 },
        ).catch(() => null)
      : null;
    await lab!.waitHealthy(180_000);
    const healthyAt = Date.now();
    progress(`run ${label}: ${from} rejoined; the cluster is healthy`);
    if (verified !== null) {
      const verifiedAt = await verified;
      rejoinVerifiedS = verifiedAt === null ? null : (verifiedAt - healthyAt) / 1000;
    }
  } else {
    await lab!.waitHealthy(180_000);
  }
  progress(`run ${label}: waiting one drift interval + ${DRIFT_MARGIN_MS / 1000} s, then checking every member`);
  await delay(DRIFT_INTERVAL_S * 1000 + DRIFT_MARGIN_MS);
  const drift = await driftCount(baseline);
  const after = await detailOf(agentOf(to), sessionId);
  const lost = lostRecords(before.detail, after);
  const patchesAfterHalt = patchesAfter(after, haltedAt);

  const acknowledged = await post(agentOf(to), `/api/v1/sessions/${sessionId}/acknowledge`, { by: 'bench' });
  if (acknowledged.status !== 200) throw new Error(`acknowledge on ${to}: ${acknowledged.status} ${JSON.stringify(acknowledged.body)}`);
  progress(`run ${label}: acknowledged`);
  return {
    kind,
    from,
    to,
    killPoint,
    callMs,
    detectionMs: haltedAt - t0,
    visible,
    patchesAfterHalt,
    baselineMs: Date.parse(failover.restore.restoredAt!) - t0,
    waitsMs,
    unverified: failover.restore.unverified,
    rejoinVerifiedS,
    ...drift,
    lost,
  };
}

async function startSession(agent: AgentProcess): Promise<string> {
  const { status, body } = await post(agent, '/api/v1/sessions', SESSION);
  const session = body.session as SessionRecord | undefined;
  if (status !== 201 || !session) throw new Error(`session not started: ${status} ${JSON.stringify(body)}`);
  return session.id;
}

/**
 * Reads the session detail on the leader's agent every SNAPSHOT_INTERVAL_MS until stopped: the last
 * snapshot is what the records lost are counted against, and the first sighting of each iteration in
 * `measuring` tells its warm-up from its window.
 */
function watchSession(agent: AgentProcess, id: string) {
  let latest: SessionDetail | null = null;
  const measuringSince = new Map<number, number>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = (): void => {
    inFlight = detailOf(agent, id)
      .then((detail) => {
        latest = detail;
        for (const i of detail.iterations) if (i.state === 'measuring' && !measuringSince.has(i.number)) measuringSince.set(i.number, Date.now());
      })
      // A failed read keeps the previous snapshot; the next one is 100 ms away.
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, SNAPSHOT_INTERVAL_MS);
      });
  };
  tick();
  return {
    latest: () => latest,
    async stop(): Promise<{ detail: SessionDetail; measuringSince: Map<number, number> }> {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      if (latest === null) throw new Error(`no snapshot of session ${id} was read`);
      return { detail: latest, measuringSince };
    },
  };
}

/**
 * Reads the session on every agent every VISIBILITY_INTERVAL_MS from T0 until one shows the halt: a
 * `detectedHalt` (the agent saw it; no record yet) or the record halted. Null when none did within 120 s.
 */
async function watchVisibility(id: string, t0: number): Promise<{ ms: number; how: string } | null> {
  const deadline = t0 + 120_000;
  while (Date.now() < deadline) {
    const seen = await Promise.all(
      [...agents].map(async ([node, agent]) => {
        const detail = await detailOf(agent, id).catch(() => null);
        if (detail === null) return null;
        const session = detail.session as SessionRecord & { detectedHalt?: unknown };
        if (session.state === 'halted') return `halted on ${node}`;
        return session.detectedHalt ? `detectedHalt on ${node}` : null;
      }),
    );
    const first = seen.find((how) => how !== null);
    if (first) return { ms: Date.now() - t0, how: first };
    await delay(VISIBILITY_INTERVAL_MS);
  }
  return null;
}

/** PATCHes sent after the halt, except the protocol's baseline restores (sent once it asked for one). */
function patchesAfter(detail: SessionDetail, haltAt: number): number {
  const restoreAt = detail.events.filter((e) => e.type === 'failover_restore_requested').map((e) => new Date(e.at).getTime());
  const restoresFrom = restoreAt.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...restoreAt);
  return detail.patches.filter((p) => {
    const sentAt = new Date(p.sentAt).getTime();
    return sentAt > haltAt && !(p.iteration === null && sentAt >= restoresFrom);
  }).length;
}

/** `iteration:state` of the latest iteration at `t0`, with `measuring` split into warm-up and window. */
function killPointOf(detail: SessionDetail, measuringSince: Map<number, number>, t0: number): string {
  const last = detail.iterations.reduce((a, b) => (b.number > a.number ? b : a));
  const since = measuringSince.get(last.number);
  if (last.state !== 'measuring' || since === undefined) return `${last.number}:${last.state}`;
  return `${last.number}:${t0 - since < SESSION.warmupSeconds * 1000 ? 'warm-up' : 'measuring'}`;
}

/** Records of the pre-kill snapshot that the new leader lacks, or holds in an earlier state. */
function lostRecords(before: SessionDetail, after: SessionDetail): Lost {
  const rank = (state: IterationState): number => ({ proposed: 0, applying: 1, measuring: 2 } as Partial<Record<IterationState, number>>)[state] ?? 3;
  const afterIterations = new Map(after.iterations.map((i) => [i.number, i.state]));
  const iterations = before.iterations.filter((i) => {
    const now = afterIterations.get(i.number);
    return now === undefined || rank(now) < rank(i.state) || (rank(i.state) === 3 && now !== i.state);
  }).length;
  // Ids are compared with their content: a sequence may hand a lost id out again after promotion.
  const afterPatches = new Map(after.patches.map((p) => [`${p.id}@${new Date(p.sentAt).getTime()}`, p]));
  const patches = before.patches.filter((p) => {
    const now = afterPatches.get(`${p.id}@${new Date(p.sentAt).getTime()}`);
    return now === undefined || (p.outcome !== null && now.outcome === null);
  }).length;
  const eventKey = (e: SessionDetail['events'][number]) => `${e.id}:${e.type}@${new Date(e.at).getTime()}`;
  const afterEvents = new Set(after.events.map(eventKey));
  const events = before.events.filter((e) => !afterEvents.has(eventKey(e))).length;
  return { iterations, patches, events };
}

/**
 * Members that do not hold the baseline (a knob differs, or postgresql.auto.conf sets one), and
 * members whose agent reports pgtuner_member_drifted 1 (or no sample at all).
 */
async function driftCount(baseline: BaselineRecord): Promise<Pick<Row, 'drifted' | 'driftedMetrics' | 'driftUnreported'>> {
  let drifted = 0;
  let driftedMetrics = 0;
  let driftUnreported = 0;
  for (const { name: node } of lab!.state.nodes) {
    const settings = new Map((await lab!.settings(node)).map((s) => [s.name, s]));
    const mismatched = Object.entries(baseline.effective).filter(([name, value]) => {
      const setting = settings.get(name);
      return !setting || !settingMatches(value, setting);
    });
    const overrides = (await lab!.sql(node, "SELECT name FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'")).rows
      .map((r) => r.name as string)
      .filter((name) => name in baseline.effective);
    if (mismatched.length > 0 || overrides.length > 0) {
      drifted += 1;
      progress(`${node} drifted: ${[...mismatched.map(([name]) => name), ...overrides.map((name) => `${name} (auto.conf)`)].join(', ')}`);
    }
    const metric = sampleValue(await getText(`${agentOf(node).url}/metrics`), 'pgtuner_member_drifted', { member: node });
    if (metric === null) driftUnreported += 1;
    else if (metric === 1) driftedMetrics += 1;
  }
  return { drifted, driftedMetrics, driftUnreported };
}

/** Runs `work`; if it fails, prints the tail of every agent's output first, for the report. */
async function withAgentOutputs<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    for (const [node, agent] of agents) process.stderr.write(`--- agent beside ${node} ---\n${agent.output().slice(-4000)}\n`);
    throw error;
  }
}

async function leaderSeenBy(agent: AgentProcess): Promise<string | null> {
  const { status, body } = await getJson<ClusterView>(`${agent.url}/api/v1/cluster`);
  return status === 200 ? body.leader : null;
}

const detailOf = async (agent: AgentProcess, id: string): Promise<SessionDetail> => {
  const { status, body } = await getJson<SessionDetail>(`${agent.url}/api/v1/sessions/${id}`);
  if (status !== 200) throw new Error(`GET session ${id} on ${agent.url}: ${status} ${JSON.stringify(body)}`);
  return body;
};

const post = (agent: AgentProcess, path: string, body: unknown) => postJson(`${agent.url}${path}`, body, TOKEN);

function printReport(rows: Row[], minutes: number): void {
  const machine = machineFacts();
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const lostTotal = (l: Lost) => l.iterations + l.patches + l.events;
  const lostText = (l: Lost) =>
    lostTotal(l) === 0 ? '0' : `${lostTotal(l)} (${l.iterations} iterations, ${l.patches} patches, ${l.events} events)`;
  const rejoinText = (r: Row) => {
    if (r.rejoinVerifiedS === 'n/a') return '-';
    return r.rejoinVerifiedS === null ? 'never (240 s)' : `yes, ${r.rejoinVerifiedS >= 0 ? '+' : ''}${r.rejoinVerifiedS.toFixed(1)} s`;
  };
  const detection = rows.map((r) => r.detectionMs);
  const killDetection = rows.filter((r) => r.kind === 'kill').map((r) => r.detectionMs);
  const visibleMs = rows.map((r) => r.visible?.ms ?? Number.POSITIVE_INFINITY);
  const visibleAfterDetection = rows.map((r) => (r.visible?.ms ?? Number.POSITIVE_INFINITY) - r.detectionMs);
  const patchesAfterHalt = rows.reduce((sum, r) => sum + r.patchesAfterHalt, 0);
  const baseline = rows.map((r) => r.baselineMs);
  const drifted = rows.reduce((sum, r) => sum + r.drifted, 0);
  const driftedMetrics = rows.reduce((sum, r) => sum + r.driftedMetrics, 0);
  const unreported = rows.reduce((sum, r) => sum + r.driftUnreported, 0);
  const lost = rows.reduce((sum, r) => sum + lostTotal(r.lost), 0);
  // A killed leader is unreachable at the restore; it must be verified once it rejoins. Nobody else may stay unverified.
  const everyMemberVerified = rows.every((r) =>
    r.kind === 'kill' ? r.unverified.every((m) => m === r.from) && r.rejoinVerifiedS !== null : r.unverified.length === 0,
  );
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const lines = [
    `## Failover protocol benchmark — ${new Date().toISOString()}`,
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores${machine.cpuLimit ? ` (limit ${machine.cpuLimit})` : ''}, ` +
      `${(machine.ramBytes / 2 ** 30).toFixed(1)} GiB, Linux ${machine.kernel}, Node ${machine.node}; ` +
      `lab of 3 Patroni (${lab!.state.flavour}) + PostgreSQL 15 nodes on loopback (Patroni ttl ${LAB_DCS_TIMINGS.ttl} s, loop_wait ${LAB_DCS_TIMINGS.loop_wait} s).`,
    `Agents: one beside every member; TUNER_POLL_INTERVAL=${POLL_S}s (the default), TUNER_STABILIZATION=${STABILIZATION_S}s, ` +
      `TUNER_FAILOVER_GRACE=${GRACE_S}s, TUNER_DRIFT_INTERVAL=${DRIFT_INTERVAL_S}s.`,
    `Workload: reference mix, scale 1, 2 clients, following the leader. Session: ${SESSION.iterations} iterations × ` +
      `(${SESSION.warmupSeconds} s warm-up + ${SESSION.iterationSeconds} s window); the kill or switchover lands uniformly 0–${MAX_KILL_DELAY_MS / 1000} s ` +
      `after the first candidate iteration starts (seed ${options.seed}).`,
    'T0: a kill — just before SIGKILL of the leader\'s Patroni and PostgreSQL; a switchover — just before POST /switchover is sent ("call" is how long Patroni took to answer it); ' +
      `an etcd outage — just before SIGKILL of etcd, restarted ${ETCD_OUTAGE_MS / 1000} s later ("call" includes that outage).`,
    `Detection = failover.halt.at − T0, the detection time recorded in the halt (new leader's agent). Visible = first time any agent's GET /api/v1/sessions/:id ` +
      `showed the halt (detectedHalt, or the record halted), read every ${VISIBILITY_INTERVAL_MS} ms. PATCHes after halt = the session's recorded PATCHes ` +
      "sent after halt.at, except the protocol's baseline restore. " +
      `Baseline verified = failover.restore.restoredAt − T0. ` +
      `Protocol waits = time in stabilising + grace (configured ${STABILIZATION_S} + ${GRACE_S} s; more if stabilisation restarted); overhead = the rest ` +
      '(detection, Patroni electing and promoting, the restore itself).',
    `Rejoined verified: after a kill, the old leader's Patroni is restarted; the time from the cluster healthy again (3 members streaming) ` +
      `to the leader's agent taking it off failover.restore.unverified (negative: before the bench saw the cluster healthy). ` +
      `Drifted: members not on the baseline (a knob differs, or postgresql.auto.conf sets one) one drift interval + ${DRIFT_MARGIN_MS / 1000} s after that; ` +
      'in brackets those whose agent reports pgtuner_member_drifted 1. Records lost: iterations (missing or in an earlier state), patches and events ' +
      `in the last snapshot of the session on the old leader's agent (read every ${SNAPSHOT_INTERVAL_MS} ms until T0) that the new leader's agent lacks.`,
    `Command: npm run bench:failover -- --kills ${options.kills} --switchovers ${options.switchovers} --etcd-outages ${options.etcdOutages} --patroni ${lab!.state.flavour} --seed ${options.seed} ` +
      `(${minutes.toFixed(1)} min)`,
    '',
    '| run | kind | leader → new | kill point (iteration:state) | call ms | detection ms | visible ms (where) | PATCHes after halt | baseline verified s | protocol waits s | overhead s | unverified at restore | rejoined verified | drifted after rejoin | records lost |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r, i) =>
        `| ${i + 1} | ${r.kind} | ${r.from} → ${r.to} | ${r.killPoint} | ${r.callMs} | ${r.detectionMs} | ` +
        `${r.visible === null ? 'never' : `${r.visible.ms} (${r.visible.how})`} | ${r.patchesAfterHalt} | ${s(r.baselineMs)} | ${s(r.waitsMs)} | ` +
        `${s(r.baselineMs - r.waitsMs)} | ${r.unverified.join(', ') || 'none'} | ${rejoinText(r)} | ` +
        `${r.drifted} (${r.driftedMetrics}${r.driftUnreported > 0 ? `, ${r.driftUnreported} unreported` : ''}) | ${lostText(r.lost)} |`,
    ),
    '',
    `Detection, all runs: p50 ${median(detection).toFixed(0)} ms, max ${max(detection).toFixed(0)} ms.`,
    ...(killDetection.length === 0
      ? []
      : [
          `Detection, leader kills: p50 ${median(killDetection).toFixed(0)} ms, max ${max(killDetection).toFixed(0)} ms — target p50 ≤ ${TARGET_KILL_DETECTION_P50_MS} ms, ` +
            `max ≤ ${TARGET_KILL_DETECTION_MAX_MS} ms: ${verdict(median(killDetection) <= TARGET_KILL_DETECTION_P50_MS && max(killDetection) <= TARGET_KILL_DETECTION_MAX_MS)}.`,
        ]),
    `Visible in an agent's API: p50 ${median(visibleMs).toFixed(0)} ms, max ${max(visibleMs).toFixed(0)} ms after T0; ` +
      `${max(visibleAfterDetection).toFixed(0)} ms at most after the recorded detection — target ≤ 1000 ms: ${verdict(max(visibleAfterDetection) <= 1_000)}.`,
    `PATCHes after a halt: ${patchesAfterHalt} in total — target 0: ${verdict(patchesAfterHalt === 0)}.`,
    `Baseline verified: p50 ${s(median(baseline))} s, max ${s(max(baseline))} s — target: verified on every member: ${verdict(everyMemberVerified)}.`,
    `Drifted after rejoin: ${drifted} in total (metrics: ${driftedMetrics}${unreported > 0 ? `, ${unreported} unreported` : ''}) — target 0: ${verdict(drifted === 0 && driftedMetrics === 0)}.`,
    `Records lost: ${lost} in total — target 0: ${verdict(lost === 0)}.`,
  ];
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
