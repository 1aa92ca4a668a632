/**
 * The Grafana app end to end, in real Chromium (Debian's, driven by playwright-core): the built
 * plugin/dist/module.js loaded as Grafana loads it (harness-server.ts), its plugin proxy forwarding to
 * the agents of a real lab under the reference workload. Configure three agents, start a session with
 * the form, see its progress on the sessions page and the fleet's card, the cluster page, the
 * session's page with its chart drawn by Grafana's time-series panel, and stop it from there; start a
 * session in approval mode and approve one change, edit and approve another, reject a third; then take
 * the leader's host away (Patroni, PostgreSQL and its agent killed), see the halt on the session's page
 * with the protocol's countdown, the cluster still read through a replica's agent, the new leader and
 * the halt's banner, and acknowledge the halt from it. Saves the README's screenshots to docs/screenshots/.
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
import type { KnobsView, PendingChangeRecord, SessionDetail, SessionRecord } from '@patroni-tuner/backend/contract';
import { startHarnessServer, type HarnessServer } from './harness-server.js';

const TOKEN = 'e2e-token';
/** Short protocol timings, so a halt reaches the acknowledgement while the test watches. */
const AGENT_ENV = { TUNER_API_TOKEN: TOKEN, TUNER_STABILIZATION: '3s', TUNER_FAILOVER_GRACE: '15s' };
const SESSION = { iterations: 40, iterationSeconds: 3, warmupSeconds: 1 };
/** The approval-mode session: more iterations than the test decides, so it is still active when the leader goes. */
const APPROVAL_SESSION = { iterations: 12, iterationSeconds: 3, warmupSeconds: 1 };
/** What the approval test does with the candidates it is offered, in order. */
const DECISIONS = ['approve', 'edit', 'reject'] as const;
const CANDIDATE_REASONS: ReadonlySet<string> = new Set(['first', 'initial', 'model', 'remeasure']);
const REJECT_REASON = 'e2e: not on this cluster';
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

/** The leader's agent (before the leader is killed), read directly for assertions. */
async function agentJson<T>(path: string, node = leader): Promise<T> {
  const response = await fetch(`${agents.find((a) => a.node === node)!.agent.url}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return (await response.json()) as T;
}

const sessionPage = (id: string) => `${harness.url}${FLEET_PAGE}clusters/${lab.state.scope}/sessions/${id}`;

/**
 * Fills the Start form on the sessions page (already open) and starts the session; `approval` picks
 * "Approve each change". Returns the session as the leader's agent lists it.
 */
async function startSessionWithForm(
  options: { iterations: number; iterationSeconds: number; warmupSeconds: number },
  approval = false,
): Promise<SessionRecord> {
  for (const [label, value] of [
    ['Iterations', options.iterations],
    ['Iteration window (seconds)', options.iterationSeconds],
    ['Warm-up (seconds)', options.warmupSeconds],
  ] as const) {
    await page.getByLabel(label, { exact: true }).fill(String(value));
  }
  if (approval) await page.getByRole('radio', { name: 'Approve each change' }).click();
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
  const listed = await agentJson<{ sessions: SessionRecord[] }>('/api/v1/sessions');
  return listed.sessions.find((s) => s.id.startsWith(shortId))!;
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
  const session = await startSessionWithForm(SESSION);
  const shortId = session.id.slice(0, 8);
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

test("session: the progress, the score per iteration drawn by Grafana's time-series panel, the iterations and the patronictl command", async () => {
  await page.goto(sessionPage(sessionId));
  // The screenshot shows a few iterations: wait until three are done.
  // The phase (which iteration is applying or measuring) and iteration i of n.
  await waitForText(
    'data-testid session-progress',
    new RegExp(`^runningiteration \\d+ (applying|measuring)Iteration ([3-9]|[1-9]\\d) of ${SESSION.iterations}`),
    120_000,
  );
  // Grafana's panel: uPlot's canvas drawn at a size, the legend naming the app's series.
  const canvas = page.getByTestId('data-testid session-chart').locator('canvas').first();
  await canvas.waitFor({ state: 'visible', timeout: 30_000 });
  const box = await canvas.boundingBox();
  assert.ok(box !== null && box.width > 100 && box.height > 100, `uPlot's canvas is ${JSON.stringify(box)}`);
  await waitForText('data-testid session-chart', /^Score per iteration \(mean query time, ms; lower is better\)/);
  for (const series of ['Score', 'Baseline', 'Best so far']) {
    await page.getByTestId('data-testid session-chart').getByTestId(`data-testid VizLegend series ${series}`).waitFor({ timeout: 10_000 });
  }
  // The iterations table gains rows as the session measures.
  const rows = page.locator('[data-testid^="data-testid iteration-"]');
  const before = await rows.count();
  assert.ok(before >= 4, `the baseline and three iterations listed, ${before} rows`);
  await waitFor(async () => (await rows.count()) > before || Promise.reject(new Error(`${await rows.count()} rows`)), {
    what: 'a new iteration in the table',
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  // Once an iteration measures better than the baseline, its configuration as a patronictl command.
  await waitForText('data-testid patronictl-command', new RegExp(`^patronictl edit-config ${lab.state.scope} .*-p \\w+=`), 120_000);
  // The page's top: progress, chart and the first iterations (the whole page is a long table).
  await page.mouse.wheel(0, -100_000);
  await page.screenshot({ path: join(SCREENSHOTS, 'session.png') });
});

test('session: Stop, confirmed in a dialog, ends the session as the agent reports it', async () => {
  await page.getByTestId('data-testid stop-session').click();
  const dialog = page.getByRole('dialog');
  assert.match((await dialog.textContent()) ?? '', new RegExp(`Stop session ${sessionId.slice(0, 8)}\\?`));
  await dialog.getByRole('button', { name: 'Stop' }).click();
  const ended = await waitFor(
    async () => {
      const { session } = await agentJson<SessionDetail>(`/api/v1/sessions/${sessionId}`);
      if (session.endedAt === null) throw new Error(`the session is ${session.state}`);
      return session;
    },
    { what: 'the agent to end the session', timeoutMs: 90_000, intervalMs: 1000 },
  );
  assert.ok(['stopped', 'completed'].includes(ended.state), ended.state);
  await waitForText('data-testid session-progress', new RegExp(`^${ended.state}`));
  assert.equal(await page.getByTestId('data-testid stop-session').count(), 0);
});

test('approval mode: one change approved, another edited and approved, a third rejected, each in the signed-in user’s name', async () => {
  await page.goto(`${harness.url}${FLEET_PAGE}clusters/${lab.state.scope}/sessions`);
  const session = await startSessionWithForm(APPROVAL_SESSION, true);
  assert.equal(session.options.approval, 'each');
  sessionId = session.id;
  const workMem = (await agentJson<KnobsView>('/api/v1/knobs')).tunable.find((knob) => knob.name === 'work_mem');
  assert.ok(workMem !== undefined && workMem.vartype === 'integer', 'work_mem is a tunable knob');
  await page.goto(sessionPage(sessionId));
  const decided: Array<{ decision: (typeof DECISIONS)[number] | 'approve-other'; change: PendingChangeRecord; edited?: number }> = [];
  while (decided.filter((d) => d.decision !== 'approve-other').length < DECISIONS.length) {
    const seen = new Set(decided.map((d) => d.change.id));
    const change = await waitFor(
      async () => {
        const { pendingChange } = await agentJson<{ pendingChange: PendingChangeRecord }>(`/api/v1/sessions/${sessionId}/pending`);
        if (seen.has(pendingChange.id)) throw new Error(`change ${pendingChange.id} is decided already`);
        return pendingChange;
      },
      { what: 'a change awaiting review', timeoutMs: 90_000, intervalMs: 500 },
    );
    // The banner, then the review dialog with the change the agent holds.
    const banner = page.getByTestId(`data-testid pending-change-${sessionId}`);
    await waitForText(`data-testid pending-change-${sessionId}`, new RegExp(`a change awaits review.*\\(${change.reason.replace(/_/g, ' ')}\\)`), 30_000);
    await banner.getByRole('button', { name: 'Review' }).click();
    const dialog = page.getByRole('dialog');
    const heading = change.iteration === null ? change.reason.replace(/_/g, ' ') : `Iteration ${change.iteration}`;
    await dialog.getByText(new RegExp(`^${heading} \\(`)).waitFor({ timeout: 10_000 });
    const decision = CANDIDATE_REASONS.has(change.reason) ? DECISIONS[decided.filter((d) => d.decision !== 'approve-other').length]! : 'approve-other';
    if (decided.length === 0) {
      // Baseline, best so far and pending side by side, why it is proposed, the memory guardrail's verdict.
      const header = (await dialog.getByTestId('data-testid review-table').locator('thead').textContent()) ?? '';
      assert.equal(header, 'KnobBaselineBest so farPending');
      assert.match((await dialog.textContent()) ?? '', /Predicted effect: .*Memory guardrail: (ok|refused): /);
      await page.screenshot({ path: join(SCREENSHOTS, 'approval.png') });
    }
    if (decision === 'approve' || decision === 'approve-other') {
      await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
      decided.push({ decision, change });
    } else if (decision === 'edit') {
      // A value the agent accepts that differs from the pending one and the baseline: work_mem low in its range.
      const pending = Number(change.configuration.work_mem);
      const baseline = Number(change.vsBaseline.work_mem?.from ?? pending);
      const edited = [workMem.low, workMem.low + 1024, workMem.low + 2048].find((v) => v !== pending && v !== baseline && v <= workMem.high)!;
      await dialog.getByRole('button', { name: 'Approve with changes' }).click();
      await dialog.getByLabel('pending work_mem').fill(String(edited));
      await dialog.getByRole('button', { name: 'Approve with these changes' }).click();
      decided.push({ decision, change, edited });
    } else {
      await dialog.getByRole('button', { name: 'Reject' }).click();
      await dialog.getByLabel('reject reason').fill(REJECT_REASON);
      await dialog.getByRole('button', { name: 'Confirm rejection' }).click();
      decided.push({ decision, change });
    }
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    if (decision === 'edit') {
      // Once the edited configuration is applied and verified, Patroni's configuration holds what the agent sent for it.
      const { change: editedChange, edited } = decided.at(-1)!;
      const iteration = await waitFor(
        async () => {
          const { iterations } = await agentJson<SessionDetail>(`/api/v1/sessions/${sessionId}`);
          const record = iterations.find((i) => i.number === editedChange.iteration)!;
          if (!['measuring', 'measured'].includes(record.state)) throw new Error(`iteration ${record.number} is ${record.state}`);
          return record;
        },
        { what: 'the edited change to be applied', timeoutMs: 60_000, intervalMs: 500 },
      );
      assert.equal(iteration.candidate.work_mem, edited);
      const config = (await lab.getJson(leader, '/config')) as { postgresql: { parameters: Record<string, unknown> } };
      assert.ok(iteration.parameters.work_mem !== undefined, `work_mem sent: ${JSON.stringify(iteration.parameters)}`);
      assert.equal(config.postgresql.parameters.work_mem, iteration.parameters.work_mem);
    }
  }
  // Every decision recorded with who made it, the edit with its value, the rejection with its reason.
  const detail = await agentJson<SessionDetail>(`/api/v1/sessions/${sessionId}`);
  for (const { decision, change, edited } of decided) {
    const record = detail.pendingChanges.find((c) => c.id === change.id)!;
    assert.equal(record.decidedBy, 'admin');
    assert.equal(record.status, decision === 'reject' ? 'rejected' : 'approved');
    assert.deepEqual(record.changes, decision === 'edit' ? { work_mem: edited } : null);
    const event = detail.events.find((e) => e.detail.pendingChange === change.id && /^approval_(approved|rejected)$/.test(e.type))!;
    assert.equal(event.type, decision === 'reject' ? 'approval_rejected' : 'approval_approved');
    assert.equal(event.detail.by, 'admin');
    if (decision === 'reject') {
      assert.equal(record.decisionReason, REJECT_REASON);
      // Never applied: its iteration ends rejected, nothing was sent to Patroni for it.
      const iteration = detail.iterations.find((i) => i.number === change.iteration)!;
      assert.equal(iteration.state, 'rejected');
      assert.deepEqual(iteration.parameters, {});
      assert.equal(detail.patches.filter((p) => p.iteration === change.iteration).length, 0);
    }
  }
  assert.ok(['running', 'pending', 'preparing'].includes(detail.session.state), `the session goes on: ${detail.session.state}`);
});

test("the leader's host gone: the session's page shows the halt, the old and the new leader, and the protocol's phase counting down", async () => {
  const leaderAgent = agents.find(({ node }) => node === leader)!;
  lab.killNode(leader);
  await leaderAgent.agent.kill();
  await page.goto(sessionPage(sessionId));
  await waitForText(
    'data-testid session-halt',
    new RegExp(`Old leader: ${leader}.*New leader: (?!${leader}\\b|not elected)\\w+.*Detection latency: .*Protocol phase: `),
    150_000,
  );
  // The countdown to the end of the grace period (15 s here) is live: it changes between two reads.
  const banner = `data-testid halt-${sessionId}`;
  const first = await waitForText(banner, /halted.*failover protocol phase grace, ends in \d+s/, 150_000);
  const second = await waitFor(
    async () => {
      const current = await text(banner);
      if (!/ends in \d+s/.test(current) || current === first) throw new Error(current);
      return current;
    },
    { what: 'the countdown to move', timeoutMs: 10_000, intervalMs: 200 },
  );
  assert.notEqual(/ends in (\d+)s/.exec(second)![1], /ends in (\d+)s/.exec(first)![1]);
  await page.screenshot({ path: join(SCREENSHOTS, 'halt.png') });
});

test("the leader's host gone: the cluster is still read through a replica's agent, the halt acknowledged from its banner", async () => {
  const leaderAgent = agents.find(({ node }) => node === leader)!;
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
