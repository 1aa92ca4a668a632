/**
 * The project's alerting on a real Prometheus (Debian's /usr/bin/prometheus) scraping the built agents
 * beside a real lab: provisioning/prometheus with every rule's `for` cut to 1 s. The leader is killed
 * mid-session; the halted-session alert must fire once (not once per agent) and resolve after the
 * acknowledgement. Then every bundled dashboard query and every Grafana alert query runs against the
 * data this produced and must parse and return series.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { agentEnvFor, getJson, postJson, startAgent, type AgentProcess } from '../../../test/lab/agent-process.js';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { freePort } from '../../../test/lab/ports.js';
import { activeAlerts, prometheusGet, startPrometheus, type PrometheusProcess } from '../../../test/lab/prometheus.js';
import { dashboardQueries, grafanaAlertQueries, REPO, substituteVariables } from '../../../test/lab/queries.js';
import { waitFor } from '../../../test/lab/wait.js';
import { prepareWorkload } from '../../../test/workload/prepare.js';
import { runWorkload } from '../../../test/workload/run.js';
import type { SessionDetail, SessionRecord } from '../../src/contract/index.js';

const TOKEN = 'prometheus-token';
/** Short protocol timings, as in failover.test.ts. */
const AGENT_ENV = {
  TUNER_API_TOKEN: TOKEN,
  TUNER_STABILIZATION: '3s',
  TUNER_FAILOVER_GRACE: '6s',
  TUNER_DRIFT_INTERVAL: '2s',
  TUNER_VERIFY_TIMEOUT: '20s',
};
const SESSION = { iterations: 40, iterationSeconds: 3, warmupSeconds: 1 };
const HALTED = 'PatroniTunerSessionHalted';

let lab: Lab;
const agents = new Map<string, AgentProcess>();
let prometheus: PrometheusProcess;
let leader: string;
let startedAt: number;
const workloadStop = new AbortController();
let workload: Promise<unknown>;

before(async () => {
  // The agents run as `npm run build` makes them: plain JavaScript from backend/dist, no tsx.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}${build.stderr}`);
  startedAt = Date.now();
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
  leader = await lab.waitHealthy();
  for (const node of lab.state.nodes) {
    agents.set(node.name, await startAgent(agentEnvFor(lab, node.name, AGENT_ENV), { built: true }));
  }
  const address = (url: string) => new URL(url).host;
  prometheus = await startPrometheus({
    port: await freePort(),
    scope: lab.state.scope,
    agents: lab.state.nodes.map((n) => ({ address: address(agents.get(n.name)!.url), member: n.name })),
    patroni: lab.state.nodes.map((n) => ({ address: address(lab.restUrl(n.name)), member: n.name })),
    interval: '1s',
    ruleFor: '1s',
  });
  await prepareWorkload(lab.databaseUrl(leader), { scale: 1 });
  workload = runWorkload(async () => lab.databaseUrl((await lab.leaderName()) ?? leader), {
    clients: 2,
    durationMs: 30 * 60_000,
    signal: workloadStop.signal,
  });
});

after(async () => {
  workloadStop.abort();
  await workload?.catch(() => undefined);
  await prometheus?.stop();
  for (const agent of agents.values()) await agent.stop();
  await lab?.stop();
});

const agentOf = (node: string) => agents.get(node)!;

const post = (agent: AgentProcess, path: string, body: unknown) => postJson(`${agent.url}${path}`, body, TOKEN);

const detailOf = async (agent: AgentProcess, id: string) => (await getJson<SessionDetail>(`${agent.url}/api/v1/sessions/${id}`)).body;
const haltedAlerts = async (sessionId: string) => (await activeAlerts(prometheus.url)).filter((a) => a.labels.alertname === HALTED && a.labels.session === sessionId);

async function instant(query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  return (await prometheusGet<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(prometheus.url, '/api/v1/query', { query })).data.result;
}

test('Prometheus scrapes every agent and Patroni, with the cluster scope on the series', async () => {
  const agentsUp = await instant('up{job="patroni-tuner"}');
  assert.deepEqual(agentsUp.map((s) => s.metric.member).sort(), lab.state.nodes.map((n) => n.name).sort());
  assert.ok(agentsUp.every((s) => s.metric.scope === lab.state.scope && s.value[1] === '1'), JSON.stringify(agentsUp));
  // Patroni's own metrics keep their labels next to the agents' (honor_labels).
  const patroni = await instant('count by (scope, member) ({job="patroni"})');
  assert.equal(patroni.length, lab.state.nodes.length, JSON.stringify(patroni));
  assert.ok(patroni.every((s) => s.metric.scope === lab.state.scope));
  assert.deepEqual((await activeAlerts(prometheus.url)).filter((a) => a.labels.alertname === HALTED), [], 'no session is halted yet');
});

test('a leader killed mid-session fires one halted-session alert, which resolves after the acknowledgement', async () => {
  const started = await waitFor(
    async () => {
      const response = await post(agentOf(leader), '/api/v1/sessions', SESSION);
      if (response.body.error?.code === 'cluster_unhealthy') throw new Error(response.body.error.message);
      return response;
    },
    { what: "the leader's agent to see every member healthy", timeoutMs: 120_000, intervalMs: 500 },
  );
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const session = started.body.session as SessionRecord;
  await waitFor(
    async () => {
      const detail = await detailOf(agentOf(leader), session.id);
      if (['failed', 'completed', 'halted'].includes(detail.session.state)) throw new Error(`session ended early: ${detail.session.reason}`);
      return detail.iterations.some((i) => i.number > 0 && i.state === 'measuring' && Object.keys(i.parameters).length > 0);
    },
    { what: 'a candidate to be applied and measured', timeoutMs: 90_000, intervalMs: 200 },
  );
  // Prometheus has scraped the running session from the executing agent.
  await waitFor(async () => (await instant(`pgtuner_tuning_iteration{session="${session.id}"} > 0`)).length === 1, {
    what: 'Prometheus to scrape the session under way',
  });

  const oldLeader = leader;
  lab.killNode(oldLeader);
  leader = await waitFor(
    async () => {
      const name = await lab.leaderName().catch(() => null);
      return name !== null && name !== oldLeader ? name : false;
    },
    { what: 'a new leader after the kill', timeoutMs: 120_000 },
  );

  const firing = await waitFor(
    async () => {
      const alerts = await haltedAlerts(session.id);
      return alerts.some((a) => a.state === 'firing') ? alerts : false;
    },
    { what: `${HALTED} to fire for session ${session.id}`, timeoutMs: 120_000, intervalMs: 500 },
  );
  assert.equal(firing.length, 1, `one alert for the session, not one per agent: ${JSON.stringify(firing)}`);
  assert.equal(firing[0]!.labels.scope, lab.state.scope);
  assert.equal(firing[0]!.annotations.grafana_path, `/a/patronituner-app/sessions/${session.id}`);
  // Every agent that reaches its database exports the halted session (the store is replicated), and
  // the alert stays one.
  await waitFor(async () => (await instant(`pgtuner_failover_phase{session="${session.id}", phase="halted"}`)).length >= 2, {
    what: 'both surviving agents to export the halted session',
    timeoutMs: 30_000,
  });
  assert.equal((await haltedAlerts(session.id)).length, 1);

  await waitFor(async () => (await detailOf(agentOf(leader), session.id)).failover?.phase === 'awaiting_acknowledgement', {
    what: `session ${session.id} to reach awaiting_acknowledgement`,
    timeoutMs: 150_000,
    intervalMs: 500,
  });
  assert.equal((await haltedAlerts(session.id)).length, 1, 'still firing until a person acknowledges');
  // The killed leader is the unverified member; Prometheus has it before anyone acknowledges.
  const unverified = await waitFor(
    async () => {
      const result = await instant(`max by (scope, session) (pgtuner_failover_unverified_members{session="${session.id}"})`);
      return result.length === 1 ? result[0]! : false;
    },
    { what: 'Prometheus to scrape the unverified members of the restore' },
  );
  assert.equal(unverified.value[1], '1', `${oldLeader} was down during the restore`);
  // The restore succeeded: the give-up series is there, at 0, once per cluster and session.
  const unresolved = await instant(`max by (scope, session) (pgtuner_failover_restore_unresolved{session="${session.id}"})`);
  assert.deepEqual(unresolved.map((s) => [s.metric.scope, s.value[1]]), [[lab.state.scope, '0']], JSON.stringify(unresolved));
  const acknowledged = await post(agentOf(leader), `/api/v1/sessions/${session.id}/acknowledge`, { by: 'dba' });
  assert.equal(acknowledged.status, 200, JSON.stringify(acknowledged.body));
  await waitFor(async () => (await haltedAlerts(session.id)).length === 0 && (await activeAlerts(prometheus.url)).every((a) => a.labels.alertname !== HALTED), {
    what: `${HALTED} to resolve after the acknowledgement`,
    timeoutMs: 60_000,
    intervalMs: 500,
  });
});

test("every dashboard query and every Grafana alert query parses and returns series from this run's data", async () => {
  const queries = [...dashboardQueries(), ...grafanaAlertQueries()];
  assert.ok(queries.length >= 40, `found ${queries.length} queries`);
  const end = Date.now() / 1000;
  const empty: string[] = [];
  for (const { source, expr } of queries) {
    const query = substituteVariables(expr, { scope: lab.state.scope, rateInterval: '10s', range: '10m' });
    // Over the whole run: the failover series only exist while a session is halted.
    const { data } = await prometheusGet<{ result: unknown[] }>(prometheus.url, '/api/v1/query_range', {
      query,
      start: String(startedAt / 1000),
      end: String(end),
      step: '1',
    });
    if (data.result.length === 0) empty.push(`${source}: ${query}`);
  }
  assert.deepEqual(empty, [], 'queries that returned no series');
});
