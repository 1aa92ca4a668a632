/**
 * The real agent beside every member of a real lab (etcd + three Patroni nodes), on the Patroni
 * chosen by LAB_PATRONI (debian = 3.0.2, pypi = 4.x).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentEnvFor, getJson, getText, startAgent, type AgentProcess } from '../../../test/lab/agent-process.js';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { sampleValue } from '../../../test/lab/prom-text.js';
import { waitFor } from '../../../test/lab/wait.js';
import type { ClusterView, HealthView } from '../../src/contract/index.js';

let lab: Lab;
const agents = new Map<string, AgentProcess>();
const extraAgents: AgentProcess[] = [];

before(async () => {
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
  for (const node of lab.state.nodes) agents.set(node.name, await startAgent(agentEnvFor(lab, node.name)));
});

after(async () => {
  for (const agent of [...agents.values(), ...extraAgents]) await agent.stop();
  await lab?.stop();
});

const agent = (name: string) => agents.get(name)!;
const clusterOf = async (name: string) => (await getJson<ClusterView>(`${agent(name).url}/api/v1/cluster`)).body;

test('every agent reports the leader, the replicas and the member it runs beside', async () => {
  const leader = await lab.waitHealthy();
  for (const node of lab.state.nodes) {
    const view = await waitFor(async () => {
      const v = await clusterOf(node.name);
      return v.members.length === 3 && v.members.every((m) => m.health === 'up') ? v : false;
    }, { what: `${node.name}'s agent to see three members up` });
    assert.equal(view.self, node.name);
    assert.equal(view.leader, leader);
    assert.equal(view.scope, lab.state.scope);
    assert.deepEqual(
      view.members.map((m) => [m.name, m.role, m.isLeader]),
      lab.state.nodes.map((n) => [n.name, n.name === leader ? 'primary' : 'replica', n.name === leader]),
    );
    assert.deepEqual(view.postgres, { ok: true, inRecovery: node.name !== leader });
    const health = (await getJson<HealthView>(`${agent(node.name).url}/healthz`)).body;
    assert.equal(health.status, 'ok');
    assert.equal(health.member, node.name);
  }
});

test('metrics cover host, PostgreSQL and the Patroni topology of every member', async () => {
  const leader = await lab.waitHealthy();
  const replica = lab.state.nodes.find((n) => n.name !== leader)!.name;
  const text = await getText(`${agent(replica).url}/metrics`);
  const scope = lab.state.scope;
  assert.equal(sampleValue(text, 'pgtuner_patroni_up'), 1);
  assert.equal(sampleValue(text, 'pgtuner_postgres_up'), 1);
  assert.equal(sampleValue(text, 'pgtuner_host_up'), 1);
  assert.equal(sampleValue(text, 'pgtuner_postgres_in_recovery'), 1);
  assert.equal(sampleValue(text, 'pgtuner_patroni_members', { scope }), 3);
  assert.equal(sampleValue(text, 'pgtuner_patroni_info', { scope, member: replica }), 1);
  for (const node of lab.state.nodes) {
    const role = node.name === leader ? 'primary' : 'replica';
    assert.equal(sampleValue(text, 'pgtuner_patroni_member_role', { member: node.name, role }), 1, `${node.name} is ${role}`);
    assert.equal(sampleValue(text, 'pgtuner_patroni_member_leader', { member: node.name }), Number(node.name === leader));
    assert.equal(sampleValue(text, 'pgtuner_patroni_member_health', { member: node.name, health: 'up' }), 1);
    assert.equal(sampleValue(text, 'pgtuner_patroni_member_timeline', { member: node.name }), 1);
  }
  const memoryTotal = sampleValue(text, 'pgtuner_host_memory_total_bytes');
  assert.ok(memoryTotal !== null && memoryTotal > 0);
  assert.ok((sampleValue(text, 'pgtuner_host_cpu_seconds_total', { mode: 'user' }) ?? 0) > 0);
  assert.equal(sampleValue(text, 'pgtuner_postgres_setting', { name: 'work_mem' }), 4 * 1024 * 1024);
  assert.equal(sampleValue(text, 'pgtuner_postgres_statements_available'), 1, 'the extension replicates to every member');
  assert.ok(sampleValue(text, 'process_resident_memory_bytes') !== null, 'process metrics are exported');

  // On the leader, pg_stat_statements counts the workload's statements but not the agent's own.
  const before = await getText(`${agent(leader).url}/metrics`);
  const callsBefore = sampleValue(before, 'pgtuner_postgres_statements_calls_total');
  assert.ok(callsBefore !== null, 'pg_stat_statements is available on the leader');
  for (let i = 0; i < 5; i++) await lab.sql(leader, 'SELECT count(*) FROM pg_class WHERE relpages > $1', [i]);
  const afterText = await getText(`${agent(leader).url}/metrics`);
  const callsAfter = sampleValue(afterText, 'pgtuner_postgres_statements_calls_total')!;
  // The lab's own client adds a few statements per connection; the agent's scrapes add none.
  assert.ok(callsAfter - callsBefore >= 5 && callsAfter - callsBefore < 20, `calls grew by ${callsAfter - callsBefore}`);
  assert.ok(sampleValue(afterText, 'pgtuner_postgres_replication_lag_bytes', { application_name: replica }) !== null);
});

test('a switchover is followed by every agent, with leader and timeline events', async () => {
  const from = await lab.waitHealthy();
  const to = lab.state.nodes.find((n) => n.name !== from)!.name;
  await lab.switchover(from, to);
  for (const node of lab.state.nodes) {
    const view = await waitFor(async () => {
      const v = await clusterOf(node.name);
      return v.leader === to && v.timeline === 2 ? v : false;
    }, { what: `${node.name}'s agent to report ${to} as leader on timeline 2` });
    const types = view.recentEvents.map((e) => e.type);
    assert.ok(types.includes('timeline_changed'), `${node.name}: ${types.join(', ')}`);
    const leaderEvents = view.recentEvents.filter((e) => e.type === 'leader_changed' || e.type === 'leader_acquired');
    assert.ok(leaderEvents.length > 0, `${node.name} saw the leader move: ${types.join(', ')}`);
  }
  // The old leader's PostgreSQL restarts as a replica; its agent reports it once it is back.
  const metrics = await waitFor(async () => {
    const text = await getText(`${agent(from).url}/metrics`);
    return sampleValue(text, 'pgtuner_postgres_in_recovery') === 1 ? text : false;
  }, { what: `${from}'s agent to report its PostgreSQL in recovery` });
  assert.equal(sampleValue(metrics, 'pgtuner_patroni_member_leader', { member: to }), 1);
  assert.equal(sampleValue(metrics, 'pgtuner_patroni_member_leader', { member: from }), 0);
});

test('a replica whose Patroni stops is reported down, and up again when it returns', async () => {
  const leader = await lab.waitHealthy();
  const replica = lab.state.nodes.find((n) => n.name !== leader)!.name;
  await lab.stopPatroni(replica);
  await waitFor(async () => (await clusterOf(leader)).recentEvents.some((e) => e.type === 'member_down' && e.member === replica), {
    what: `the leader's agent to report member_down for ${replica}`,
  });
  // The agent beside the stopped node keeps running and says why it is degraded.
  const health = await waitFor(async () => {
    const h = (await getJson<HealthView>(`${agent(replica).url}/healthz`)).body;
    return h.status === 'degraded' && !h.patroni.ok && !h.postgres.ok ? h : false;
  }, { what: `${replica}'s agent to report Patroni and PostgreSQL unreachable` });
  assert.match(health.reasons.join(' '), /Patroni unreachable/);
  const metrics = await getText(`${agent(replica).url}/metrics`);
  assert.equal(sampleValue(metrics, 'pgtuner_patroni_up'), 0);
  assert.equal(sampleValue(metrics, 'pgtuner_postgres_up'), 0);
  assert.ok((sampleValue(metrics, 'pgtuner_agent_poll_errors_total', { target: 'patroni' }) ?? 0) > 0);
  assert.equal((await getJson(`${agent(replica).url}/api/v1/cluster`)).status, 503);

  await lab.startPatroni(replica);
  await lab.waitHealthy();
  await waitFor(async () => (await clusterOf(leader)).recentEvents.some((e) => e.type === 'member_up' && e.member === replica), {
    what: `the leader's agent to report member_up for ${replica}`,
  });
  await waitFor(async () => (await getJson<HealthView>(`${agent(replica).url}/healthz`)).body.status === 'ok', {
    what: `${replica}'s agent to recover`,
  });
});

test('an agent started while its Patroni and PostgreSQL are down keeps running and recovers', async () => {
  const leader = await lab.waitHealthy();
  const replica = lab.state.nodes.find((n) => n.name !== leader)!.name;
  await lab.stopPatroni(replica);
  const late = await startAgent(agentEnvFor(lab, replica));
  extraAgents.push(late);
  const health = (await getJson<HealthView>(`${late.url}/healthz`)).body;
  assert.notEqual(health.status, 'ok');
  await lab.startPatroni(replica);
  await lab.waitHealthy();
  const view = await waitFor(async () => {
    const response = await getJson<ClusterView>(`${late.url}/api/v1/cluster`);
    return response.status === 200 && response.body.self === replica ? response.body : false;
  }, { what: 'the late agent to see its member once Patroni is back' });
  assert.equal(view.leader, leader);
  assert.equal(late.exitCode(), null, 'the agent never exited');
});

test('invalid configuration stops the agent at start with one clear line', async () => {
  const bad = await startAgent({ TUNER_DATABASE_URL: lab.databaseUrl('node1'), TUNER_POLL_INTERVAL: 'often' }, { waitReady: false });
  await waitFor(() => bad.exitCode() !== null, { what: 'the misconfigured agent to exit' });
  assert.equal(bad.exitCode(), 2);
  assert.equal(
    bad.output().trim(),
    'patroni-tuner: invalid configuration: TUNER_POLL_INTERVAL: expected a positive duration such as 500ms, 30s or 5m, got "often"',
  );
});
