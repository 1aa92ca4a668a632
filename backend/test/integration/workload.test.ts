/**
 * The reference workload (test/workload) on a real lab: prepared on the leader and waited for on the
 * replicas, then run through a switchover, following the leader. Its failures during the switchover
 * are counted and its clients reconnect to the new leader. No assertion depends on timings.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { waitFor } from '../../../test/lab/wait.js';
import { prepareWorkload, runWorkload, waitForReplay } from '../../../test/workload/index.js';

let lab: Lab;

before(async () => {
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
});

after(async () => {
  await lab?.stop();
});

const workloadBackends = async (node: string) =>
  Number(
    (await lab.sql(node, `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'tuner-workload%'`)).rows[0].n,
  );

test('prepares on the leader, reaches the replicas, and loads only once', async () => {
  const leader = await lab.waitHealthy();
  const replicas = lab.state.nodes.filter((n) => n.name !== leader).map((n) => lab.databaseUrl(n.name));
  const first = await prepareWorkload(lab.databaseUrl(leader), { scale: 1, waitReplicas: waitForReplay(replicas) });
  assert.equal(first.loaded, true);
  // waitReplicas resolved only once every replica had replayed the leader's position after the load.
  for (const node of lab.state.nodes.filter((n) => n.name !== leader)) {
    const { rows } = await lab.sql(node.name, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed', [first.lsn]);
    assert.equal(rows[0].replayed, true, `${node.name} replayed ${first.lsn}`);
  }
  for (const node of lab.state.nodes) {
    // Seen through a fresh session on each member (a condition, in case a standby's first session
    // on the new database lags its replay).
    const rows = await waitFor(
      async () =>
        (
          await lab.sql(
            node.name,
            `SELECT (SELECT value FROM wl_meta WHERE key = 'scale') AS scale, (SELECT count(*) FROM wl_orders)::int AS orders`,
            [],
            first.database,
          )
        ).rows,
      { what: `${node.name} to show the workload tables`, timeoutMs: 30_000 },
    );
    assert.deepEqual(rows[0], { scale: '1', orders: 100_000 }, `${node.name} has the workload`);
  }
  const second = await prepareWorkload(lab.databaseUrl(leader), { scale: 1, waitReplicas: waitForReplay(replicas) });
  assert.equal(second.loaded, false);
});

test('a run follows the leader through a switchover, counting its failures and reconnecting', async () => {
  const leader = await lab.waitHealthy();
  const candidate = lab.state.nodes.find((n) => n.name !== leader)!.name;
  let completed = 0;
  const controller = new AbortController();
  const running = runWorkload(async () => lab.databaseUrl((await lab.leaderName().catch(() => null)) ?? leader), {
    clients: 3,
    durationMs: 180_000,
    mix: { oltp: 4, reporting: 1 },
    signal: controller.signal,
    progressIntervalMs: 100,
    onProgress: (p) => (completed = p.completed),
  });
  let completedAtSwitchover = 0;
  try {
    await waitFor(() => completed >= 50, { what: 'the workload to get going' });
    await lab.switchover(leader, candidate);
    await waitFor(async () => (await lab.leaderName()) === candidate, { what: `${candidate} to lead` });
    completedAtSwitchover = completed;
    await waitFor(() => completed >= completedAtSwitchover + 50, { what: 'the workload to go on on the new leader' });
  } finally {
    controller.abort();
  }
  const results = await running;
  assert.equal(results.stoppedBy, 'signal');
  assert.ok(results.errors.total >= 1, 'connections to the old leader failed');
  assert.ok(results.reconnects >= 1);
  assert.ok(results.transactions.completed >= completedAtSwitchover + 50);
  assert.equal(results.transactions.completed + results.transactions.failed + results.transactions.interrupted, results.transactions.attempted);
  await lab.waitHealthy();
  for (const node of lab.state.nodes) {
    await waitFor(async () => (await workloadBackends(node.name)) === 0, { what: `workload connections on ${node.name} to close` });
  }
});
