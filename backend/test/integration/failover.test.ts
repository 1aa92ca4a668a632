/**
 * The failover protocol on a real lab, with short protocol timings: a leader killed with SIGKILL
 * mid-iteration, a switchover mid-session, the executing agent killed mid-iteration, the
 * acknowledgement flow, a replica's agent refusing to execute, and drift reporting (and opt-in removal). One agent runs
 * beside every member, as in production; the workload follows whichever member leads.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentEnvFor, getJson, postJson, startAgent, type AgentProcess } from '../../../test/lab/agent-process.js';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { sampleValue } from '../../../test/lab/prom-text.js';
import { waitFor } from '../../../test/lab/wait.js';
import { prepareWorkload } from '../../../test/workload/prepare.js';
import { runWorkload } from '../../../test/workload/run.js';
import type { BaselineRecord, DriftReport, SessionDetail, SessionRecord } from '../../src/contract/index.js';
import { settingMatches } from '../../src/tuning/knobs/index.js';

const TOKEN = 'failover-token';
/** Short protocol timings: stabilisation and grace long enough to act inside, short enough to wait out. */
const AGENT_ENV = {
  TUNER_API_TOKEN: TOKEN,
  TUNER_STABILIZATION: '3s',
  TUNER_FAILOVER_GRACE: '6s',
  TUNER_DRIFT_INTERVAL: '2s',
  TUNER_VERIFY_TIMEOUT: '20s',
};
const SESSION = { iterations: 40, iterationSeconds: 3, warmupSeconds: 1 };

let lab: Lab;
const agents = new Map<string, AgentProcess>();
let leader: string;
const workloadStop = new AbortController();
let workload: Promise<unknown>;

before(async () => {
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
  leader = await lab.waitHealthy();
  for (const node of lab.state.nodes) agents.set(node.name, await startAgent(agentEnvFor(lab, node.name, AGENT_ENV)));
  await prepareWorkload(lab.databaseUrl(leader), { scale: 1 });
  // The workload reconnects to whichever member leads now.
  workload = runWorkload(async () => lab.databaseUrl((await lab.leaderName()) ?? leader), {
    clients: 2,
    durationMs: 30 * 60_000,
    signal: workloadStop.signal,
  });
});

after(async () => {
  workloadStop.abort();
  await workload?.catch(() => undefined);
  for (const agent of agents.values()) await agent.stop();
  await lab?.stop();
});

const agentOf = (node: string) => agents.get(node)!;
const others = (node: string) => lab.state.nodes.map((n) => n.name).filter((name) => name !== node);

const post = (agent: AgentProcess, path: string, body: unknown) => postJson(`${agent.url}${path}`, body, TOKEN);

const detailOf = async (agent: AgentProcess, id: string) => (await getJson<SessionDetail>(`${agent.url}/api/v1/sessions/${id}`)).body;

/**
 * Asks the leader's agent to start a session once it sees the cluster healthy: a killed leader that
 * rejoins may still be rewound by Patroni (stopped, pg_rewind, started) after the lab first looks healthy.
 */
async function requestSession(): Promise<{ status: number; body: Record<string, any> }> {
  return waitFor(
    async () => {
      const response = await post(agentOf(leader), '/api/v1/sessions', SESSION);
      if (response.body.error?.code === 'cluster_unhealthy') throw new Error(response.body.error.message);
      return response;
    },
    { what: "the leader's agent to see every member healthy", timeoutMs: 120_000, intervalMs: 500 },
  );
}

/** Starts a session on the leader's agent and waits until a candidate (not the baseline) is being measured. */
async function startAndApplyACandidate(): Promise<SessionRecord> {
  const started = await requestSession();
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
  return session;
}

/** Waits on `node`'s agent until the protocol has restored the baseline. */
async function awaitingAcknowledgement(node: string, id: string): Promise<SessionDetail> {
  return waitFor(
    async () => {
      const detail = await detailOf(agentOf(node), id);
      return detail.failover?.phase === 'awaiting_acknowledgement' ? detail : false;
    },
    { what: `session ${id} to reach awaiting_acknowledgement on ${node}`, timeoutMs: 150_000, intervalMs: 500 },
  );
}

/** Every tuned knob on `node` shows the baseline's effective value, and auto.conf sets none of them. */
async function assertHoldsBaseline(node: string, baseline: BaselineRecord): Promise<void> {
  const settings = new Map((await lab.settings(node)).map((s) => [s.name, s]));
  for (const [name, value] of Object.entries(baseline.effective)) {
    const setting = settings.get(name);
    assert.ok(setting && settingMatches(value, setting), `${node}: ${name} is ${setting?.setting}, the baseline is ${String(value)}`);
  }
  const overrides = await lab.sql(node, "SELECT name FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'");
  const leftovers = overrides.rows.map((r) => r.name as string).filter((name) => name in baseline.effective);
  assert.deepEqual(leftovers, [], `${node}: postgresql.auto.conf overrides left behind`);
}

/** The DCS holds the baseline's value of every tuned knob (and none where the baseline had none). */
async function assertDcsHoldsBaseline(node: string, baseline: BaselineRecord): Promise<void> {
  const config = (await lab.getJson(node, '/config')) as { postgresql?: { parameters?: Record<string, unknown> } };
  const parameters = config.postgresql?.parameters ?? {};
  for (const name of Object.keys(baseline.effective)) {
    assert.equal(String(parameters[name]), String(baseline.dcsParameters[name]), `DCS ${name}`);
  }
}

/** Starts `executor`'s agent again and waits until it has put the baseline back and aborted the session. */
async function restartAndAwaitAbort(executor: string, sessionId: string): Promise<SessionDetail> {
  agents.set(executor, await startAgent(agentEnvFor(lab, executor, AGENT_ENV)));
  const detail = await waitFor(
    async () => {
      const d = await detailOf(agentOf(executor), sessionId);
      return d.session.state === 'aborted' ? d : false;
    },
    { what: 'the restarted agent to abort its session', timeoutMs: 90_000, intervalMs: 500 },
  );
  assert.match(detail.session.reason ?? '', /restarted mid-session; the baseline was restored/);
  return detail;
}

async function waitForMembersHealthy(): Promise<string> {
  leader = await lab.waitHealthy(180_000);
  return leader;
}

test("(e) a replica's agent never executes: it forwards to the leader's agent and names it", async () => {
  const replica = others(leader)[0]!;
  const forwarded = await post(agentOf(replica), '/api/v1/sessions/00000000-0000-4000-8000-000000000000/acknowledge', {});
  assert.equal(forwarded.status, 202, JSON.stringify(forwarded.body));
  assert.equal(forwarded.body.leader, leader);
  const command = await waitFor(
    async () => {
      const { body } = await getJson<{ command: { status: string; handledBy: string | null; result: any } }>(
        `${agentOf(leader).url}/api/v1/commands/${forwarded.body.command.id}`,
      );
      return body.command.status !== 'pending' ? body.command : false;
    },
    { what: 'the leader to handle the forwarded acknowledgement' },
  );
  assert.equal(command.handledBy, leader);
  assert.equal(command.status, 'rejected');
  assert.equal(command.result.error.code, 'session_not_found');
});

test('(a) SIGKILL of the leader mid-iteration: halted, new leader, baseline restored after stabilisation and grace, the old leader rejoins on it', async () => {
  const session = await startAndApplyACandidate();
  const oldLeader = leader;
  const killedAt = Date.now();
  lab.killNode(oldLeader);

  const newLeader = await waitFor(
    async () => {
      const name = await lab.leaderName().catch(() => null);
      return name !== null && name !== oldLeader ? name : false;
    },
    { what: 'a new leader after the kill', timeoutMs: 120_000 },
  );
  leader = newLeader;
  const detail = await awaitingAcknowledgement(newLeader, session.id);
  assert.equal(detail.session.state, 'halted');
  const failover = detail.failover!;
  assert.ok(Date.parse(failover.halt.at) >= killedAt, 'halted after the kill');
  assert.equal(failover.restore.restoredBy, newLeader);
  assert.deepEqual(failover.restore.unverified, [oldLeader]);
  // Stabilisation may restart while the new leader settles (e.g. its timeline shows up a loop late).
  const changes = detail.events.filter((e) => e.type === 'failover_phase_changed').map((e) => `${e.detail.to}:${e.detail.cause}`);
  assert.match(
    changes.join(' '),
    /^halted:halted recovering:protocol_started (stabilising:leader_healthy recovering:\w+ )*stabilising:leader_healthy grace:stabilised restoring:grace_ended awaiting_acknowledgement:restored$/,
  );
  // Nothing was applied after the halt: every PATCH of the session after it is the restore's.
  const afterHalt = detail.patches.filter((p) => Date.parse(p.sentAt) > Date.parse(failover.halt.at));
  assert.ok(afterHalt.length >= 1 && afterHalt.every((p) => p.iteration === null), JSON.stringify(afterHalt));

  const baseline = detail.baseline!;
  await assertDcsHoldsBaseline(newLeader, baseline);
  for (const member of others(oldLeader)) await assertHoldsBaseline(member, baseline);

  // The old leader rejoins: it holds the baseline too, and the leader's agent verifies it within a minute.
  await lab.startPatroni(oldLeader);
  await waitForMembersHealthy();
  await waitFor(
    async () => (await detailOf(agentOf(leader), session.id)).failover?.restore.unverified.length === 0,
    { what: `${oldLeader} to be verified after it rejoined`, timeoutMs: 60_000, intervalMs: 500 },
  );
  await assertHoldsBaseline(oldLeader, baseline);
  const events = (await detailOf(agentOf(leader), session.id)).events.map((e) => e.type);
  assert.ok(events.includes('failover_members_verified'));
  const metrics = await (await fetch(`${agentOf(leader).url}/metrics`)).text();
  assert.equal(sampleValue(metrics, 'pgtuner_failover_halted_sessions', {}), 1);
});

test('(d) acknowledgement: a new session is refused naming the halted one, until a person acknowledges', async () => {
  const [halted] = (await getJson<{ sessions: SessionRecord[] }>(`${agentOf(leader).url}/api/v1/sessions`)).body.sessions;
  assert.equal(halted?.state, 'halted');
  const refused = await requestSession();
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'session_halted');
  assert.equal(refused.body.error.sessionId, halted.id);
  assert.match(refused.body.error.message, new RegExp(`POST /api/v1/sessions/${halted.id}/acknowledge`));

  const blank = await post(agentOf(leader), `/api/v1/sessions/${halted.id}/acknowledge`, { by: '  ' });
  assert.equal(blank.status, 400);
  const acknowledged = await post(agentOf(leader), `/api/v1/sessions/${halted.id}/acknowledge`, { by: 'dba@example.com' });
  assert.equal(acknowledged.status, 200, JSON.stringify(acknowledged.body));
  assert.equal(acknowledged.body.session.state, 'acknowledged');
  assert.equal(acknowledged.body.failover.acknowledgement.by, 'dba@example.com');
  const again = await post(agentOf(leader), `/api/v1/sessions/${halted.id}/acknowledge`, { by: 'dba@example.com' });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'session_not_halted');
  await waitFor(
    async () => sampleValue(await (await fetch(`${agentOf(leader).url}/metrics`)).text(), 'pgtuner_failover_halted_sessions', {}) === 0,
    { what: 'the halted-sessions gauge to drop to 0' },
  );
});

test('(b) a switchover mid-session: halted, acknowledgement refused before the baseline is back, then the same protocol on every member', async () => {
  const session = await startAndApplyACandidate();
  const oldLeader = leader;
  const candidate = others(oldLeader)[0]!;
  await lab.switchover(oldLeader, candidate);
  leader = candidate;

  const halted = await waitFor(
    async () => {
      const detail = await detailOf(agentOf(candidate), session.id);
      return detail.failover !== null ? detail : false;
    },
    { what: 'the new leader to halt the session', timeoutMs: 60_000, intervalMs: 200 },
  );
  assert.notEqual(halted.failover!.phase, 'awaiting_acknowledgement', 'the grace period has not passed yet');
  const early = await post(agentOf(candidate), `/api/v1/sessions/${session.id}/acknowledge`, { by: 'dba' });
  assert.equal(early.status, 409);
  assert.equal(early.body.error.code, 'not_awaiting_acknowledgement');
  assert.notEqual(early.body.error.phase, 'awaiting_acknowledgement');

  const detail = await awaitingAcknowledgement(candidate, session.id);
  assert.deepEqual(detail.failover!.restore.unverified, []);
  await waitForMembersHealthy();
  for (const node of lab.state.nodes) await assertHoldsBaseline(node.name, detail.baseline!);
  await assertDcsHoldsBaseline(candidate, detail.baseline!);
  // The old leader's agent stopped at once: it applied nothing after the switchover.
  const afterHalt = detail.patches.filter((p) => Date.parse(p.sentAt) > Date.parse(detail.failover!.halt.at));
  assert.ok(afterHalt.every((p) => p.iteration === null), JSON.stringify(afterHalt));

  const acknowledged = await post(agentOf(candidate), `/api/v1/sessions/${session.id}/acknowledge`, { by: 'dba' });
  assert.equal(acknowledged.status, 200);
});

test('(c) SIGKILL of the executing agent mid-iteration: on restart it restores the baseline and aborts the session', async () => {
  const session = await startAndApplyACandidate();
  const executor = leader;
  await agentOf(executor).kill();
  const detail = await restartAndAwaitAbort(executor, session.id);
  const types = detail.events.map((e) => e.type);
  assert.ok(types.indexOf('executor_lost') < types.indexOf('session_aborted'), types.join(', '));
  for (const node of lab.state.nodes) await assertHoldsBaseline(node.name, detail.baseline!);
  await assertDcsHoldsBaseline(executor, detail.baseline!);
});

test('(c) a graceful stop of the executing agent mid-session leaves the session to its restart, which restores and aborts it', async () => {
  const session = await startAndApplyACandidate();
  const executor = leader;
  await agentOf(executor).stop();
  // Stopped, it ended nothing: the session is still the agent's to finish after the restart.
  assert.equal((await detailOf(agentOf(others(executor)[0]!), session.id)).session.state, 'running');
  const detail = await restartAndAwaitAbort(executor, session.id);
  for (const node of lab.state.nodes) await assertHoldsBaseline(node.name, detail.baseline!);
});

test("(f) drift: a person's overrides are reported, never removed, even one equal to a value the tuner sent; TUNER_DRIFT_REMOVE_OVERRIDES=true removes them", async () => {
  const replica = others(leader)[0]!;
  const { sessions } = (await getJson<{ sessions: SessionRecord[] }>(`${agentOf(leader).url}/api/v1/sessions`)).body;
  const patches = (await Promise.all(sessions.map(async (s) => (await detailOf(agentOf(leader), s.id)).patches))).flat();
  // A work_mem the tuner sent in a PATCH, which is not the value in force now.
  const config = (await lab.getJson(leader, '/config')) as { postgresql?: { parameters?: Record<string, unknown> } };
  const current = String(config.postgresql?.parameters?.work_mem ?? '');
  const tunerValue = patches
    .map((p) => (p.body as { postgresql?: { parameters?: Record<string, unknown> } }).postgresql?.parameters?.work_mem)
    .find((value): value is string => typeof value === 'string' && value !== current);
  assert.ok(tunerValue, 'the sessions above sent a work_mem');
  const correctionsBefore = sampleValue(await (await fetch(`${agentOf(replica).url}/metrics`)).text(), 'pgtuner_drift_corrections_total', { member: replica }) ?? 0;
  await lab.sql(replica, `ALTER SYSTEM SET work_mem = '${tunerValue}'`);
  await lab.sql(replica, "ALTER SYSTEM SET random_page_cost = '3.21'");
  await lab.sql(replica, 'SELECT pg_reload_conf()');

  const autoconf = async () =>
    (await lab.sql(replica, "SELECT name FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'")).rows.map((r) => r.name as string).sort();
  const driftOf = async () => (await getJson<{ drift: DriftReport }>(`${agentOf(replica).url}/api/v1/drift`)).body.drift;
  const confirmed = await waitFor(
    async () => {
      const drift = await driftOf();
      return ['random_page_cost', 'work_mem'].every((name) => drift.drifts.some((d) => d.name === name)) ? drift : false;
    },
    { what: `${replica}'s agent to report both overrides` },
  );
  for (const name of ['random_page_cost', 'work_mem']) {
    const reported = confirmed.drifts.find((d) => d.name === name)!;
    assert.deepEqual([reported.kind, reported.origin], ['autoconf_override', 'other'], name);
  }
  // Two more checks after the one that confirmed them: a correction would have happened by then.
  await waitFor(async () => Date.parse((await driftOf()).at) >= Date.parse(confirmed.at) + 2 * 2_000, { what: `two more drift checks on ${replica}` });
  assert.deepEqual(await autoconf(), ['random_page_cost', 'work_mem'], "a person's overrides are left alone");
  const metrics = await (await fetch(`${agentOf(replica).url}/metrics`)).text();
  assert.equal(sampleValue(metrics, 'pgtuner_member_drifted', { member: replica }), 1);
  assert.equal(sampleValue(metrics, 'pgtuner_drift_parameters', { member: replica, kind: 'autoconf_override', origin: 'other' }), 2);
  assert.equal(sampleValue(metrics, 'pgtuner_drift_corrections_total', { member: replica }), correctionsBefore);

  // Opted in, the DCS is the single source of truth: the replica's agent removes both.
  await agentOf(replica).stop();
  agents.set(replica, await startAgent(agentEnvFor(lab, replica, { ...AGENT_ENV, TUNER_DRIFT_REMOVE_OVERRIDES: 'true' })));
  await waitFor(async () => (await autoconf()).length === 0, { what: `${replica}'s opted-in agent to remove both overrides`, timeoutMs: 30_000 });
  await waitFor(
    async () => {
      const drift = await driftOf();
      return drift.drifts.length === 0 && drift.error === null;
    },
    { what: `${replica}'s drift to clear` },
  );
});
