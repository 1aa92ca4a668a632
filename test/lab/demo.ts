/**
 * `bash scripts/demo`: the whole product on this machine. A lab cluster (etcd + three Patroni/PostgreSQL
 * nodes), the built agent beside every node on fixed ports, the reference workload on whichever member
 * leads, and Prometheus (Debian's package) with the project's rules. Prints how to start and watch a
 * session, where the alerts are and how to kill the leader, then reports topology changes.
 * `--grafana-url URL` (or PATRONI_TUNER_GRAFANA_URL) also configures the app in a running Grafana.
 * Ctrl-C stops everything it started, by pid.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { agentEnvFor, getJson, startAgent, type AgentProcess } from './agent-process.js';
import { Lab } from './lab.js';
import { patroniFlavourFromEnv } from './patroni-flavour.js';
import { isAlive } from './processes.js';
import { startPrometheus, type PrometheusProcess } from './prometheus.js';
import { prepareWorkload } from '../workload/prepare.js';
import { runWorkload } from '../workload/run.js';
import type { ClusterView } from '@patroni-tuner/backend/contract';

const WATCH_INTERVAL_MS = 2_000;
const FIRST_AGENT_PORT = 9933;
const PROMETHEUS_PORT = 9490;
/** Short enough to see a whole failover protocol in a minute; production defaults are 30 s and 5 min. */
const DEMO_AGENT_ENV = { TUNER_POLL_INTERVAL: '1s', TUNER_STABILIZATION: '10s', TUNER_FAILOVER_GRACE: '30s', TUNER_DRIFT_INTERVAL: '10s' };

const { values: args } = parseArgs({ options: { 'grafana-url': { type: 'string' } } });
const grafanaUrl = args['grafana-url'] ?? process.env.PATRONI_TUNER_GRAFANA_URL ?? null;
const token = process.env.TUNER_API_TOKEN || randomBytes(16).toString('hex');

const lab = await Lab.start({ flavour: patroniFlavourFromEnv(), log: (line) => console.log(line) });
const agents: Array<{ node: string; agent: AgentProcess }> = [];
let prometheus: PrometheusProcess | null = null;
const workloadStop = new AbortController();
let workload: Promise<unknown> = Promise.resolve();
let stopping = false;

async function stopAll(code: number): Promise<never> {
  stopping = true;
  console.log('demo: stopping the workload, Prometheus, the agents and the lab …');
  workloadStop.abort();
  await workload.catch(() => undefined);
  await prometheus?.stop().catch((error: Error) => console.error(`demo: ${error.message}`));
  for (const { agent } of agents) await agent.stop().catch(() => undefined);
  await lab.stop().catch((error: Error) => console.error(`demo: ${error.message}`));
  console.log('demo: stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  const leader = await lab.waitHealthy();
  for (const [index, node] of lab.state.nodes.entries()) {
    const env = agentEnvFor(lab, node.name, { ...DEMO_AGENT_ENV, TUNER_API_TOKEN: token });
    agents.push({ node: node.name, agent: await startAgent(env, { built: true, port: FIRST_AGENT_PORT + index }) });
  }
  console.log('demo: starting Prometheus and loading the reference workload (scale 1) …');
  prometheus = await startPrometheus({
    port: PROMETHEUS_PORT,
    scope: lab.state.scope,
    agents: agents.map(({ node, agent }) => ({ address: new URL(agent.url).host, member: node })),
    patroni: lab.state.nodes.map((n) => ({ address: new URL(lab.restUrl(n.name)).host, member: n.name })),
    interval: '5s',
  });
  await prepareWorkload(lab.databaseUrl(leader), { scale: 1 });
  workload = runWorkload(async () => lab.databaseUrl((await lab.leaderName()) ?? leader), {
    clients: 2,
    durationMs: 24 * 3_600_000,
    signal: workloadStop.signal,
  });
  if (grafanaUrl) await provisionGrafana(grafanaUrl);
} catch (error) {
  console.error(`demo: ${(error as Error).message}`);
  await stopAll(1);
}

const first = agents[0]!.agent.url;
const { restApi } = lab.state.credentials;
console.log(`\nPatroni ${lab.state.flavour} cluster "${lab.state.scope}" (REST basic auth ${restApi.username}:${restApi.password}), workload running on the leader`);
for (const { node, agent } of agents) {
  console.log(`  ${node}: agent ${agent.url}  (metrics ${agent.url}/metrics, cluster ${agent.url}/api/v1/cluster)`);
  console.log(`         Patroni ${lab.restUrl(node)}  PostgreSQL ${lab.databaseUrl(node)}`);
}
console.log(`
API token: ${token}
Start a session (any agent forwards it to the leader's):
  curl -s -XPOST ${first}/api/v1/sessions -H 'authorization: Bearer ${token}' -H 'content-type: application/json' \\
       -d '{"iterations": 20, "iterationSeconds": 20, "warmupSeconds": 5}'
Watch it:
  watch -n 2 "curl -s ${first}/api/v1/sessions | head -c 1500"
Prometheus alerts: http://127.0.0.1:${PROMETHEUS_PORT}/alerts  (API: http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/alerts)
See a halt: while the session runs, kill the leader's Patroni and PostgreSQL (the line below follows the leader):
  ${await killCommand()}
  then PatroniTunerSessionHalted fires; once the session's failover phase is awaiting_acknowledgement:
  curl -s -XPOST ${first}/api/v1/sessions/<id>/acknowledge -H 'authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"by": "me"}'
  (the killed node stays down; \`npm run lab\` is not needed, Ctrl-C cleans up)
Ctrl-C stops everything.
`);

// Report what the agents see, as it changes: the first agent whose Patroni answers (a killed node's does not).
let lastLine = '';
while (!stopping) {
  const line = await describeCluster();
  if (line !== lastLine) {
    console.log(`${new Date().toISOString()}  ${line}`);
    if (lastLine !== '') console.log(`  to kill the leader now: ${await killCommand()}`);
  }
  lastLine = line;
  await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
}

async function describeCluster(): Promise<string> {
  let last = '';
  for (const { node, agent } of agents) {
    const seen = await describe(agent).catch((error: Error) => ({ ok: false, text: `unreachable: ${error.message}` }));
    last = `${node}'s agent: ${seen.text}`;
    if (seen.ok) return last;
  }
  return last;
}

async function describe(agent: AgentProcess): Promise<{ ok: boolean; text: string }> {
  const { status, body } = await getJson<ClusterView | { error: { message: string } }>(`${agent.url}/api/v1/cluster`);
  if (status !== 200 || !('members' in body)) return { ok: false, text: `cluster unavailable: ${'error' in body ? body.error.message : status}` };
  const members = body.members.map((m) => `${m.name}=${m.role}/${m.health}`).join(' ');
  return { ok: true, text: `leader ${body.leader ?? 'none'} · timeline ${body.timeline ?? '?'}${body.paused ? ' · paused' : ''} · ${members}` };
}

/** `kill -9` of the current leader's Patroni and postmaster. */
async function killCommand(): Promise<string> {
  const leader = await lab.leaderName().catch(() => null);
  if (leader === null) return '(no leader right now)';
  const node = lab.node(leader);
  const pids = [node.patroniPid, lab.postmasterPid(node)].filter((pid): pid is number => pid !== null && isAlive(pid));
  if (pids.length === 0) return `(${leader} is already down)`;
  return `kill -9 ${pids.join(' ')}   # ${leader}'s Patroni and postmaster`;
}

/** The data source the demo's Grafana gets for its Prometheus: provisioning's uid, so the dashboards and app find it. */
const PROMETHEUS_DATASOURCE_UID = 'patroni-tuner-prometheus';

/**
 * Configures and enables the app in a Grafana the user runs (Grafana's HTTP API; credentials in the
 * URL, e.g. http://admin:admin@localhost:3000): the demo's Prometheus as a data source (kept if one
 * with its uid exists) chosen for the app's per-member panels, and the agents with the token. The
 * agents' and Prometheus' URLs must be reachable from that Grafana.
 */
async function provisionGrafana(url: string): Promise<void> {
  const datasource = await grafanaPost(url, '/api/datasources', {
    name: 'Patroni Tuner Prometheus',
    uid: PROMETHEUS_DATASOURCE_UID,
    type: 'prometheus',
    access: 'proxy',
    url: prometheus!.url,
    jsonData: { httpMethod: 'POST', prometheusType: 'Prometheus', timeInterval: '5s' },
  });
  if (datasource.status === 409) console.log(`demo: Grafana already has a data source named or with uid ${PROMETHEUS_DATASOURCE_UID}; kept`);
  else if (!datasource.ok) throw new Error(`Grafana: POST /api/datasources answered ${datasource.status}: ${datasource.text}`);
  const settings = await grafanaPost(url, '/api/plugins/patronituner-app/settings', {
    enabled: true,
    pinned: true,
    // One key per route slot of the app's plugin.json (agentUrl0 … agentUrl19).
    jsonData: {
      ...Object.fromEntries(agents.map(({ agent }, slot) => [`agentUrl${slot}`, agent.url])),
      prometheusDatasourceUid: PROMETHEUS_DATASOURCE_UID,
    },
    secureJsonData: { apiToken: token },
  });
  if (!settings.ok) throw new Error(`Grafana: POST /api/plugins/patronituner-app/settings answered ${settings.status}: ${settings.text}`);
  console.log(`demo: the Patroni Tuner app is enabled in ${new URL(url).origin} with the three agents, the token and Prometheus`);
}

/** POST to Grafana's HTTP API, with the URL's credentials as basic auth. */
async function grafanaPost(url: string, path: string, body: unknown): Promise<{ ok: boolean; status: number; text: string }> {
  const target = new URL(path, url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.username) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  const response = await fetch(target, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  return { ok: response.ok, status: response.status, text: await response.text() };
}
