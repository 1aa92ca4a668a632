/**
 * The README's least privileges, run as written: its SQL creates the patroni_tuner role on a real
 * lab, and agents connected as that role (not a superuser) observe everything, check drift, remove a
 * postgresql.auto.conf override at session start, apply and verify a candidate on every member, and
 * end the session.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { agentEnvFor, getJson, getText, postJson, startAgent, type AgentProcess } from '../../../test/lab/agent-process.js';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { sampleValue } from '../../../test/lab/prom-text.js';
import { REPO } from '../../../test/lab/queries.js';
import { waitFor } from '../../../test/lab/wait.js';
import { prepareWorkload } from '../../../test/workload/prepare.js';
import { runWorkload } from '../../../test/workload/run.js';
import type { SessionDetail, SessionRecord } from '../../src/contract/index.js';

const TOKEN = 'least-privileges-token';
const PASSWORD = randomBytes(12).toString('hex');

let lab: Lab;
let leader: string;
const agents = new Map<string, AgentProcess>();
const workloadStop = new AbortController();
let workload: Promise<unknown>;

/** The statements of the README's "Least privileges" SQL block, comments removed. */
function readmeStatements(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Least privileges'));
  const block = /```sql\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the README has the SQL block');
  return block
    .replace(/--.*$/gm, '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => s.replace("PASSWORD '…'", `PASSWORD '${PASSWORD}'`));
}

const roleUrl = (node: string) => `postgres://patroni_tuner:${PASSWORD}@127.0.0.1:${lab.node(node).pgPort}/postgres`;

before(async () => {
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
  leader = await lab.waitHealthy();
  // One by one: CREATE DATABASE cannot run inside the implicit transaction of a multi-statement query.
  for (const statement of readmeStatements()) await lab.sql(leader, statement);
  const superuser = await lab.sql(leader, "SELECT rolsuper FROM pg_roles WHERE rolname = 'patroni_tuner'");
  assert.equal(superuser.rows[0]?.rolsuper, false);
  for (const node of lab.state.nodes) {
    const env = { ...agentEnvFor(lab, node.name, { TUNER_API_TOKEN: TOKEN, TUNER_DRIFT_INTERVAL: '2s' }), TUNER_DATABASE_URL: roleUrl(node.name) };
    agents.set(node.name, await startAgent(env));
  }
  await prepareWorkload(lab.databaseUrl(leader), { scale: 1 });
  workload = runWorkload(async () => lab.databaseUrl(leader), { clients: 1, durationMs: 30 * 60_000, signal: workloadStop.signal });
});

after(async () => {
  workloadStop.abort();
  await workload?.catch(() => undefined);
  for (const agent of agents.values()) await agent.stop();
  await lab?.stop();
});

test('as the least-privileged role every agent reads PostgreSQL, pg_stat_statements and its drift, and the leader its standbys', async () => {
  for (const [node, agent] of agents) {
    const metrics = await waitFor(
      async () => {
        const text = await getText(`${agent.url}/metrics`);
        return sampleValue(text, 'pgtuner_drift_check_up', { member: node }) === 1 ? text : false;
      },
      { what: `${node}'s agent to finish a drift check (reads pg_file_settings)`, timeoutMs: 30_000 },
    );
    assert.equal(sampleValue(metrics, 'pgtuner_postgres_up'), 1, node);
    assert.equal(sampleValue(metrics, 'pgtuner_postgres_statements_available'), 1, `${node}: pg_stat_statements`);
    assert.equal(sampleValue(metrics, 'pgtuner_member_drifted', { member: node }), 0, node);
    const health = await getJson<{ status: string; reasons?: string[] }>(`${agent.url}/healthz`);
    assert.equal(health.body.status, 'ok', `${node}: ${JSON.stringify(health.body)}`);
  }
  const leaderMetrics = await getText(`${agents.get(leader)!.url}/metrics`);
  for (const node of lab.state.nodes.filter((n) => n.name !== leader)) {
    assert.notEqual(sampleValue(leaderMetrics, 'pgtuner_postgres_replication_lag_bytes', { application_name: node.name }), null, `pg_stat_replication shows ${node.name}`);
  }
});

test('as that role a session removes an auto.conf override, applies and verifies a candidate on every member, and ends', async () => {
  // An override the session must remove first (ALTER SYSTEM RESET and a reload, as the role).
  await lab.sql(leader, "ALTER SYSTEM SET random_page_cost = '3.3'");
  await lab.sql(leader, 'SELECT pg_reload_conf()');
  const agent = agents.get(leader)!;
  const post = (path: string, body: unknown) => postJson(`${agent.url}${path}`, body, TOKEN);
  const started = await post('/api/v1/sessions', { iterations: 10, iterationSeconds: 2, warmupSeconds: 1 });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const id = (started.body.session as SessionRecord).id;
  const detailOf = async () => (await getJson<SessionDetail>(`${agent.url}/api/v1/sessions/${id}`)).body;
  const measuring = await waitFor(
    async () => {
      const detail = await detailOf();
      if (['failed', 'completed', 'halted', 'aborted'].includes(detail.session.state)) throw new Error(`session ended early: ${detail.session.reason}`);
      return detail.iterations.some((i) => i.number > 0 && i.state === 'measuring' && Object.keys(i.parameters).length > 0) ? detail : false;
    },
    { what: 'a candidate applied through Patroni and verified on every member', timeoutMs: 90_000, intervalMs: 250 },
  );
  assert.deepEqual(
    measuring.autoconfRemovals.map((r) => [r.name, r.setting]),
    [['random_page_cost', '3.3']],
  );
  const overrides = await lab.sql(leader, "SELECT name FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'");
  assert.deepEqual(overrides.rows, [], 'the override is gone');

  const stopped = await post(`/api/v1/sessions/${id}/stop`, {});
  assert.equal(stopped.status, 202, JSON.stringify(stopped.body));
  const ended = await waitFor(
    async () => {
      const detail = await detailOf();
      return ['stopped', 'completed', 'failed', 'halted'].includes(detail.session.state) ? detail : false;
    },
    { what: 'the stopped session to end', timeoutMs: 90_000, intervalMs: 500 },
  );
  // Ending puts the best configuration or the baseline back and verifies it on every member, as the role.
  assert.equal(ended.session.state, 'stopped', ended.session.reason ?? '');
});
