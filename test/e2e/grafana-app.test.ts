/**
 * The Grafana app end to end, in real Chromium (Debian's, driven by playwright-core): the built
 * plugin/dist/module.js loaded as Grafana loads it (harness-server.ts), its plugin proxy forwarding to
 * the agents of a real lab under the reference workload. Configure three agents, start a session with
 * the form, see its progress on the sessions page and the fleet's card, the cluster page, then take the leader's host away (Patroni, PostgreSQL and its agent killed) and
 * see the cluster still read through a replica's agent, the new leader and the halt's banner, and
 * acknowledge the halt from it. Saves the
 * README's screenshots to docs/screenshots/.
 * Needs `npm run build` first; run it under the lab lock like every lab test.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { agentEnvFor, startAgent, type AgentProcess } from '../lab/agent-process.js';
import { Lab } from '../lab/lab.js';
import { patroniFlavourFromEnv } from '../lab/patroni-flavour.js';
import { freePort } from '../lab/ports.js';
import { startPrometheus, type PrometheusProcess } from '../lab/prometheus.js';
import { REPO } from '../lab/queries.js';
import { waitFor } from '../lab/wait.js';
import { prepareWorkload } from '../workload/prepare.js';
import { runWorkload } from '../workload/run.js';
import type { SessionDetail, SessionRecord } from '@patroni-tuner/backend/contract';
import { startHarnessServer, type HarnessServer } from './harness-server.js';

const TOKEN = 'e2e-token';
/** Short protocol timings, so a halt reaches the acknowledgement while the test watches. */
const AGENT_ENV = { TUNER_API_TOKEN: TOKEN, TUNER_STABILIZATION: '3s', TUNER_FAILOVER_GRACE: '6s' };
const SESSION = { iterations: 40, iterationSeconds: 3, warmupSeconds: 1 };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(REPO, 'docs', 'screenshots');
const CONFIG_PAGE = '/plugins/patronituner-app';
const FLEET_PAGE = '/a/patronituner-app/';
/** The cluster page's panels (the members dashboard's), each expected with a series per member. */
const MEMBER_PANELS = ['CPU busy', 'Memory available', 'Disk busy', 'Transactions per second', 'Connections by state'];
const PROMETHEUS_DATASOURCE = { uid: 'lab-prometheus', name: 'Lab Prometheus', scrapeInterval: '1s' };

let lab: Lab;
let leader: string;
const agents: Array<{ node: string; agent: AgentProcess }> = [];
let harness: HarnessServer;
let prometheus: PrometheusProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const workloadStop = new AbortController();
let workload: Promise<unknown>;
let sessionId: string;

before(async () => {
  assert.ok(existsSync(join(REPO, 'plugin', 'dist', 'module.js')), 'plugin/dist/module.js: run `npm run build` first');
  mkdirSync(SCREENSHOTS, { recursive: true });
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
  leader = await lab.waitHealthy();
  for (const node of lab.state.nodes) {
    agents.push({ node: node.name, agent: await startAgent(agentEnvFor(lab, node.name, AGENT_ENV)) });
  }
  await prepareWorkload(lab.databaseUrl(leader), { scale: 1 });
  workload = runWorkload(async () => lab.databaseUrl((await lab.leaderName()) ?? leader), {
    clients: 2,
    durationMs: 30 * 60_000,
    signal: workloadStop.signal,
  });
  prometheus = await startPrometheus({
    port: await freePort(),
    scope: lab.state.scope,
    agents: agents.map(({ node, agent }) => ({ address: new URL(agent.url).host, member: node })),
    patroni: lab.state.nodes.map((n) => ({ address: new URL(lab.restUrl(n.name)).host, member: n.name })),
    interval: PROMETHEUS_DATASOURCE.scrapeInterval,
  });
  harness = await startHarnessServer({ prometheus: { ...PROMETHEUS_DATASOURCE, url: prometheus.url } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

after(async () => {
  workloadStop.abort();
  await workload?.catch(() => undefined);
  await browser?.close();
  await harness?.close();
  await prometheus?.stop();
  for (const { agent } of agents) await agent.stop();
  await lab?.stop();
});

const text = async (testId: string) => (await page.getByTestId(testId).textContent({ timeout: 30_000 })) ?? '';

/** Waits until the element's text matches, re-reading it as the page refreshes itself. */
async function waitForText(testId: string, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    async () => {
      const current = await text(testId);
      if (!pattern.test(current)) throw new Error(`"${current}" does not match ${pattern}`);
      return current;
    },
    { what: `${testId} to match ${pattern}`, timeoutMs, intervalMs: 500 },
  );
}

test('configuration: three agent URLs and the token saved, each URL tested', async () => {
  await page.goto(`${harness.url}${CONFIG_PAGE}`);
  for (const [index, { agent }] of agents.entries()) {
    if (index > 0) await page.getByRole('button', { name: 'Add agent URL' }).click();
    await page.getByTestId(`data-testid agent-url-${index}`).fill(agent.url);
  }
  await page.getByTestId('data-testid api-token').fill(TOKEN);
  // The Prometheus data source for the cluster page's panels, from the data sources Grafana lists.
  await page.getByTestId('data-testid prometheus-datasource').getByRole('combobox').click();
  await page.getByText(`${PROMETHEUS_DATASOURCE.name} (default)`, { exact: true }).click();
  await page.getByTestId('data-testid save-settings').click();
  // Saving reloads the page, which shows the saved URLs and the token as configured.
  await waitFor(() => harness.settings().apiToken === TOKEN, { what: 'the settings to be saved' });
  assert.deepEqual(harness.settings().jsonData, {
    ...Object.fromEntries(agents.map(({ agent }, i) => [`agentUrl${i}`, agent.url])),
    prometheusDatasourceUid: PROMETHEUS_DATASOURCE.uid,
  });
  await waitFor(async () => (await page.getByTestId('data-testid agent-url-2').inputValue()) === agents[2]!.agent.url, {
    what: 'the reloaded page to show the saved URLs',
  });
  await page.getByRole('button', { name: 'Test all connections' }).click();
  for (const [index, { node }] of agents.entries()) {
    await waitForText(`data-testid agent-test-result-${index}`, new RegExp(`Cluster ${lab.state.scope}, member ${node}, Patroni \\d.*token accepted`));
  }
  await page.screenshot({ path: join(SCREENSHOTS, 'configuration.png'), fullPage: true });
});

test('sessions: a session started with the form, its row running with iterations done of planned', async () => {
  await page.goto(`${harness.url}${FLEET_PAGE}clusters/${lab.state.scope}/sessions`);
  for (const [label, value] of [
    ['Iterations', SESSION.iterations],
    ['Iteration window (seconds)', SESSION.iterationSeconds],
    ['Warm-up (seconds)', SESSION.warmupSeconds],
  ] as const) {
    await page.getByLabel(label, { exact: true }).fill(String(value));
  }
  // The form is enabled once the agent sees every member healthy (a fresh lab may still be settling);
  // a 409 from an agent that saw it otherwise is shown in place, and the start is tried again.
  const shortId = await waitFor(
    async () => {
      const button = page.getByTestId('data-testid start-session');
      if ((await button.getAttribute('aria-disabled')) === 'true' || (await button.isDisabled())) throw new Error('the start button is disabled');
      await button.click();
      const title = (await page.getByText(/^Session [0-9a-f]{8} started$/).textContent({ timeout: 15_000 })) ?? '';
      return /^Session ([0-9a-f]{8}) started$/.exec(title)![1]!;
    },
    { what: 'the form to start a session', timeoutMs: 120_000, intervalMs: 1000 },
  );
  const leaderAgent = agents.find(({ node }) => node === leader)!.agent;
  const listed = (await (await fetch(`${leaderAgent.url}/api/v1/sessions`)).json()) as { sessions: SessionRecord[] };
  const session = listed.sessions.find((s) => s.id.startsWith(shortId))!;
  const { iterations, iterationSeconds, warmupSeconds, objective } = session.options;
  assert.deepEqual({ iterations, iterationSeconds, warmupSeconds, objective }, { ...SESSION, objective: 'mean_query_time' });
  sessionId = session.id;
  const row = await waitFor(
    async () => {
      const text = (await page.getByRole('row').filter({ has: page.getByTestId(`data-testid session-${sessionId}`) }).textContent({ timeout: 30_000 })) ?? '';
      if (!/running.*mean query time.*[1-9]\d* \/ 40/.test(text)) throw new Error(text);
      return text;
    },
    { what: 'the session row with an iteration done', timeoutMs: 120_000, intervalMs: 500 },
  );
  assert.match(row, new RegExp(`${shortId}`));
  // A second session cannot start beside it, and the form says why.
  await page.getByText(`session ${shortId} is running`).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(SCREENSHOTS, 'sessions.png'), fullPage: true });
});

test("fleet: the cluster's card with the session's progress, read through the leader's agent", async () => {
  await page.goto(`${harness.url}${FLEET_PAGE}`);
  const leaderSlot = agents.findIndex(({ node }) => node === leader) + 1;
  const card = await waitForText(
    `data-testid cluster-card-${lab.state.scope}`,
    new RegExp(`Leader ${leader}.*3 members, 3 up.*Session ${sessionId.slice(0, 8)} running: iteration [1-9]\\d* of ${SESSION.iterations}`),
  );
  assert.match(card, new RegExp(`Read through agent ${leaderSlot} \\(${leader}\\)`));
  assert.match(card, /All members up/);
  await page.screenshot({ path: join(SCREENSHOTS, 'fleet.png'), fullPage: true });
});

test('cluster: every member with its role, the leader marked, and the agent answering for it', async () => {
  await page.getByRole('link', { name: lab.state.scope }).click();
  await page.waitForURL(`**/a/patronituner-app/clusters/${lab.state.scope}`);
  for (const [index, { node }] of agents.entries()) {
    await waitForText(`data-testid member-${node}`, new RegExp(node));
    const row = (await page.getByRole('row').filter({ has: page.getByTestId(`data-testid member-${node}`) }).textContent()) ?? '';
    assert.match(row, node === leader ? /Leader.*primary/ : /replica/, row);
    assert.match(row, new RegExp(`agent ${index + 1} \\(${agents[index]!.agent.url}\\)`), row);
  }
  // Each host and PostgreSQL panel has series for every member, from the lab's Prometheus through /api/ds/query.
  for (const title of MEMBER_PANELS) {
    await waitFor(
      async () => {
        const series = (await page.getByTestId(`data-testid member-metrics ${title}`).getAttribute('data-series', { timeout: 30_000 })) ?? '';
        const missing = agents.filter(({ node }) => !series.split(',').some((name) => name.split(' ')[0] === node));
        if (missing.length > 0) throw new Error(`${title}: series "${series}", none for ${missing.map((m) => m.node).join(', ')}`);
        return true;
      },
      { what: `the ${title} panel to show a series per member`, timeoutMs: 60_000, intervalMs: 1000 },
    );
  }
  await page.screenshot({ path: join(SCREENSHOTS, 'cluster.png'), fullPage: true });
});

test("the leader's host gone: the cluster is still read through a replica's agent, the halt acknowledged from its banner", async () => {
  const leaderAgent = agents.find(({ node }) => node === leader)!;
  lab.killNode(leader);
  await leaderAgent.agent.kill();
  await page.goto(`${harness.url}${FLEET_PAGE}`);
  const card = await waitForText(`data-testid cluster-card-${lab.state.scope}`, /Read through agent \d \((\w+)\)/);
  const reader = /Read through agent \d \((\w+)\)/.exec(card)![1];
  assert.notEqual(reader, leader);
  const warning = (await page.getByText('1 agent does not answer').locator('..').locator('..').textContent()) ?? '';
  assert.match(warning, new RegExp(`${leaderAgent.agent.url}.*Unreachable`), warning);
  await waitForText(`data-testid cluster-card-${lab.state.scope}`, new RegExp(`Session ${sessionId.slice(0, 8)} halted`), 60_000);
  // The protocol restores the baseline through the new leader, then waits for a person.
  await waitForText(
    `data-testid cluster-card-${lab.state.scope}`,
    new RegExp(`Session ${sessionId.slice(0, 8)} halted: awaiting acknowledgement`),
    150_000,
  );
  // Patroni elects a new leader among the replicas; the card follows through the same agents.
  await waitForText(`data-testid cluster-card-${lab.state.scope}`, new RegExp(`Leader (?!${leader}\\b)\\w+`), 120_000);
  await waitForText(`data-testid cluster-card-${lab.state.scope}`, new RegExp(`3 members, [0-2] up.* of 3 members up: ${leader} gone`), 90_000);
  await page.screenshot({ path: join(SCREENSHOTS, 'fleet-leader-gone.png'), fullPage: true });
  // Acknowledged from the card, through an agent that still answers, in the signed-in user's name.
  const banner = page.getByTestId(`data-testid halt-${sessionId}`);
  await banner.getByRole('button', { name: 'Acknowledge' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Acknowledge' }).click();
  await banner.waitFor({ state: 'detached', timeout: 60_000 });
  const survivor = agents.find(({ node }) => node !== leader)!.agent;
  const detail = (await (await fetch(`${survivor.url}/api/v1/sessions/${sessionId}`)).json()) as SessionDetail;
  assert.equal(detail.session.state, 'acknowledged');
  assert.equal(detail.failover?.acknowledgement?.by, 'admin');
  assert.deepEqual(pageErrors, []);
});
