/**
 * The leader port's workload snapshot against a real, throwaway PostgreSQL: the fallback objective's
 * transactions are the workload's only — the agent's own (counted by its pool) and the state
 * database's left out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresPool } from '../../../../src/postgres/connection.js';
import { liveLeaderPort } from '../../../../src/tuning/apply/live-ports.js';
import { workloadDatabases } from '../../../../src/tuning/workload-databases.js';
import { waitFor } from '../../../../../test/lab/wait.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../../../../test/support/throwaway-postgres.js';
import { FakePatroni } from '../../observer/fakes.js';
import { recordedJson } from './manager-support.js';

const withDatabase = (connectionString: string, database: string) => {
  const url = new URL(connectionString);
  url.pathname = `/${database}`;
  return url.toString();
};

describe('liveLeaderPort.workloadSnapshot on a real PostgreSQL', () => {
  let server: ThrowawayPostgres;
  let agentPool: PostgresPool;
  let workload: pg.Client;
  let state: pg.Client;

  before(async () => {
    server = await startThrowawayPostgres();
    agentPool = new PostgresPool({ connectionString: server.connectionString });
    await agentPool.query('CREATE DATABASE app');
    await agentPool.query('CREATE DATABASE patroni_tuner');
    workload = new pg.Client({ connectionString: withDatabase(server.connectionString, 'app') });
    state = new pg.Client({ connectionString: withDatabase(server.connectionString, 'patroni_tuner') });
    await workload.connect();
    await state.connect();
  });

  after(async () => {
    await workload?.end();
    await state?.end();
    await agentPool?.close();
    await server?.destroy();
  });

  it("counts the workload's transactions, not the agent's own nor the state database's", async () => {
    const port = liveLeaderPort(new FakePatroni(recordedJson('patroni-primary.json'), recordedJson('cluster.json')), agentPool, () => 'node1', {
      createExtension: false,
      workload: workloadDatabases(null, 'patroni_tuner'),
      transactionsRun: () => agentPool.transactionsRun,
    });
    // pg_stat_database shows a backend's transactions when it flushes its statistics: the agent's pool
    // at the end of a transaction a second after its last flush, so its count leads by up to a second.
    // Start from a settled state: two snapshots 1.2 s apart that agree.
    const snapshotEvery = { timeoutMs: 30_000, intervalMs: 1_200 };
    let previous: number | null = null;
    const start = await waitFor(
      async () => {
        const { transactions } = await port.workloadSnapshot();
        const settled = transactions === previous;
        previous = transactions;
        return settled ? transactions : false;
      },
      { what: 'two snapshots that agree', ...snapshotEvery },
    );
    const agentBefore = agentPool.transactionsRun;
    for (let i = 0; i < 40; i += 1) await agentPool.query('SELECT 1');
    for (let i = 0; i < 25; i += 1) await state.query('SELECT 1');
    for (let i = 0; i < 15; i += 1) await workload.query('SELECT 1');
    // The 16th workload transaction asks for its backend's statistics to be flushed once idle (PostgreSQL ≥ 15).
    await workload.query('SELECT pg_stat_force_next_flush()');
    assert.ok(agentPool.transactionsRun - agentBefore >= 40, 'the pool counts what it ran');

    const seen: number[] = [];
    const workloadOnly = await waitFor(
      async () => {
        const transactions = (await port.workloadSnapshot()).transactions - start;
        seen.push(transactions);
        return transactions === 16 ? transactions : false;
      },
      { what: 'the 16 workload transactions, and only them, in the snapshots', ...snapshotEvery },
    );
    assert.equal(workloadOnly, 16);
    assert.ok(seen.every((t) => t <= 16), `never more than the workload's: ${seen.join(', ')}`);
  });
});
