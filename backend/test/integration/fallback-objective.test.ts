/**
 * The fallback objective on a real lab: without pg_stat_statements in the agent's database a session
 * measures transactions per second from pg_stat_database over the workload databases, and the
 * agent's own transactions, which land in that very database, are left out. The agent connects to
 * the workload's database (TUNER_DATABASE_URL) and polls fast, so its own transaction rate is at least
 * the workload's; a paced client runs a known rate. Every measured window must be close to the
 * client's rate, and the agent's own rate — measured independently from pg_stat_database — must be
 * large enough that counting it would break that assertion.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { agentEnvFor, getJson, postJson, startAgent, type AgentProcess } from '../../../test/lab/agent-process.js';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { waitFor } from '../../../test/lab/wait.js';
import type { SessionDetail, SessionRecord } from '../../src/contract/index.js';

const TOKEN = 'integration-token';
/** Created by this test: no pg_stat_statements extension in it (the lab creates it in `postgres` only). */
const DATABASE = 'fallback_workload';
/** The paced client's rate, transactions per second. */
const CLIENT_RATE = 10;
const ITERATION_SECONDS = 10;

let lab: Lab;
let leader: string;
let agent: AgentProcess;
const client = pacedClient();

/**
 * One connection reading a one-row table at CLIENT_RATE, one transaction each, on a schedule of
 * absolute times so a late timer does not lower the rate. It touches a table as a real workload does:
 * from PostgreSQL 15 a backend publishes its transaction counts only along with other pending
 * statistics, so a client running nothing but `SELECT 1` stays invisible in pg_stat_database until it
 * disconnects (the agent's own polls are published by its snapshots, which read catalogs). `completed` counts the transactions the server answered.
 */
function pacedClient() {
  let connection: pg.Client | null = null;
  let running = false;
  let done: Promise<void> = Promise.resolve();
  const state = { completed: 0, startedAtMs: 0 };
  return {
    state,
    async start(url: string) {
      connection = new pg.Client({ connectionString: url, application_name: 'paced-client' });
      await connection.connect();
      running = true;
      state.startedAtMs = Date.now();
      const db = connection;
      done = (async () => {
        for (let n = 1; running; n += 1) {
          await db.query('SELECT n FROM paced');
          state.completed += 1;
          // Pacing the load, not waiting for a condition: the n-th transaction starts at n / rate s.
          const due = state.startedAtMs + (n * 1000) / CLIENT_RATE;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
        }
      })();
      // A failed statement ends the loop (the rate check then fails); stop() rethrows it.
      done.catch(() => undefined);
    },
    async stop() {
      running = false;
      await done;
      await connection?.end();
      connection = null;
    },
  };
}

/** Committed plus rolled-back transactions of DATABASE, read over a connection to another database. */
async function databaseTransactions(): Promise<number> {
  const { rows } = await lab.sql(leader, 'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [DATABASE]);
  return Number(rows[0].n);
}

before(async () => {
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
  leader = await lab.waitHealthy();
  await lab.sql(leader, `CREATE DATABASE ${DATABASE}`);
  await lab.sql(leader, 'CREATE TABLE paced (n int); INSERT INTO paced VALUES (1)', [], DATABASE);
  agent = await startAgent(
    agentEnvFor(lab, leader, {
      TUNER_API_TOKEN: TOKEN,
      TUNER_DATABASE_URL: lab.databaseUrl(leader, DATABASE),
      TUNER_WORKLOAD_DATABASES: DATABASE,
      TUNER_POLL_INTERVAL: '50ms',
    }),
  );
  await client.start(lab.databaseUrl(leader, DATABASE));
});

after(async () => {
  await client.stop().catch(() => undefined);
  await agent?.stop();
  await lab?.stop();
});

test("without pg_stat_statements the session measures the workload's transactions per second, the agent's own left out", async (t) => {
  const before = { transactions: await databaseTransactions(), client: client.state.completed, atMs: Date.now() };
  const started = await waitFor(
    async () => {
      const response = await postJson(`${agent.url}/api/v1/sessions`, { iterations: 2, iterationSeconds: ITERATION_SECONDS, warmupSeconds: 2 }, TOKEN);
      const code = (response.body as { error?: { code?: string } }).error?.code;
      return response.status === 409 && code === 'cluster_unhealthy' ? false : response;
    },
    { what: 'the agent to accept a start (cluster healthy as it sees it)', timeoutMs: 120_000 },
  );
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const sessionId = (started.body.session as SessionRecord).id;
  const detail = await waitFor(
    async () => {
      const d = (await getJson<SessionDetail>(`${agent.url}/api/v1/sessions/${sessionId}`)).body;
      return ['completed', 'stopped', 'failed', 'aborted', 'halted'].includes(d.session.state) ? d : false;
    },
    { what: `session ${sessionId} to end`, timeoutMs: 240_000, intervalMs: 1_000 },
  );
  const afterwards = { transactions: await databaseTransactions(), client: client.state.completed, atMs: Date.now() };
  assert.equal(detail.session.state, 'completed', detail.session.reason ?? '');

  // The fallback was chosen, and the session said why and whose transactions it counts.
  const selected = detail.events.filter((e) => e.type === 'objective_selected').map((e) => e.detail);
  assert.equal(selected.length, 1);
  assert.equal(selected[0]!.requested, 'mean_query_time');
  assert.equal(selected[0]!.objective, 'throughput');
  assert.equal(selected[0]!.source, 'pg_stat_database');
  assert.match(String(selected[0]!.reason), new RegExp(`the pg_stat_statements extension is not created in database "${DATABASE}"`));
  assert.match(String(selected[0]!.reason), new RegExp(`databases ${DATABASE} \\(TUNER_WORKLOAD_DATABASES\\) instead, the agent's own left out`));
  assert.match(String(selected[0]!.action), /CREATE EXTENSION pg_stat_statements/);

  // The client kept its rate over the session.
  const seconds = (afterwards.atMs - before.atMs) / 1000;
  const clientRate = (afterwards.client - before.client) / seconds;
  assert.ok(Math.abs(clientRate - CLIENT_RATE) < 0.5, `the paced client ran ${clientRate.toFixed(2)} tx/s`);

  // The agent's own rate in the same database, measured independently: everything else it counted.
  const agentRate = (afterwards.transactions - before.transactions) / seconds - clientRate;
  t.diagnostic(
    `client ${clientRate.toFixed(2)} tx/s, agent's own ${agentRate.toFixed(1)} tx/s; measured: ${detail.iterations.filter((i) => i.measurement !== null).map((i) => i.measurement!.transactionsPerSecond.toFixed(2)).join(', ')}`,
  );
  assert.ok(agentRate >= CLIENT_RATE, `the agent's own rate ${agentRate.toFixed(1)} tx/s is at least the workload's (${CLIENT_RATE} tx/s)`);

  // Every window measured the client's rate: within half the agent's own rate of it, so a window that
  // counted the agent's transactions (about clientRate + agentRate) would fail.
  const tolerance = agentRate / 2;
  const measured = detail.iterations.filter((i) => i.measurement !== null);
  assert.ok(measured.length >= 3, `windows measured: ${measured.map((i) => i.number).join(', ')}`);
  for (const iteration of measured) {
    const { transactionsPerSecond, windowSeconds, meanQueryTimeMs } = iteration.measurement!;
    assert.equal(meanQueryTimeMs, null, 'no pg_stat_statements');
    assert.ok(Math.abs(windowSeconds - ITERATION_SECONDS) < 1, `window of ${windowSeconds} s`);
    assert.ok(
      Math.abs(transactionsPerSecond - clientRate) <= tolerance,
      `iteration ${iteration.number} measured ${transactionsPerSecond.toFixed(2)} tx/s; the client ran ${clientRate.toFixed(2)}, the agent ${agentRate.toFixed(1)} (tolerance ${tolerance.toFixed(1)})`,
    );
    if (iteration.score !== null) assert.ok(Math.abs(iteration.score - 1000 / transactionsPerSecond) < 1e-6, 'the score is ms per transaction');
  }
});
