/**
 * Tuning sessions on a real lab under the reference workload: the agent beside the leader runs
 * them, applies every configuration through Patroni and verifies it on all three members; the
 * agent beside a replica forwards requests as commands and reads the replicated history, from
 * another member's copy when its own PostgreSQL is down.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { agentEnvFor, getJson, postJson, startAgent, type AgentProcess } from '../../../test/lab/agent-process.js';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { stopPid } from '../../../test/lab/processes.js';
import { waitFor } from '../../../test/lab/wait.js';
import { prepareWorkload } from '../../../test/workload/prepare.js';
import { runWorkload } from '../../../test/workload/run.js';
import type { CommandRecord, KnobsView, SessionDetail, SessionRecord } from '../../src/contract/index.js';
import { buildKnobCatalogue, settingMatches, validateParameters } from '../../src/tuning/knobs/index.js';

const TOKEN = 'integration-token';
let lab: Lab;
let leader: string;
let replica: string;
let leaderAgent: AgentProcess;
let replicaAgent: AgentProcess;
const workloadStop = new AbortController();
let workload: Promise<unknown>;

before(async () => {
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
  leader = await lab.waitHealthy();
  replica = lab.state.nodes.find((n) => n.name !== leader)!.name;
  const env = { TUNER_API_TOKEN: TOKEN, TUNER_VERIFY_TIMEOUT: '30s' };
  // The leader's storage class is stated, so the catalogue this file checks against is the session's;
  // the replica's agent infers it.
  leaderAgent = await startAgent(agentEnvFor(lab, leader, { ...env, TUNER_STORAGE: 'hdd' }));
  replicaAgent = await startAgent(agentEnvFor(lab, replica, env));
  await prepareWorkload(lab.databaseUrl(leader), { scale: 1 });
  // A local override the session must remove: it would beat the DCS.
  await lab.sql(leader, "ALTER SYSTEM SET work_mem = '3MB'");
  await lab.sql(leader, 'SELECT pg_reload_conf()');
  workload = runWorkload(lab.databaseUrl(leader), { clients: 3, durationMs: 15 * 60_000, signal: workloadStop.signal });
});

after(async () => {
  workloadStop.abort();
  await workload?.catch(() => undefined);
  await leaderAgent?.stop();
  await replicaAgent?.stop();
  await lab?.stop();
});

const post = (agent: AgentProcess, path: string, body: unknown, token: string | null = TOKEN) => postJson(`${agent.url}${path}`, body, token);

const knobsHost = async (agent: AgentProcess) => (await getJson<Pick<KnobsView, 'host'>>(`${agent.url}/api/v1/knobs`)).body;

test('the knobs API says which storage class the catalogue assumes and why: stated, or inferred', async () => {
  const stated = (await knobsHost(leaderAgent)).host;
  assert.equal(stated.storage, 'hdd');
  assert.deepEqual(stated.storageInference, { kind: 'hdd', source: 'setting', reason: 'TUNER_STORAGE=hdd' });
  const inferred = (await knobsHost(replicaAgent)).host;
  assert.equal(inferred.storage, inferred.storageInference.kind);
  assert.ok(['read_latency', 'cache_hit_ratio', 'device'].includes(inferred.storageInference.source), inferred.storageInference.source);
  assert.match(inferred.storageInference.reason, /\S/);
});

const detailOf = async (agent: AgentProcess, id: string) => (await getJson<SessionDetail>(`${agent.url}/api/v1/sessions/${id}`)).body;

async function waitForEnd(id: string): Promise<SessionDetail> {
  return waitFor(
    async () => {
      const detail = await detailOf(leaderAgent, id);
      return ['completed', 'stopped', 'failed', 'aborted', 'halted'].includes(detail.session.state) ? detail : false;
    },
    { what: `session ${id} to end`, timeoutMs: 240_000, intervalMs: 1_000 },
  );
}

test('bad requests change nothing: 401 without the token, 400 naming the field', async () => {
  assert.equal((await post(leaderAgent, '/api/v1/sessions', {}, null)).status, 401);
  assert.equal((await post(leaderAgent, '/api/v1/sessions', {}, 'wrong')).status, 401);
  const cases: Array<[unknown, RegExp]> = [
    [{ iterations: 0 }, /body\/iterations must be >= 1/],
    [{ iterations: '3' }, /body\/iterations must be integer/],
    [{ colour: 'blue' }, /body\/colour is not allowed/],
    [{ knobs: ['shared_buffers'] }, /shared_buffers is excluded from tuning \(restart_required/],
    [{ knobs: ['max_connections'] }, /max_connections is excluded from tuning \(patroni_managed/],
    [{ knobs: ['fsync'] }, /fsync is excluded from tuning \(durability/],
    [{ knobs: ['no_such_setting'] }, /unknown parameter no_such_setting/],
    [{ objective: 'fastest' }, /body\/objective must be equal to one of the allowed values/],
  ];
  for (const [body, message] of cases) {
    const response = await post(leaderAgent, '/api/v1/sessions', body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(response.body.error.code, 'invalid_request');
    assert.match(response.body.error.message, message);
  }
  assert.deepEqual((await getJson<{ sessions: unknown[] }>(`${leaderAgent.url}/api/v1/sessions`)).body.sessions, []);
});

test('a short session completes: verified everywhere, only tunable parameters sent, overrides removed', async () => {
  const started = await post(leaderAgent, '/api/v1/sessions', { iterations: 3, iterationSeconds: 3, warmupSeconds: 1 });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const session = started.body.session as SessionRecord;
  assert.equal(session.executor, leader);

  // One session per cluster, whichever agent is asked.
  const second = await post(leaderAgent, '/api/v1/sessions', { iterations: 3 });
  assert.equal(second.status, 409);
  assert.equal(second.body.error.code, 'session_active');
  assert.equal(second.body.error.sessionId, session.id);
  const viaReplica = await post(replicaAgent, '/api/v1/sessions', { iterations: 3 });
  assert.equal(viaReplica.status, 202, JSON.stringify(viaReplica.body));
  assert.equal(viaReplica.body.leader, leader);
  const command = await waitFor(async () => {
    const c = (await getJson<{ command: CommandRecord }>(`${leaderAgent.url}/api/v1/commands/${viaReplica.body.command.id}`)).body.command;
    return c.status !== 'pending' ? c : false;
  }, { what: 'the leader to execute the forwarded start' });
  assert.equal(command.status, 'rejected');
  assert.equal((command.result as { error: { code: string } }).error.code, 'session_active');

  const detail = await waitForEnd(session.id);
  assert.equal(detail.session.state, 'completed', detail.session.reason ?? '');
  assert.ok(detail.session.result !== null);
  assert.deepEqual(detail.iterations.map((i) => i.number), [0, 1, 2, 3]);

  // Every applied configuration was seen in pg_settings on all three members.
  for (const iteration of detail.iterations.filter((i) => i.number > 0 && (i.state === 'measured' || i.state === 'reverted'))) {
    assert.deepEqual(iteration.verification.map((v) => [v.member, v.verified]).sort(), lab.state.nodes.map((n) => [n.name, true]));
  }

  // No restart-only or excluded parameter was ever sent; every value is valid for this server.
  const allSettings = await lab.settings(leader);
  // The agent's catalogue: the host facts it reports.
  const catalogue = buildKnobCatalogue(allSettings, (await knobsHost(leaderAgent)).host);
  const tunable = new Set<string>(catalogue.tunable.map((k) => k.name));
  assert.ok(detail.patches.length > 0);
  for (const patch of detail.patches) {
    assert.equal(patch.outcome, 'ok');
    const parameters = (patch.body as { postgresql: { parameters: Record<string, string | null> } }).postgresql.parameters;
    for (const [name, value] of Object.entries(parameters)) {
      assert.ok(tunable.has(name), `${name} is tunable`);
      const context = allSettings.find((s) => s.name === name)!.context;
      assert.ok(['user', 'superuser', 'sighup'].includes(context), `${name} has context ${context}`);
      if (value !== null) assert.match(value, /^[-0-9a-zA-Z.]+$/);
    }
  }
  for (const iteration of detail.iterations.filter((i) => i.number > 0 && i.state !== 'rejected')) {
    const validation = validateParameters(iteration.candidate, catalogue, { allowOutsideSearchRange: false });
    assert.ok(validation.ok, JSON.stringify(validation));
  }

  // The auto.conf override of work_mem was recorded and removed.
  assert.deepEqual(
    detail.autoconfRemovals.map((r) => [r.member, r.name, r.setting]),
    [[leader, 'work_mem', '3MB']],
  );
  const autoconf = await lab.sql(leader, "SELECT name FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'");
  assert.deepEqual(autoconf.rows, []);
  // The baseline was read once the reset was in force: not the 3MB override.
  assert.notEqual(detail.baseline!.effective.work_mem, 3072);
  // Every member's memory was read through its PostgreSQL (the lab's agent connects as a superuser).
  assert.ok(!detail.events.some((e) => e.type === 'member_memory_unknown'), JSON.stringify(detail.events.filter((e) => e.type === 'member_memory_unknown')));

  // The final configuration is in force on every member.
  const result = detail.session.result!;
  const expected =
    result.final === 'best'
      ? detail.iterations.find((i) => i.number === result.bestIteration)!.candidate
      : detail.baseline!.effective;
  for (const node of lab.state.nodes) {
    const settings = await lab.settings(node.name);
    for (const [name, value] of Object.entries(expected)) {
      const setting = settings.find((s) => s.name === name)!;
      assert.ok(settingMatches(value, setting), `${node.name}: ${name} is ${String(setting.setting)}, expected ${String(value)}`);
    }
  }

  // The history is readable through the replica's agent (the state database streams to it).
  const seen = await waitFor(async () => {
    const d = await detailOf(replicaAgent, session.id).catch(() => null);
    return d?.session.state === 'completed' ? d : false;
  }, { what: "the replica's agent to read the completed session" });
  assert.equal(seen.iterations.length, detail.iterations.length);
  assert.equal(seen.patches.length, detail.patches.length);
});

test("a start sent to a replica's agent is run by the leader's agent, and a stop ends on a verified configuration", async () => {
  const forwarded = await post(replicaAgent, '/api/v1/sessions', { iterations: 20, iterationSeconds: 3, warmupSeconds: 1 });
  assert.equal(forwarded.status, 202);
  const command = await waitFor(async () => {
    const c = (await getJson<{ command: CommandRecord }>(`${leaderAgent.url}/api/v1/commands/${forwarded.body.command.id}`)).body.command;
    return c.status !== 'pending' ? c : false;
  }, { what: 'the leader to execute the forwarded start' });
  assert.equal(command.status, 'done', JSON.stringify(command.result));
  assert.equal(command.handledBy, leader);
  const sessionId = (command.result as { sessionId: string }).sessionId;

  await waitFor(async () => (await detailOf(leaderAgent, sessionId)).iterations.some((i) => i.number >= 1 && i.state === 'measuring'), {
    what: 'the forwarded session to measure its first candidate',
    timeoutMs: 120_000,
  });
  const stop = await post(leaderAgent, `/api/v1/sessions/${sessionId}/stop`, {});
  assert.equal(stop.status, 202, JSON.stringify(stop.body));
  const detail = await waitForEnd(sessionId);
  assert.equal(detail.session.state, 'stopped', detail.session.reason ?? '');
  assert.ok(detail.iterations.length < 21, 'the stop cut the session short');
  assert.ok(detail.events.some((e) => e.type === 'final_configuration_applied'));
  assert.equal((await post(leaderAgent, `/api/v1/sessions/${sessionId}/stop`, {})).status, 409);
  const client = new pg.Client({ connectionString: lab.databaseUrl(replica) });
  await client.connect();
  try {
    const pending = await client.query("SELECT count(*)::int AS n FROM pg_settings WHERE pending_restart");
    assert.equal(pending.rows[0].n, 0);
  } finally {
    await client.end();
  }
});

test("a replica's agent whose PostgreSQL is down reads the sessions from another member's copy", async () => {
  const expected = (await getJson<{ sessions: SessionRecord[] }>(`${leaderAgent.url}/api/v1/sessions`)).body.sessions.map((s) => s.id);
  assert.ok(expected.length > 0, 'the tests above ran sessions');
  // Paused, Patroni leaves a stopped PostgreSQL stopped (and /cluster still answers).
  const setPause = async (pause: boolean) => {
    const response = await fetch(`${lab.restUrl(leader)}/config`, {
      method: 'PATCH',
      headers: { authorization: lab.restAuthHeader, 'content-type': 'application/json' },
      body: JSON.stringify({ pause }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(response.status, 200, await response.text());
  };
  await setPause(true);
  try {
    await waitFor(async () => (await lab.cluster()).pause === true, { what: 'the cluster to be paused' });
    const postmaster = lab.postmasterPid(lab.state.nodes.find((n) => n.name === replica)!);
    assert.ok(postmaster !== null, `${replica}'s PostgreSQL runs`);
    await stopPid(postmaster, 'SIGINT', 30_000);
    await waitFor(async () => (await getJson<{ postgres: { ok: boolean } }>(`${replicaAgent.url}/healthz`)).body.postgres.ok === false, {
      what: `${replica}'s agent to see its PostgreSQL down`,
    });
    const { status, body } = await getJson<{ sessions: SessionRecord[] }>(`${replicaAgent.url}/api/v1/sessions`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.sessions.map((s) => s.id), expected);
    const detail = await getJson<SessionDetail>(`${replicaAgent.url}/api/v1/sessions/${expected[0]}`);
    assert.equal(detail.status, 200, JSON.stringify(detail.body));
    assert.equal(detail.body.session.id, expected[0]);
  } finally {
    await setPause(false);
    // Resumed, Patroni starts the replica's PostgreSQL again.
    await lab.waitHealthy(180_000);
  }
});

test('pausing the cluster mid-session halts it; nothing is sent after the pause', async () => {
  // The test before restarts a replica: the leader's agent may see it starting a little after the lab looks healthy.
  const started = await waitFor(
    async () => {
      const response = await post(leaderAgent, '/api/v1/sessions', { iterations: 20, iterationSeconds: 3, warmupSeconds: 1 });
      const code = (response.body as { error?: { code?: string } }).error?.code;
      return response.status === 409 && code === 'cluster_unhealthy' ? false : response;
    },
    { what: "the leader's agent to accept a start (cluster healthy as it sees it)", timeoutMs: 120_000 },
  );
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const sessionId = (started.body.session as SessionRecord).id;
  await waitFor(async () => (await detailOf(leaderAgent, sessionId)).iterations.some((i) => i.number >= 1), {
    what: 'the session to propose its first candidate',
    timeoutMs: 120_000,
  });
  // Patroni's PATCH /config is a compare-and-set on the DCS: one racing the session's own PATCH
  // answers 409 Conflict and changes nothing, so it is sent again, as patronictl's user would.
  const paused = await waitFor(
    async () => {
      const response = await fetch(`${lab.restUrl(leader)}/config`, {
        method: 'PATCH',
        headers: { authorization: lab.restAuthHeader, 'content-type': 'application/json' },
        body: JSON.stringify({ pause: true }),
        signal: AbortSignal.timeout(10_000),
      });
      return response.status === 409 ? false : response;
    },
    { what: 'Patroni to take the pause without a conflicting write', timeoutMs: 30_000, intervalMs: 100 },
  );
  assert.equal(paused.status, 200, await paused.text());
  const pausedAt = Date.now();
  const detail = await waitForEnd(sessionId);
  assert.equal(detail.session.state, 'halted', detail.session.reason ?? '');
  assert.match(detail.session.reason ?? '', /paus/);
  const sentAfter = detail.patches.filter((p) => p.outcome === 'ok' && new Date(p.sentAt).getTime() > pausedAt);
  assert.deepEqual(sentAfter, [], 'PATCHes sent after the pause');
});
