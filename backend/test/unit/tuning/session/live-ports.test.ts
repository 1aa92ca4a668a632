/**
 * The live session ports against recorded Patroni 4.1.5 answers and scripted SQL: the fresh check
 * before a change (pause, held start conditions, pinned timeline), the ALTER SYSTEM RESET that stops
 * at a halt, and every member's host memory read through its PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MemberDatabases } from '../../../../src/members/member-databases.js';
import type { Queryable } from '../../../../src/postgres/connection.js';
import { liveLeaderPort, liveMemberMemory } from '../../../../src/tuning/apply/live-ports.js';
import { workloadDatabases } from '../../../../src/tuning/workload-databases.js';
import { editedCluster, FakePatroni } from '../../observer/fakes.js';
import { GIB } from './fakes.js';
import { recordedJson } from './manager-support.js';

/** Answers each statement with the first matching script entry; records every statement. */
class ScriptedSql implements Queryable {
  readonly statements: string[] = [];
  constructor(readonly answer: (sql: string, params: readonly unknown[]) => object[] | Promise<object[]>) {}

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    this.statements.push(sql);
    return (await this.answer(sql, params)) as Row[];
  }
}

const LEADER_OPTIONS = { createExtension: false, workload: workloadDatabases(null, 'patroni_tuner'), transactionsRun: () => 0 };
const MARK = new Date('2025-01-01T12:00:00Z');

function leaderDb(): ScriptedSql {
  return new ScriptedSql((sql) => {
    if (sql.includes('pg_is_in_recovery')) return [{ in_recovery: false }];
    if (sql.includes('clock_timestamp')) return [{ now: MARK }];
    return [];
  });
}

function primary(cluster: unknown = recordedJson('cluster.json'), node: unknown = recordedJson('patroni-primary.json')) {
  return liveLeaderPort(new FakePatroni(node, cluster), leaderDb(), () => 'node1', LEADER_OPTIONS);
}

describe('liveLeaderPort.checkLeader', () => {
  it('the recorded leader passes and reports its timeline', async () => {
    assert.deepEqual(await primary().checkLeader({ timeline: null }), { leader: true, timeline: 1 });
    assert.deepEqual(await primary().checkLeader(null), { leader: true, timeline: 1 });
  });

  it('a paused cluster is refused, for a session and for a baseline restore alike', async () => {
    const port = primary(recordedJson('cluster-paused.json'), recordedJson('patroni-primary-paused.json'));
    for (const held of [{ timeline: 1 }, null]) {
      assert.deepEqual(await port.checkLeader(held), { leader: false, reason: 'the cluster is paused (maintenance mode)' });
    }
  });

  it('held conditions: a member not running and a timeline other than the pinned one are refused; a restore (null) tolerates both', async () => {
    const stopped = editedCluster(recordedJson('cluster.json'), (c) => {
      c.members.find((m) => m.name === 'node3')!.state = 'stopped';
    });
    assert.deepEqual(await primary(stopped).checkLeader({ timeline: 1 }), { leader: false, reason: 'member node3 is stopped' });
    assert.deepEqual(await primary(stopped).checkLeader(null), { leader: true, timeline: 1 });
    assert.deepEqual(await primary().checkLeader({ timeline: 2 }), { leader: false, reason: 'the timeline changed from 2 to 1' });
  });
});

describe('liveLeaderPort.resetAutoconf and readSettingsLoadedAfter', () => {
  it('resets each name, takes the mark, then reloads; a halt during a reset stops the rest', async () => {
    const db = leaderDb();
    const port = liveLeaderPort(new FakePatroni(recordedJson('patroni-primary.json'), recordedJson('cluster.json')), db, () => 'node1', LEADER_OPTIONS);
    assert.equal((await port.resetAutoconf(['work_mem', 'random_page_cost'], new AbortController().signal)).getTime(), MARK.getTime());
    assert.deepEqual(db.statements.slice(-4), [
      'ALTER SYSTEM RESET work_mem',
      'ALTER SYSTEM RESET random_page_cost',
      'SELECT clock_timestamp() AS now',
      'SELECT pg_reload_conf()',
    ]);

    const halts = new AbortController();
    const halted = new ScriptedSql((sql) => {
      if (sql.startsWith('ALTER SYSTEM')) halts.abort(new Error('topology changed: paused'));
      return [{ now: MARK }];
    });
    const haltedPort = liveLeaderPort(new FakePatroni(recordedJson('patroni-primary.json'), recordedJson('cluster.json')), halted, () => 'node1', LEADER_OPTIONS);
    await assert.rejects(haltedPort.resetAutoconf(['work_mem', 'random_page_cost'], halts.signal), /topology changed: paused/);
    assert.deepEqual(halted.statements, ['ALTER SYSTEM RESET work_mem'], 'no second reset, no reload');
  });

  it('reads settings only from a backend that loaded the configuration after the mark (one statement)', async () => {
    let loaded = false;
    const db = new ScriptedSql((sql, params) => {
      assert.match(sql, /WHERE pg_conf_load_time\(\) > \$1/);
      assert.deepEqual(params, [MARK]);
      return loaded
        ? [{ name: 'work_mem', setting: '4096', unit: 'kB', vartype: 'integer', context: 'user', min_val: '64', max_val: '2147483647', enumvals: null, source: 'default', sourcefile: null, pending_restart: false, boot_val: '4096', reset_val: '4096' }]
        : [];
    });
    const port = liveLeaderPort(new FakePatroni(recordedJson('patroni-primary.json'), recordedJson('cluster.json')), db, () => 'node1', LEADER_OPTIONS);
    assert.equal(await port.readSettingsLoadedAfter(MARK), null);
    loaded = true;
    assert.deepEqual((await port.readSettingsLoadedAfter(MARK))?.map((s) => [s.name, s.setting]), [['work_mem', 4096]]);
  });
});

describe('liveMemberMemory', () => {
  it("MemTotal lowered by the tightest cgroup v2 memory.max above the backend; a member that refuses pg_read_file says why", async () => {
    const meminfo = (gib: number) => `MemTotal:       ${gib * 1024 * 1024} kB\nMemFree: 1 kB\nMemAvailable: 1 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n`;
    const pools = new Map<number, ScriptedSql>([
      [45029, new ScriptedSql((sql) => (sql.includes('/proc/meminfo') ? [{ meminfo: meminfo(16), cgroup: '0::/\n' }] : [{ text: null }]))],
      [
        33067,
        new ScriptedSql((sql, params) => {
          if (sql.includes('/proc/meminfo')) return [{ meminfo: meminfo(16), cgroup: '0::/machine/pg\n' }];
          const limits: Record<string, string | null> = {
            '/sys/fs/cgroup/memory.max': null,
            '/sys/fs/cgroup/machine/memory.max': `${4 * GIB}\n`,
            '/sys/fs/cgroup/machine/pg/memory.max': 'max\n',
          };
          return [{ text: limits[String(params[0])] ?? null }];
        }),
      ],
      [
        42983,
        new ScriptedSql(() => {
          throw new Error('permission denied for function pg_read_file');
        }),
      ],
    ]);
    const members = { pool: ({ port }: { port: number }) => pools.get(port)! } as unknown as MemberDatabases;
    const read = liveMemberMemory(new FakePatroni(recordedJson('patroni-primary.json'), recordedJson('cluster.json')), members);
    assert.deepEqual(await read(), [
      { member: 'node1', ok: true, bytes: 16 * GIB },
      { member: 'node2', ok: true, bytes: 4 * GIB },
      { member: 'node3', ok: false, error: 'permission denied for function pg_read_file' },
    ]);
  });
});
