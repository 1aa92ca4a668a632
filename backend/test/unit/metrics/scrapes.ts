/**
 * Small, hand-made scrapes: a host snapshot, a PostgreSQL snapshot of a primary, and a watcher that
 * polled the hand-written 4.1.5 fixtures (node2 leads, node3 lags 8192 bytes, node1 is a sync
 * standby with a pending restart) through the fakes.
 */
import type { HostSnapshot } from '../../../src/host/snapshot.js';
import type { Scrape } from '../../../src/metrics/scrape.js';
import { ClusterWatcher } from '../../../src/observer/cluster-watcher.js';
import { parseSettingRow, type PgSettingRow } from '../../../src/postgres/settings.js';
import type { PostgresSnapshot } from '../../../src/postgres/snapshots.js';
import { readFixture } from '../../fixtures/patroni/load.js';
import { FakeClock, FakePatroni, FakePostgres } from '../observer/fakes.js';

export const AGENT = { version: '0.1.0', startedAt: Date.parse('2026-11-26T06:00:00.000Z') };

export function hostSnapshot(): HostSnapshot {
  return {
    cpu: {
      secondsByMode: { user: 1234.5, nice: 0, system: 321.25, idle: 98765, iowait: 12, irq: 0, softirq: 3.5, steal: 0 },
      count: 4,
    },
    memory: { totalBytes: 8 * 1024 ** 3, availableBytes: 5 * 1024 ** 3, swapTotalBytes: 1024 ** 3, swapFreeBytes: 512 * 1024 ** 2 },
    disks: [disk('nvme0n1', 100), disk('sda', 7)],
    load: { load1: 0.5, load5: 0.25, load15: 0.125 },
    cgroup: { cpuLimitCores: 2, memoryLimitBytes: null },
  };
}

function disk(device: string, reads: number): HostSnapshot['disks'][number] {
  return {
    device,
    readsCompleted: reads,
    writesCompleted: reads * 2,
    readBytes: reads * 4096,
    writtenBytes: reads * 8192,
    readTimeSeconds: reads / 100,
    writeTimeSeconds: reads / 50,
    ioTimeSeconds: reads / 10,
    ioTimeWeightedSeconds: reads / 5,
    ioInFlight: 1,
  };
}

function settingRow(name: string, setting: string, unit: string | null, vartype: string, extra: Partial<PgSettingRow> = {}): PgSettingRow {
  return {
    name,
    setting,
    unit,
    vartype,
    context: 'user',
    min_val: vartype === 'integer' || vartype === 'real' ? '0' : null,
    max_val: vartype === 'integer' || vartype === 'real' ? '2147483647' : null,
    enumvals: vartype === 'enum' ? ['off', 'pglz', 'lz4', 'zstd'] : null,
    source: 'default',
    sourcefile: null,
    pending_restart: false,
    boot_val: setting,
    reset_val: setting,
    ...extra,
  };
}

export function postgresSnapshot(): PostgresSnapshot {
  const database = (datname: string, xactCommit: number) => ({
    datname,
    numbackends: 3,
    xactCommit,
    xactRollback: 2,
    blksRead: 50,
    blksHit: 950,
    tupReturned: 10,
    tupFetched: 9,
    tupInserted: 8,
    tupUpdated: 7,
    tupDeleted: 6,
    tempFiles: 1,
    tempBytes: 8192,
    deadlocks: 0,
    blkReadTimeSeconds: 0.5,
    blkWriteTimeSeconds: 0.25,
    sessionTimeSeconds: 12,
    activeTimeSeconds: 3,
    idleInTransactionTimeSeconds: 0,
    sessions: 4,
  });
  const standby = (applicationName: string, replayLagBytes: number | null) => ({
    applicationName,
    clientAddr: '127.0.0.1',
    state: 'streaming',
    syncState: 'async',
    replayLagBytes,
    writeLagSeconds: 0.001,
    flushLagSeconds: 0.002,
    replayLagSeconds: 0.003,
  });
  return {
    serverVersionNum: 150004,
    inRecovery: false,
    serverTime: new Date('2026-11-26T06:14:00.000Z'),
    postmasterStartTime: new Date('2025-01-01T00:00:00.000Z'),
    databases: [database('app', 1000), database('postgres', 40)],
    connections: [
      { state: 'active', count: 2 },
      { state: 'idle', count: 5 },
    ],
    checkpoints: { view: 'pg_stat_bgwriter', timed: 5, requested: 1, writeTimeSeconds: 2.5, syncTimeSeconds: 0.125, buffersWritten: 300 },
    replication: { role: 'primary', standbys: [standby('node1', 0), standby('node3', 8192), standby('pg_basebackup', null)] },
    statements: { available: true, statements: 17, calls: 1234, totalExecTimeSeconds: 56.5 },
    settings: [
      settingRow('bgwriter_delay', '200', 'ms', 'integer'),
      settingRow('checkpoint_timeout', '300', 's', 'integer'),
      settingRow('jit', 'on', null, 'bool'),
      settingRow('max_connections', '100', null, 'integer', { context: 'postmaster', pending_restart: true }),
      settingRow('max_parallel_workers', '8', null, 'integer'),
      settingRow('port', '5432', null, 'integer', { context: 'postmaster' }),
      settingRow('random_page_cost', '1.1', null, 'real'),
      settingRow('shared_buffers', '16384', '8kB', 'integer', { context: 'postmaster' }),
      settingRow('wal_compression', 'pglz', null, 'enum', { context: 'superuser' }),
      settingRow('work_mem', '4096', 'kB', 'integer'),
    ].map(parseSettingRow),
  };
}

export interface WatcherRig {
  watcher: ClusterWatcher;
  patroni: FakePatroni;
  postgres: FakePostgres;
  clock: FakeClock;
}

/** A watcher beside node2 of the hand-written 4.1.5 cluster; nothing polled yet. */
export function watcherRig(): WatcherRig {
  const patroni = new FakePatroni(readFixture('4.1.5', 'patroni-primary.json'), readFixture('4.1.5', 'cluster.json'));
  const postgres = new FakePostgres();
  const clock = new FakeClock('2026-11-26T06:14:00.000Z');
  const watcher = new ClusterWatcher({
    patroni,
    postgres,
    patroniUrl: 'http://127.0.0.1:8009',
    pollIntervalMs: 1000,
    now: clock.now,
  });
  return { watcher, patroni, postgres, clock };
}

/** What agent.ts gathers for one scrape, with the host and PostgreSQL parts given. */
export function scrapeOf(
  watcher: ClusterWatcher,
  parts: Partial<Pick<Scrape, 'host' | 'postgres' | 'tuning' | 'failover' | 'failoverReadOk' | 'drift' | 'detectedHalts' | 'approval'>> = {},
): Scrape {
  return {
    host: parts.host ?? { ok: true, value: hostSnapshot() },
    postgres: parts.postgres ?? { ok: true, value: postgresSnapshot() },
    cluster: watcher.latest,
    watcher: watcher.stats,
    agent: AGENT,
    tuning: parts.tuning ?? null,
    failover: parts.failover ?? [],
    failoverReadOk: parts.failoverReadOk ?? true,
    detectedHalts: parts.detectedHalts ?? [],
    approval: parts.approval ?? null,
    drift: parts.drift ?? null,
  };
}
