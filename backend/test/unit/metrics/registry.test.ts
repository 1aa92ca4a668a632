import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Scrape } from '../../../src/metrics/scrape.js';
import type { SessionRecord } from '../../../src/model/records.js';
import { DEFAULT_FAILOVER_SETTINGS, restoreFailed, startFailover, step } from '../../../src/tuning/failover/index.js';
import { ALL_FAMILIES, AgentMetrics } from '../../../src/metrics/registry.js';
import { readFixture } from '../../fixtures/patroni/load.js';
import { editedCluster, gate, PATRONI_DOWN, POSTGRES_DOWN } from '../observer/fakes.js';
import { parsePromText, samplesOf, valueOf, type PromText } from './prom-text.js';
import { AGENT, postgresSnapshot, scrapeOf, watcherRig } from './scrapes.js';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** Renders `scrape` through a fresh AgentMetrics and parses the text. */
async function render(scrape: Scrape): Promise<PromText> {
  return parsePromText(await new AgentMetrics(async () => scrape).render());
}

const familiesWithPrefix = (parsed: PromText, prefix: string) =>
  [...new Set(parsed.samples.map((s) => s.name).filter((name) => name.startsWith(prefix)))];

/** Polls: ok, Patroni down, PostgreSQL down, ok; returns the rig and the last poll's time. */
async function polledRig() {
  const rig = watcherRig();
  await rig.watcher.poll();
  rig.clock.advance(1000);
  rig.patroni.error = PATRONI_DOWN();
  await rig.watcher.poll();
  rig.clock.advance(1000);
  rig.patroni.error = null;
  rig.postgres.error = POSTGRES_DOWN();
  await rig.watcher.poll();
  const last = rig.clock.advance(1000);
  rig.postgres.error = null;
  await rig.watcher.poll();
  return { ...rig, last };
}

describe('metric families', () => {
  it('every family has a unique pgtuner_ name, help, and counters (only they) end in _total', () => {
    const names = ALL_FAMILIES.map((family) => family.name);
    assert.equal(new Set(names).size, names.length, 'duplicate family names');
    for (const family of ALL_FAMILIES) {
      assert.match(family.name, /^pgtuner_[a-z0-9]+(_[a-z0-9]+)*$/, family.name);
      assert.ok(family.help.length > 0, `${family.name} has no help`);
      assert.equal(family.name.endsWith('_total'), family.type === 'counter', `${family.name} is a ${family.type}`);
    }
  });

  it('the rendered text declares every family with its type, and no pgtuner_ family besides', async () => {
    const { watcher } = await polledRig();
    const parsed = await render(scrapeOf(watcher));
    for (const family of ALL_FAMILIES) {
      assert.equal(parsed.type.get(family.name), family.type, family.name);
      assert.ok(parsed.help.has(family.name), family.name);
    }
    const declared = [...parsed.type.keys()].filter((name) => name.startsWith('pgtuner_'));
    assert.deepEqual(declared.sort(), ALL_FAMILIES.map((family) => family.name).sort());
    for (const sample of parsed.samples.filter((s) => s.name.startsWith('pgtuner_'))) {
      assert.ok(parsed.type.has(sample.name), `${sample.name} has no TYPE line`);
    }
    const counters = [...parsed.type].filter(([name, type]) => name.startsWith('pgtuner_') && type === 'counter');
    assert.ok(counters.length > 30);
    for (const [name] of counters) assert.ok(name.endsWith('_total'), name);
  });
});

describe('AgentMetrics.render: values', () => {
  it('agent: info, start time, polls and poll errors by target, last successful poll', async () => {
    const { watcher, last } = await polledRig();
    const parsed = await render(scrapeOf(watcher));
    assert.deepEqual(samplesOf(parsed, 'pgtuner_agent_info'), [{ labels: { version: '0.1.0' }, value: 1 }]);
    assert.equal(valueOf(parsed, 'pgtuner_agent_start_time_seconds'), AGENT.startedAt / 1000);
    assert.equal(valueOf(parsed, 'pgtuner_agent_polls_total'), 4);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_agent_poll_errors_total'), [
      { labels: { target: 'patroni' }, value: 1 },
      { labels: { target: 'postgres' }, value: 1 },
    ]);
    assert.equal(valueOf(parsed, 'pgtuner_agent_last_successful_poll_timestamp_seconds'), last / 1000);
  });

  it('agent: no last-successful-poll sample before one', async () => {
    const { watcher } = watcherRig();
    const parsed = await render(scrapeOf(watcher));
    assert.deepEqual(samplesOf(parsed, 'pgtuner_agent_last_successful_poll_timestamp_seconds'), []);
    assert.equal(valueOf(parsed, 'pgtuner_agent_polls_total'), 0);
  });

  it('patroni: cluster values carry the scope; members get role and health enums, lag, sync, pending restart', async () => {
    const { watcher } = await polledRig();
    const parsed = await render(scrapeOf(watcher));
    const scope = { scope: 'demo' };
    assert.equal(valueOf(parsed, 'pgtuner_patroni_up'), 1);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_patroni_info'), [
      { labels: { scope: 'demo', member: 'node2', version: '4.1.5' }, value: 1 },
    ]);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_members', scope), 3);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_has_leader', scope), 1);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_cluster_unlocked', scope), 0);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_paused', scope), 0);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_timeline', scope), 4);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_dcs_last_seen_timestamp_seconds', scope), 1758182590);

    const roles = ['primary', 'standby_leader', 'replica', 'transitional', 'unknown'];
    const expectedRole: Record<string, string> = { node1: 'replica', node2: 'primary', node3: 'replica' };
    assert.equal(samplesOf(parsed, 'pgtuner_patroni_member_role').length, 15);
    for (const member of ['node1', 'node2', 'node3']) {
      for (const role of roles) {
        assert.equal(
          valueOf(parsed, 'pgtuner_patroni_member_role', { scope: 'demo', member, role }),
          role === expectedRole[member] ? 1 : 0,
          `${member} ${role}`,
        );
      }
      assert.equal(valueOf(parsed, 'pgtuner_patroni_member_health', { scope: 'demo', member, health: 'up' }), 1);
      assert.equal(valueOf(parsed, 'pgtuner_patroni_member_health', { scope: 'demo', member, health: 'stopped' }), 0);
      assert.equal(valueOf(parsed, 'pgtuner_patroni_member_timeline', { scope: 'demo', member }), 4);
    }
    assert.equal(samplesOf(parsed, 'pgtuner_patroni_member_health').length, 18);
    const perMember = (name: string) =>
      Object.fromEntries(samplesOf(parsed, name).map((s) => [s.labels.member, s.value]));
    assert.deepEqual(perMember('pgtuner_patroni_member_leader'), { node1: 0, node2: 1, node3: 0 });
    assert.deepEqual(perMember('pgtuner_patroni_member_lag_bytes'), { node1: 0, node2: 0, node3: 8192 });
    assert.deepEqual(perMember('pgtuner_patroni_member_sync_standby'), { node1: 1, node2: 0, node3: 0 });
    assert.deepEqual(perMember('pgtuner_patroni_member_pending_restart'), { node1: 1, node2: 0, node3: 0 });
  });

  it('patroni: a lag Patroni reports as unknown has no sample; a stopped member is health stopped', async () => {
    const rig = watcherRig();
    rig.patroni.answer(readFixture('4.1.5', 'recorded/patroni-replica-unlocked.json'), readFixture('4.1.5', 'recorded/cluster-unlocked.json'));
    await rig.watcher.poll();
    const parsed = await render(scrapeOf(rig.watcher));
    const scope = { scope: 'lab-795904' };
    assert.equal(valueOf(parsed, 'pgtuner_patroni_has_leader', scope), 0);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_cluster_unlocked', scope), 1);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_paused', scope), 1);
    assert.deepEqual(
      samplesOf(parsed, 'pgtuner_patroni_member_lag_bytes').map((s) => [s.labels.member, s.value]),
      [
        ['node2', 0],
        ['node3', 0],
      ],
    );
    assert.equal(valueOf(parsed, 'pgtuner_patroni_member_health', { ...scope, member: 'node1', health: 'stopped' }), 1);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_member_health', { ...scope, member: 'node1', health: 'up' }), 0);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_member_timeline', { ...scope, member: 'node1' }), undefined);
  });

  it('patroni 3.0.2: the scope comes from /patroni and the member from the configured URL', async () => {
    const rig = watcherRig();
    rig.patroni.answer(readFixture('3.0.2', 'patroni-primary.json'), readFixture('3.0.2', 'cluster.json'));
    await rig.watcher.poll();
    const parsed = await render(scrapeOf(rig.watcher));
    // patroniUrl http://127.0.0.1:8009 is node2's api_url in the hand-written 3.0.2 cluster.
    assert.deepEqual(samplesOf(parsed, 'pgtuner_patroni_info'), [
      { labels: { scope: 'demo', member: 'node2', version: '3.0.2' }, value: 1 },
    ]);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_member_lag_bytes', { scope: 'demo', member: 'node3' }), 16736);
  });

  it('postgres: up, info, counters per database, connections by state, checkpoints, replication lag', async () => {
    const { watcher } = await polledRig();
    const parsed = await render(scrapeOf(watcher));
    assert.equal(valueOf(parsed, 'pgtuner_postgres_up'), 1);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_info'), [{ labels: { server_version_num: '150004' }, value: 1 }]);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_in_recovery'), 0);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_postmaster_start_time_seconds'), 1735689600);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_connections'), [
      { labels: { state: 'active' }, value: 2 },
      { labels: { state: 'idle' }, value: 5 },
    ]);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_xact_commit_total'), [
      { labels: { datname: 'app' }, value: 1000 },
      { labels: { datname: 'postgres' }, value: 40 },
    ]);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_temp_bytes_total', { datname: 'app' }), 8192);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_block_read_time_seconds_total', { datname: 'app' }), 0.5);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_checkpoints_timed_total'), 5);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_checkpoint_sync_time_seconds_total'), 0.125);
    // The standby without a replay position has no sample; the primary has no replica lag.
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_replication_lag_bytes'), [
      { labels: { application_name: 'node1' }, value: 0 },
      { labels: { application_name: 'node3' }, value: 8192 },
    ]);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_replay_lag_seconds'), []);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_statements_available'), 1);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_statements_calls_total'), 1234);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_statements_exec_time_seconds_total'), 56.5);
  });

  it('postgres: tunable settings in base units, booleans 0/1, enums and unobserved settings left out', async () => {
    const { watcher } = await polledRig();
    const parsed = await render(scrapeOf(watcher));
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_setting'), [
      { labels: { name: 'bgwriter_delay' }, value: 0.2 },
      { labels: { name: 'checkpoint_timeout' }, value: 300 },
      { labels: { name: 'jit' }, value: 1 },
      { labels: { name: 'max_parallel_workers' }, value: 8 },
      { labels: { name: 'random_page_cost' }, value: 1.1 },
      { labels: { name: 'shared_buffers' }, value: 134217728 },
      { labels: { name: 'work_mem' }, value: 4194304 },
    ]);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_settings_pending_restart'), 1);
  });

  it('postgres on a replica: replay lag in seconds, no per-standby lag; without pg_stat_statements no statement counters', async () => {
    const { watcher } = await polledRig();
    const snapshot = {
      ...postgresSnapshot(),
      inRecovery: true,
      replication: {
        role: 'replica' as const,
        receivedLsn: '0/7000060',
        replayedLsn: '0/6FFE060',
        receiveReplayLagBytes: 8192,
        replayLagSeconds: 1.5,
      },
      statements: { available: false as const, reason: 'pg_stat_statements is not installed' },
    };
    const parsed = await render(scrapeOf(watcher, { postgres: { ok: true, value: snapshot } }));
    assert.equal(valueOf(parsed, 'pgtuner_postgres_in_recovery'), 1);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_replay_lag_seconds'), 1.5);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_replication_lag_bytes'), []);
    assert.equal(valueOf(parsed, 'pgtuner_postgres_statements_available'), 0);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_statements_calls_total'), []);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_statements_exec_time_seconds_total'), []);
  });

  it('host: CPU seconds by mode, memory, load, cgroup limit only when limited, disks by device', async () => {
    const { watcher } = await polledRig();
    const parsed = await render(scrapeOf(watcher));
    assert.equal(valueOf(parsed, 'pgtuner_host_up'), 1);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_host_cpu_seconds_total'), [
      { labels: { mode: 'user' }, value: 1234.5 },
      { labels: { mode: 'nice' }, value: 0 },
      { labels: { mode: 'system' }, value: 321.25 },
      { labels: { mode: 'idle' }, value: 98765 },
      { labels: { mode: 'iowait' }, value: 12 },
      { labels: { mode: 'irq' }, value: 0 },
      { labels: { mode: 'softirq' }, value: 3.5 },
      { labels: { mode: 'steal' }, value: 0 },
    ]);
    assert.equal(valueOf(parsed, 'pgtuner_host_cpus'), 4);
    assert.equal(valueOf(parsed, 'pgtuner_host_memory_total_bytes'), 8589934592);
    assert.equal(valueOf(parsed, 'pgtuner_host_memory_available_bytes'), 5368709120);
    assert.equal(valueOf(parsed, 'pgtuner_host_swap_free_bytes'), 536870912);
    assert.equal(valueOf(parsed, 'pgtuner_host_load15'), 0.125);
    assert.equal(valueOf(parsed, 'pgtuner_host_cgroup_cpu_limit_cores'), 2);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_host_cgroup_memory_limit_bytes'), []);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_host_disk_read_bytes_total'), [
      { labels: { device: 'nvme0n1' }, value: 409600 },
      { labels: { device: 'sda' }, value: 28672 },
    ]);
    assert.equal(valueOf(parsed, 'pgtuner_host_disk_io_now', { device: 'sda' }), 1);
  });

  it('label values are escaped so they read back unchanged', async () => {
    const { watcher } = await polledRig();
    const snapshot = postgresSnapshot();
    assert.equal(snapshot.replication.role, 'primary');
    if (snapshot.replication.role === 'primary') snapshot.replication.standbys[0]!.applicationName = 'odd "name"\\ with\nnewline';
    const parsed = await render(scrapeOf(watcher, { postgres: { ok: true, value: snapshot } }));
    assert.equal(
      valueOf(parsed, 'pgtuner_postgres_replication_lag_bytes', { application_name: 'odd "name"\\ with\nnewline' }),
      0,
    );
  });
});

describe('AgentMetrics.render: what is down has no series', () => {
  it('Patroni down: pgtuner_patroni_up 0 and no other Patroni series', async () => {
    const rig = watcherRig();
    rig.patroni.error = PATRONI_DOWN();
    await rig.watcher.poll();
    const parsed = await render(scrapeOf(rig.watcher));
    assert.deepEqual(familiesWithPrefix(parsed, 'pgtuner_patroni_'), ['pgtuner_patroni_up']);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_patroni_up'), [{ labels: {}, value: 0 }]);
    assert.ok(!parsed.samples.some((s) => 'member' in s.labels));
    assert.deepEqual(samplesOf(parsed, 'pgtuner_agent_poll_errors_total'), [
      { labels: { target: 'patroni' }, value: 1 },
      { labels: { target: 'postgres' }, value: 0 },
    ]);
    // PostgreSQL is scraped on its own and still reports.
    assert.equal(valueOf(parsed, 'pgtuner_postgres_up'), 1);
  });

  it('before the first poll: pgtuner_patroni_up 0 and no other Patroni series', async () => {
    const { watcher } = watcherRig();
    const parsed = await render(scrapeOf(watcher));
    assert.deepEqual(familiesWithPrefix(parsed, 'pgtuner_patroni_'), ['pgtuner_patroni_up']);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_up'), 0);
  });

  it('PostgreSQL down: pgtuner_postgres_up 0 and no other PostgreSQL series', async () => {
    const { watcher } = await polledRig();
    const parsed = await render(scrapeOf(watcher, { postgres: { ok: false, code: 'postgres_unreachable', message: 'down' } }));
    assert.deepEqual(familiesWithPrefix(parsed, 'pgtuner_postgres_'), ['pgtuner_postgres_up']);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_postgres_up'), [{ labels: {}, value: 0 }]);
    assert.equal(valueOf(parsed, 'pgtuner_patroni_up'), 1);
  });

  it('host unreadable: pgtuner_host_up 0 and no other host series', async () => {
    const { watcher } = await polledRig();
    const parsed = await render(scrapeOf(watcher, { host: { ok: false, code: 'host_read_failed', message: 'no /proc' } }));
    assert.deepEqual(familiesWithPrefix(parsed, 'pgtuner_host_'), ['pgtuner_host_up']);
    assert.equal(valueOf(parsed, 'pgtuner_host_up'), 0);
  });

  it('a label set that disappears between two scrapes is gone from the second (no stale series)', async () => {
    const rig = watcherRig();
    await rig.watcher.poll();
    const scrapes: Scrape[] = [scrapeOf(rig.watcher)];
    const metrics = new AgentMetrics(async () => scrapes.shift()!);
    const first = parsePromText(await metrics.render());

    // node3 leaves the cluster, its WAL sender goes, a disk is detached, the app database is dropped.
    rig.clock.advance(1000);
    rig.patroni.answer(
      readFixture('4.1.5', 'patroni-primary.json'),
      editedCluster(readFixture('4.1.5', 'cluster.json'), (cluster) => {
        cluster.members = cluster.members.filter((member) => member.name !== 'node3');
      }),
    );
    await rig.watcher.poll();
    const snapshot = postgresSnapshot();
    if (snapshot.replication.role === 'primary') {
      snapshot.replication.standbys = snapshot.replication.standbys.filter((s) => s.applicationName !== 'node3');
    }
    snapshot.databases = snapshot.databases.filter((d) => d.datname !== 'app');
    const scrape = scrapeOf(rig.watcher, { postgres: { ok: true, value: snapshot } });
    if (scrape.host.ok) scrape.host.value.disks = scrape.host.value.disks.filter((d) => d.device !== 'sda');
    scrapes.push(scrape);
    const second = parsePromText(await metrics.render());

    const has = (parsed: PromText, label: string, value: string) => parsed.samples.some((s) => s.labels[label] === value);
    assert.ok(has(first, 'member', 'node3'));
    assert.ok(has(first, 'application_name', 'node3'));
    assert.ok(has(first, 'device', 'sda'));
    assert.ok(has(first, 'datname', 'app'));
    assert.ok(!has(second, 'member', 'node3'));
    assert.ok(!has(second, 'application_name', 'node3'));
    assert.ok(!has(second, 'device', 'sda'));
    assert.ok(!has(second, 'datname', 'app'));
    assert.equal(valueOf(second, 'pgtuner_patroni_members', { scope: 'demo' }), 2);
    assert.equal(samplesOf(second, 'pgtuner_patroni_member_role').length, 10);
    assert.deepEqual(samplesOf(second, 'pgtuner_postgres_xact_commit_total'), [{ labels: { datname: 'postgres' }, value: 40 }]);
  });
});

describe('AgentMetrics.render: scrapes', () => {
  it('concurrent render() calls share one scrape', async () => {
    const { watcher } = await polledRig();
    const held = gate();
    let takes = 0;
    const metrics = new AgentMetrics(async () => {
      takes += 1;
      await held.promise;
      return scrapeOf(watcher);
    });
    const first = metrics.render();
    const second = metrics.render();
    const third = metrics.render();
    assert.equal(second, first);
    assert.equal(third, first);
    held.release();
    const texts = await Promise.all([first, second, third]);
    assert.equal(takes, 1);
    assert.equal(texts[1], texts[0]);
    assert.equal(texts[2], texts[0]);

    await metrics.render();
    assert.equal(takes, 2);
  });

  it('a failed scrape rejects render() and the next one scrapes again', async () => {
    const { watcher } = await polledRig();
    let takes = 0;
    const metrics = new AgentMetrics(async () => {
      takes += 1;
      if (takes === 1) throw new Error('scrape failed');
      return scrapeOf(watcher);
    });
    await assert.rejects(metrics.render(), { message: 'scrape failed' });
    const parsed = parsePromText(await metrics.render());
    assert.equal(takes, 2);
    assert.equal(valueOf(parsed, 'pgtuner_agent_polls_total'), 4);
  });

  it('includes the process_* and nodejs_* default metrics and answers in the Prometheus text format', async () => {
    const { watcher } = await polledRig();
    const metrics = new AgentMetrics(async () => scrapeOf(watcher));
    assert.equal(metrics.contentType, PROMETHEUS_TEXT);
    const parsed = parsePromText(await metrics.render());
    assert.equal(parsed.type.get('process_cpu_user_seconds_total'), 'counter');
    assert.equal(parsed.type.get('process_start_time_seconds'), 'gauge');
    assert.equal(parsed.type.get('process_resident_memory_bytes'), 'gauge');
    assert.equal(parsed.type.get('nodejs_heap_size_used_bytes'), 'gauge');
    const startTime = valueOf(parsed, 'process_start_time_seconds');
    // prom-client rounds the start time to whole seconds, so it may lie up to half a second ahead.
    assert.ok(startTime !== undefined && startTime > 1.5e9 && startTime <= Date.now() / 1000 + 0.5, String(startTime));
    assert.ok((valueOf(parsed, 'process_resident_memory_bytes') ?? 0) > 0);
  });
});

describe('AgentMetrics.render: tuning', () => {
  it('no session executed here: no per-session tuning series (only whether a halt was detected, 0)', async () => {
    const { watcher } = await polledRig();
    const parsed = await render(scrapeOf(watcher));
    assert.deepEqual(familiesWithPrefix(parsed, 'pgtuner_tuning_'), ['pgtuner_tuning_halt_detected']);
  });

  it('a running session: state enum, iteration, objective in seconds, improvement ratio, outcomes', async () => {
    const { watcher } = await polledRig();
    const session = 'e7c1f3a0-0000-4000-8000-000000000001';
    const parsed = await render(
      scrapeOf(watcher, {
        tuning: {
          sessionId: session,
          state: 'running',
          iteration: 7,
          iterations: 30,
          baselineScore: 4,
          bestScore: 2.5,
          lastScore: 3,
          outcomes: { measured: 4, rejected: 1, reverted: 1, failed: 0 },
        },
      }),
    );
    const states = samplesOf(parsed, 'pgtuner_tuning_session_state');
    assert.equal(states.length, 10);
    assert.deepEqual(states.filter((s) => s.value === 1), [{ labels: { session, state: 'running' }, value: 1 }]);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_iteration', { session }), 7);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_iterations_planned', { session }), 30);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_objective_seconds', { session, which: 'baseline' }), 0.004);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_objective_seconds', { session, which: 'best' }), 0.0025);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_objective_seconds', { session, which: 'last' }), 0.003);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_best_improvement_ratio', { session }), 1.6);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_iterations_total', { session, outcome: 'rejected' }), 1);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_iterations_total', { session, outcome: 'measured' }), 4);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_approval_pending', { session }), 0);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_approval_waiting_seconds', { session }), 0);
  });

  it('approval mode: a change waiting for a decision, and for how long', async () => {
    const { watcher } = await polledRig();
    const session = 'e7c1f3a0-0000-4000-8000-000000000003';
    const parsed = await render(scrapeOf(watcher, { approval: { sessionId: session, pendingChangeId: 4, waitedSeconds: 95.5 } }));
    assert.equal(valueOf(parsed, 'pgtuner_tuning_approval_pending', { session }), 1);
    assert.equal(valueOf(parsed, 'pgtuner_tuning_approval_waiting_seconds', { session }), 95.5);
  });
});

describe('AgentMetrics.render: failover and drift', () => {
  const session = 'e7c1f3a0-0000-4000-8000-000000000002';
  const record = (state: SessionRecord['state']): SessionRecord => ({
    id: session,
    scope: 'demo',
    state,
    options: { iterations: 5, iterationSeconds: 60, warmupSeconds: 5, objective: 'mean_query_time', knobs: [], seed: 1 },
    executor: 'node1',
    createdAt: new Date(0),
    updatedAt: new Date(0),
    endedAt: null,
    result: null,
    reason: 'topology changed: leader_lost',
  });

  it('nothing halted: the halted count is 0 and no per-session series', async () => {
    const { watcher } = await polledRig();
    const parsed = await render(scrapeOf(watcher));
    assert.deepEqual(samplesOf(parsed, 'pgtuner_failover_halted_sessions'), [{ labels: { scope: 'demo' }, value: 0 }]);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_failover_phase'), []);
    assert.deepEqual(familiesWithPrefix(parsed, 'pgtuner_drift_'), []);
  });

  it('the store cannot be read: no halted count (never a false 0), and the read is exported as failed', async () => {
    const { watcher } = await polledRig();
    const ok = await render(scrapeOf(watcher));
    assert.deepEqual(samplesOf(ok, 'pgtuner_failover_halted_sessions_read_ok'), [{ labels: { scope: 'demo' }, value: 1 }]);
    const failed = await render(scrapeOf(watcher, { failoverReadOk: false }));
    assert.deepEqual(samplesOf(failed, 'pgtuner_failover_halted_sessions'), []);
    assert.deepEqual(samplesOf(failed, 'pgtuner_failover_halted_sessions_read_ok'), [{ labels: { scope: 'demo' }, value: 0 }]);
  });

  it('a halted session in grace: phase enum, its end, the detection latency; unverified only once restored', async () => {
    const { watcher } = await polledRig();
    const halted = startFailover({ sessionId: session, haltedAt: 10_000, reason: 'r', changedAt: 9_250 }).state;
    const topology = watcher.latest!.patroni.ok ? watcher.latest!.patroni.value.topology : null;
    const stabilising = step(halted, { now: 11_000, topology, self: 'node1' }, { ...DEFAULT_FAILOVER_SETTINGS, stabilisationMs: 2_000, graceMs: 4_000 }).state;
    const grace = step(stabilising, { now: 13_000, topology, self: 'node1' }, { ...DEFAULT_FAILOVER_SETTINGS, stabilisationMs: 2_000, graceMs: 4_000 }).state;
    assert.equal(grace.phase, 'grace');
    const parsed = await render(scrapeOf(watcher, { failover: [{ session: record('halted'), failover: grace }] }));
    assert.equal(valueOf(parsed, 'pgtuner_failover_halted_sessions', { scope: 'demo' }), 1);
    const phases = samplesOf(parsed, 'pgtuner_failover_phase');
    assert.equal(phases.length, 7);
    assert.deepEqual(phases.filter((s) => s.value === 1), [{ labels: { session, phase: 'grace' }, value: 1 }]);
    assert.equal(valueOf(parsed, 'pgtuner_failover_phase_end_timestamp_seconds', { session, phase: 'grace' }), 17);
    assert.equal(valueOf(parsed, 'pgtuner_failover_detection_seconds', { session }), 0.75);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_failover_unverified_members'), []);
    assert.equal(valueOf(parsed, 'pgtuner_failover_restore_attempts_total', { session }), 0);
  });

  it('a halted session whose restore the protocol gave up: restore_unresolved 1 (0 while it still tries)', async () => {
    const { watcher } = await polledRig();
    const settings = { ...DEFAULT_FAILOVER_SETTINGS, stabilisationMs: 0, graceMs: 0, restoreMaxAttempts: 1 };
    const topology = watcher.latest!.patroni.ok ? watcher.latest!.patroni.value.topology : null;
    const halted = startFailover({ sessionId: session, haltedAt: 10_000, reason: 'r' }).state;
    const restoring = step(halted, { now: 11_000, topology, self: topology?.leader ?? null }, settings).state;
    assert.equal(restoring.phase, 'restoring');
    const trying = await render(scrapeOf(watcher, { failover: [{ session: record('halted'), failover: restoring }] }));
    assert.equal(valueOf(trying, 'pgtuner_failover_restore_unresolved', { scope: 'demo', session }), 0);
    const gaveUp = restoreFailed(restoring, { now: 12_000, attempt: 1, error: 'PATCH /config failed' }, settings).state;
    assert.equal(gaveUp.phase, 'awaiting_acknowledgement');
    const parsed = await render(scrapeOf(watcher, { failover: [{ session: record('halted'), failover: gaveUp }] }));
    assert.equal(valueOf(parsed, 'pgtuner_failover_restore_unresolved', { scope: 'demo', session }), 1);
  });

  it('a halt this agent detected that no record shows yet: halt_detected 1 with the detection time; 0 and no time otherwise', async () => {
    const { watcher } = await polledRig();
    const none = await render(scrapeOf(watcher));
    assert.deepEqual(samplesOf(none, 'pgtuner_tuning_halt_detected'), [{ labels: { scope: 'demo' }, value: 0 }]);
    assert.deepEqual(samplesOf(none, 'pgtuner_tuning_halt_detected_timestamp_seconds'), []);

    const detectedHalts = [{ sessionId: session, at: 12_250, reason: 'the leader is unreachable', recorded: false as const }];
    const parsed = await render(scrapeOf(watcher, { detectedHalts }));
    assert.deepEqual(samplesOf(parsed, 'pgtuner_tuning_halt_detected'), [{ labels: { scope: 'demo' }, value: 1 }]);
    assert.deepEqual(samplesOf(parsed, 'pgtuner_tuning_halt_detected_timestamp_seconds'), [{ labels: { scope: 'demo' }, value: 12.25 }]);
  });

  it("this node's drift: checked, drifted, parameters by kind and origin, corrections", async () => {
    const { watcher } = await polledRig();
    const drift = (name: string, kind: 'autoconf_override' | 'value_mismatch', origin: 'tuner' | 'other') => ({ name, kind, origin, expected: null, actual: '1' });
    const report = {
      member: 'node1',
      at: 5_000,
      drifts: [drift('work_mem', 'autoconf_override', 'tuner'), drift('random_page_cost', 'autoconf_override', 'other'), drift('jit', 'value_mismatch', 'other')],
      pending: [],
      corrected: [],
      error: null,
    };
    const parsed = await render(scrapeOf(watcher, { drift: { report, correctionsTotal: 3 } }));
    assert.equal(valueOf(parsed, 'pgtuner_drift_check_up', { member: 'node1' }), 1);
    assert.equal(valueOf(parsed, 'pgtuner_member_drifted', { member: 'node1' }), 1);
    assert.equal(valueOf(parsed, 'pgtuner_drift_parameters', { member: 'node1', kind: 'autoconf_override', origin: 'tuner' }), 1);
    assert.equal(valueOf(parsed, 'pgtuner_drift_parameters', { member: 'node1', kind: 'autoconf_override', origin: 'other' }), 1);
    assert.equal(valueOf(parsed, 'pgtuner_drift_parameters', { member: 'node1', kind: 'value_mismatch', origin: 'other' }), 1);
    assert.equal(valueOf(parsed, 'pgtuner_drift_parameters', { member: 'node1', kind: 'value_mismatch', origin: 'tuner' }), 0);
    assert.equal(valueOf(parsed, 'pgtuner_drift_corrections_total', { member: 'node1' }), 3);

    const failed = await render(scrapeOf(watcher, { drift: { report: { ...report, drifts: [], error: 'PostgreSQL unreachable' }, correctionsTotal: 3 } }));
    assert.equal(valueOf(failed, 'pgtuner_drift_check_up', { member: 'node1' }), 0);
    assert.deepEqual(samplesOf(failed, 'pgtuner_member_drifted'), [], 'an unknown drift is not reported as none');
  });
});
