/**
 * The session ports on a real cluster: this node's Patroni and PostgreSQL, every member's
 * PostgreSQL for verification, the real clock.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemberDatabases } from '../../members/member-databases.js';
import type { PatroniApi } from '../../patroni/client.js';
import { parseMemoryMax, parseProcSelfCgroup } from '../../host/cgroup.js';
import { parseMeminfo } from '../../host/memory.js';
import { readAutoConfOverrides } from '../../postgres/autoconf.js';
import type { Queryable } from '../../postgres/connection.js';
import { readDatabaseStats } from '../../postgres/database-stats.js';
import { readInRecovery } from '../../postgres/role.js';
import { readServerFacts } from '../../postgres/server-facts.js';
import { parseSettingRow, PG_SETTINGS_COLUMNS, readSettings, SETTINGS_SQL, type PgSettingRow } from '../../postgres/settings.js';
import { readStatementsStatus } from '../../postgres/statements-status.js';
import { readJitByDatabase, readStatementsByQuery, type StatementTotals } from '../../postgres/statements.js';
import { readBufferWrites } from '../../postgres/buffer-writes.js';
import type { WorkloadSnapshot } from '../objective.js';
import type { WorkloadDatabases } from '../workload-databases.js';
import type { WorkloadSignals } from '../knobs/priors.js';
import { readCheckpointStats } from '../../postgres/checkpoints.js';
import type { Clock, MembersPort, ConfigPort, LeaderPort, MemberMemory, MemberSettings } from './ports.js';
import { startBlockers } from './preconditions.js';

export const realClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/** Parameter names go into ALTER SYSTEM unquoted-safe only when they are plain (dotted) identifiers. */
const PARAMETER_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

export function liveLeaderPort(
  patroni: PatroniApi,
  db: Queryable,
  self: () => string | null,
  options: {
    createExtension: boolean;
    /** Databases the fallback objective counts. */
    workload: WorkloadDatabases;
    /** Transactions `db` has run (PostgresPool.transactionsRun): the agent's own are not the workload. */
    transactionsRun: () => number;
  },
): LeaderPort {
  let ownDatabase: string | null = null;
  return {
    async checkLeader(held) {
      const [node, cluster, inRecovery] = await Promise.all([patroni.getNodeStatus(), patroni.getCluster(), readInRecovery(db)]);
      const me = self();
      if (cluster.leader === null) return { leader: false, reason: 'the cluster has no leader' };
      if (me === null || cluster.leader !== me) return { leader: false, reason: `the leader is ${cluster.leader}, not ${me ?? 'this node'}` };
      if (node.role !== 'primary') return { leader: false, reason: `Patroni reports role ${node.role}` };
      if (inRecovery) return { leader: false, reason: 'pg_is_in_recovery() is true' };
      if (node.paused || cluster.paused) return { leader: false, reason: 'the cluster is paused (maintenance mode)' };
      if (held !== null) {
        const blockers = startBlockers(cluster);
        if (blockers.length > 0) return { leader: false, reason: blockers.join('; ') };
        if (held.timeline !== null && node.timeline !== held.timeline) {
          return { leader: false, reason: `the timeline changed from ${held.timeline} to ${node.timeline ?? 'unknown'}` };
        }
      }
      return { leader: true, timeline: node.timeline };
    },
    readSettings: () => readSettings(db),
    async readSettingsLoadedAfter(mark) {
      // One statement: the rows come from the very backend whose load time is compared.
      const rows = await db.query<PgSettingRow>(`SELECT * FROM (${SETTINGS_SQL}) s WHERE pg_conf_load_time() > $1`, [mark]);
      return rows.length === 0 ? null : rows.map(parseSettingRow);
    },
    readAutoconfOverrides: () => readAutoConfOverrides(db),
    async resetAutoconf(names, signal) {
      for (const name of names) {
        if (!PARAMETER_NAME.test(name)) throw new Error(`refusing to reset a parameter with an unusual name: ${JSON.stringify(name)}`);
      }
      for (const name of names) {
        signal.throwIfAborted();
        await db.query(`ALTER SYSTEM RESET ${name}`);
      }
      // Taken after the file was rewritten: any backend that loads the configuration later sees the reset.
      const [row] = await db.query<{ now: Date }>('SELECT clock_timestamp() AS now');
      if (row === undefined) throw new Error('clock_timestamp() returned no row');
      signal.throwIfAborted();
      await db.query('SELECT pg_reload_conf()');
      return row.now;
    },
    statementsStatus: (signal) => readStatementsStatus(db, options, signal),
    transactionsCounted: options.workload.description,
    async workloadSnapshot(): Promise<WorkloadSnapshot> {
      const facts = await readServerFacts(db);
      const statements = await readStatementsByQuery(db, facts);
      ownDatabase ??= await readCurrentDatabase(db);
      // Counted before the statistics are read, so the count includes nothing they cannot show yet.
      const own = options.workload.includes(ownDatabase) ? options.transactionsRun() : 0;
      const databases = await readDatabaseStats(db, facts);
      const counted = databases.filter((d) => options.workload.includes(d.datname));
      return {
        takenAtMs: facts.serverTime.getTime(),
        statements: statements.available ? statementsSnapshot(statements.byQuery) : null,
        transactions: counted.reduce((sum, d) => sum + d.xactCommit + d.xactRollback, 0) - own,
      };
    },
  };
}

async function readCurrentDatabase(db: Queryable): Promise<string> {
  const [row] = await db.query<{ database: string }>('SELECT current_database() AS database');
  if (row === undefined) throw new Error('current_database() returned no row');
  return row.database;
}

/** The workload's counters at a session's start, for the search priors (tuning/knobs/priors.ts). */
export async function readWorkloadSignals(db: Queryable, workload: WorkloadDatabases): Promise<WorkloadSignals> {
  const facts = await readServerFacts(db);
  const [databases, checkpoints, jit, bufferWrites] = await Promise.all([
    readDatabaseStats(db, facts),
    readCheckpointStats(db, facts),
    readJitByDatabase(db, facts),
    readBufferWrites(db, facts),
  ]);
  const counted = databases.filter((d) => workload.includes(d.datname));
  const jitCounted = jit.available ? jit.byDatabase.filter((d) => workload.includes(d.database)) : null;
  const sum = (field: 'blksHit' | 'blksRead' | 'tempFiles' | 'tempBytes') => counted.reduce((total, d) => total + d[field], 0);
  return {
    blocksHit: sum('blksHit'),
    blocksRead: sum('blksRead'),
    tempFiles: sum('tempFiles'),
    tempBytes: sum('tempBytes'),
    checkpointsTimed: checkpoints.timed,
    checkpointsRequested: checkpoints.requested,
    jit: jitCounted && {
      jitMs: jitCounted.reduce((total, d) => total + d.jitMs, 0),
      execMs: jitCounted.reduce((total, d) => total + d.execMs, 0),
    },
    bufferWrites,
  };
}

/** The workload-wide totals are the per-statement ones summed. */
function statementsSnapshot(byQuery: ReadonlyMap<string, StatementTotals>): NonNullable<WorkloadSnapshot['statements']> {
  let calls = 0;
  let execMs = 0;
  for (const totals of byQuery.values()) {
    calls += totals.calls;
    execMs += totals.execMs;
  }
  return { calls, totalExecTimeSeconds: execMs / 1000, byQuery };
}

export function liveConfigPort(patroni: PatroniApi): ConfigPort {
  return { getConfig: () => patroni.getConfig(), patchConfig: (patch) => patroni.patchConfig(patch) };
}

const MEMBER_SETTINGS_SQL = `SELECT ${PG_SETTINGS_COLUMNS}
  FROM pg_settings
 WHERE name = ANY($1) OR pending_restart`;

/** Reads the named settings, and any waiting for a restart, on every member /cluster lists. */
export function liveMembersPort(patroni: PatroniApi, members: MemberDatabases): MembersPort {
  return {
    async readMemberSettings(names): Promise<MemberSettings[]> {
      const topology = await patroni.getCluster();
      return Promise.all(
        topology.members.map(async (member): Promise<MemberSettings> => {
          if (member.host === null || member.port === null) return { member: member.name, ok: false, error: 'no address in /cluster' };
          try {
            const rows = await members.pool({ host: member.host, port: member.port }).query<PgSettingRow>(MEMBER_SETTINGS_SQL, [names]);
            return { member: member.name, ok: true, settings: rows.map(parseSettingRow) };
          } catch (error) {
            return { member: member.name, ok: false, error: error instanceof Error ? error.message : String(error) };
          }
        }),
      );
    },
  };
}

/** /proc/meminfo and this backend's cgroup, read by PostgreSQL (superuser or pg_read_server_files). */
const MEMORY_FILES_SQL = `SELECT pg_read_file('/proc/meminfo') AS meminfo, pg_read_file('/proc/self/cgroup', 0, 4096, true) AS cgroup`;
const MEMORY_MAX_SQL = `SELECT pg_read_file($1, 0, 64, true) AS text`;

/**
 * Every member's host memory as its PostgreSQL sees it: MemTotal, lowered by the tightest cgroup v2
 * memory.max above the backend. Read through SQL because configuration is cluster-wide and each
 * member may be a different host, and PostgreSQL is the one channel to every member the agent has.
 */
export function liveMemberMemory(patroni: PatroniApi, members: MemberDatabases): () => Promise<MemberMemory[]> {
  return async () => {
    const topology = await patroni.getCluster();
    return Promise.all(
      topology.members.map(async (member): Promise<MemberMemory> => {
        if (member.host === null || member.port === null) return { member: member.name, ok: false, error: 'no address in /cluster' };
        try {
          const pool = members.pool({ host: member.host, port: member.port });
          const [files] = await pool.query<{ meminfo: string; cgroup: string | null }>(MEMORY_FILES_SQL);
          if (files === undefined) throw new Error('pg_read_file returned no row');
          let bytes = parseMeminfo(files.meminfo).totalBytes;
          const v2Path = files.cgroup === null ? null : parseProcSelfCgroup(files.cgroup).v2Path;
          for (const level of v2Path === null ? [] : cgroupLevels(v2Path)) {
            const [limit] = await pool.query<{ text: string | null }>(MEMORY_MAX_SQL, [`/sys/fs/cgroup${level}/memory.max`]);
            const max = limit?.text == null || limit.text === '' ? null : parseMemoryMax(limit.text);
            if (max !== null) bytes = Math.min(bytes, max);
          }
          return { member: member.name, ok: true, bytes };
        } catch (error) {
          return { member: member.name, ok: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  };
}

/** `/a/b` → `/`, `/a`, `/a/b`: a limit on any ancestor applies too. */
function cgroupLevels(v2Path: string): string[] {
  const parts = v2Path.split('/').filter((p) => p !== '');
  return ['', ...parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`)];
}
