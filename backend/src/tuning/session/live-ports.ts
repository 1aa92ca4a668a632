/**
 * The session ports on a real cluster: this node's Patroni and PostgreSQL, every member's
 * PostgreSQL for verification, the real clock.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemberDatabases } from '../../cluster/member-databases.js';
import type { PatroniApi } from '../../patroni/client.js';
import { readAutoConfOverrides } from '../../postgres/autoconf.js';
import type { Queryable } from '../../postgres/connection.js';
import { readDatabaseStats } from '../../postgres/database-stats.js';
import { readInRecovery } from '../../postgres/role.js';
import { readServerFacts } from '../../postgres/server-facts.js';
import { parseSettingRow, PG_SETTINGS_COLUMNS, readSettings, type PgSettingRow } from '../../postgres/settings.js';
import { readStatementsAggregate } from '../../postgres/statements.js';
import type { WorkloadSnapshot } from '../objective.js';
import type { Clock, ClusterPort, ConfigPort, LeaderPort, MemberSettings } from './ports.js';

export const realClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/** Parameter names go into ALTER SYSTEM unquoted-safe only when they are plain (dotted) identifiers. */
const PARAMETER_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

export function liveLeaderPort(patroni: PatroniApi, db: Queryable, self: () => string | null): LeaderPort {
  return {
    async checkLeader() {
      const [node, cluster, inRecovery] = await Promise.all([patroni.getNodeStatus(), patroni.getCluster(), readInRecovery(db)]);
      const me = self();
      if (cluster.leader === null) return { leader: false, reason: 'the cluster has no leader' };
      if (me === null || cluster.leader !== me) return { leader: false, reason: `the leader is ${cluster.leader}, not ${me ?? 'this node'}` };
      if (node.role !== 'primary') return { leader: false, reason: `Patroni reports role ${node.role}` };
      if (inRecovery) return { leader: false, reason: 'pg_is_in_recovery() is true' };
      return { leader: true };
    },
    readSettings: () => readSettings(db),
    readAutoconfOverrides: () => readAutoConfOverrides(db),
    async resetAutoconf(names) {
      for (const name of names) {
        if (!PARAMETER_NAME.test(name)) throw new Error(`refusing to reset a parameter with an unusual name: ${JSON.stringify(name)}`);
        await db.query(`ALTER SYSTEM RESET ${name}`);
      }
      await db.query('SELECT pg_reload_conf()');
    },
    async workloadSnapshot(): Promise<WorkloadSnapshot> {
      const facts = await readServerFacts(db);
      const [statements, databases] = await Promise.all([readStatementsAggregate(db, facts), readDatabaseStats(db, facts)]);
      return {
        takenAtMs: facts.serverTime.getTime(),
        statements: statements.available ? { calls: statements.calls, totalExecTimeSeconds: statements.totalExecTimeSeconds } : null,
        transactions: databases.reduce((sum, d) => sum + d.xactCommit + d.xactRollback, 0),
      };
    },
  };
}

export function liveConfigPort(patroni: PatroniApi): ConfigPort {
  return { getConfig: () => patroni.getConfig(), patchConfig: (patch) => patroni.patchConfig(patch) };
}

const MEMBER_SETTINGS_SQL = `SELECT ${PG_SETTINGS_COLUMNS}
  FROM pg_settings
 WHERE name = ANY($1) OR pending_restart`;

/** Reads the named settings, and any waiting for a restart, on every member /cluster lists. */
export function liveClusterPort(patroni: PatroniApi, members: MemberDatabases): ClusterPort {
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
