/**
 * SessionService over fake copies of the store: reads that survive the loss of this node's
 * PostgreSQL (issue 8 item 13), and forwarded commands scoped to the cluster with an expiry (item 7).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemberDatabases } from '../../../../src/members/member-databases.js';
import { ClusterWatcher } from '../../../../src/observer/cluster-watcher.js';
import { PostgresQueryError, PostgresUnreachableError } from '../../../../src/postgres/errors.js';
import { StoreCopies, type StoreCopyLookup, type StoreSource } from '../../../../src/store/store-copies.js';
import { MemoryStore } from '../../../../src/store/memory-store.js';
import type { Store } from '../../../../src/store/store.js';
import type { Topology } from '../../../../src/topology/model.js';
import { SessionRequestError } from '../../../../src/tuning/refusal.js';
import { SessionService } from '../../../../src/tuning/session/service.js';
import { FakePatroni, FakePostgres } from '../../observer/fakes.js';
import { NODE2_API, recordedJson, SCOPE } from './manager-support.js';

const NOW = Date.parse('2026-12-04T18:00:00.000Z');
const TTL_MS = 60_000;

/** A copy of the store whose PostgreSQL does not answer (or answers every statement with `error`). */
function brokenStore(error: Error = new PostgresUnreachableError('PostgreSQL unreachable: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:33067')): Store {
  return new Proxy({} as Store, {
    get: () => async () => {
      throw error;
    },
  });
}

/** The agent beside node2, a replica in the recorded lab, after one poll. */
async function replicaWatcher(): Promise<ClusterWatcher> {
  const patroni = new FakePatroni(recordedJson('patroni-replica.json'), recordedJson('cluster.json'));
  const postgres = new FakePostgres();
  postgres.inRecovery = true;
  const watcher = new ClusterWatcher({ patroni, postgres, patroniUrl: NODE2_API, pollIntervalMs: 1_000, now: () => NOW });
  await watcher.poll();
  assert.equal(watcher.latest?.self, 'node2');
  return watcher;
}

const notLeader = {
  isLeader: () => false,
  start: () => Promise.reject(new Error('not the leader')),
  stop: () => Promise.reject(new Error('not the leader')),
  acknowledge: () => Promise.reject(new Error('not the leader')),
  decide: () => Promise.reject(new Error('not the leader')),
};

async function service(sources: StoreSource[], leaderStore: Store = new MemoryStore()) {
  const state: StoreCopyLookup = {
    readSources: () => sources,
    writableStore: (topology) => (topology?.leader ? { leader: topology.leader, store: leaderStore } : null),
  };
  return new SessionService(notLeader, await replicaWatcher(), state, { commandTtlMs: TTL_MS, now: () => NOW });
}

async function refusal(promise: Promise<unknown>): Promise<SessionRequestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SessionRequestError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

/** node1's copy of the store, with one finished session of the recorded cluster. */
async function leaderCopy(): Promise<MemoryStore> {
  const store = new MemoryStore({ clock: () => new Date(NOW) });
  await store.createSession({ id: 's-1', scope: SCOPE, executor: 'node1', options: { iterations: 3, iterationSeconds: 5, warmupSeconds: 1, objective: 'mean_query_time', knobs: [], seed: 1 } });
  await store.updateSession('s-1', { state: 'completed', endedAt: new Date(NOW) });
  return store;
}

describe('SessionService reads when this node’s PostgreSQL is down', () => {
  it("reads the session list and a session from another member's replicated copy", async () => {
    const copy = await leaderCopy();
    const sessions = await service([
      { name: "this node's copy (node2)", store: brokenStore() },
      { name: "node1's copy (127.0.0.1:45029)", store: copy },
    ]);
    assert.deepEqual((await sessions.list()).map((s) => s.id), ['s-1']);
    const detail = await sessions.get('s-1');
    assert.equal(detail.session.state, 'completed');
    assert.deepEqual([detail.iterations, detail.events, detail.failover], [[], [], null]);
    assert.equal((await refusal(sessions.get('s-404'))).code, 'session_not_found');
  });

  it('answers 503 state_unavailable naming every copy it tried when none answers', async () => {
    const sessions = await service([
      { name: "this node's copy (node2)", store: brokenStore() },
      { name: "node1's copy (127.0.0.1:45029)", store: brokenStore(new PostgresUnreachableError('PostgreSQL unreachable: connection timeout')) },
    ]);
    for (const read of [sessions.list(), sessions.get('s-1'), sessions.command('c-1')]) {
      const error = await refusal(read);
      assert.equal(error.code, 'state_unavailable');
      assert.match(error.message, /this node's copy \(node2\): PostgreSQL unreachable: ECONNREFUSED/);
      assert.match(error.message, /node1's copy \(127\.0\.0\.1:45029\): PostgreSQL unreachable: connection timeout/);
    }
  });

  it('reads a missing state database as no sessions, and does not hide a failing statement behind another copy', async () => {
    const missing = new PostgresUnreachableError('PostgreSQL error 3D000: database "patroni_tuner" does not exist', { sqlState: '3D000' });
    const copy = await leaderCopy();
    assert.deepEqual(await (await service([{ name: 'local', store: brokenStore(missing) }, { name: 'node1', store: copy }])).list(), []);
    const broken = new PostgresQueryError('PostgreSQL error 42703: column "x" does not exist', { sqlState: '42703' });
    await assert.rejects((await service([{ name: 'local', store: brokenStore(broken) }, { name: 'node1', store: copy }])).list(), (error) => error === broken);
  });
});

describe('SessionService forwarding', () => {
  it("records the command in the leader's store under this cluster's scope, expiring after TUNER_COMMAND_TTL", async () => {
    const leaderStore = new MemoryStore();
    const sessions = await service([{ name: 'local', store: leaderStore }], leaderStore);
    const outcome = await sessions.start({ iterations: 3 });
    assert.equal(outcome.executed, false);
    assert.ok(!outcome.executed);
    assert.equal(outcome.leader, 'node1');
    assert.equal(outcome.command.scope, SCOPE);
    assert.deepEqual([outcome.command.createdAt, outcome.command.expiresAt], [new Date(NOW), new Date(NOW + TTL_MS)]);
    assert.deepEqual((await leaderStore.pendingCommands(SCOPE, new Date(NOW))).map((c) => c.id), [outcome.command.id]);
  });

  it("forwards approve and reject, with who decided, the adjusted values and the reason, as commands for the leader's agent", async () => {
    const leaderStore = new MemoryStore();
    const sessions = await service([{ name: 'local', store: leaderStore }], leaderStore);
    const approved = await sessions.decide('s1', { approve: true, by: 'alice', changes: { work_mem: 16384 } });
    const rejected = await sessions.decide('s1', { approve: false, by: 'bob', reason: 'too early' });
    assert.ok(!approved.executed && !rejected.executed);
    assert.deepEqual([approved.command.kind, approved.command.sessionId, approved.command.payload], ['approve', 's1', { by: 'alice', changes: { work_mem: 16384 } }]);
    assert.deepEqual([rejected.command.kind, rejected.command.payload], ['reject', { by: 'bob', reason: 'too early' }]);
  });

  it('answers 404 no_pending_change when the session awaits no decision', async () => {
    const store = new MemoryStore();
    const sessions = await service([{ name: 'local', store }], store);
    const error = await refusal(sessions.pendingChange('s1'));
    assert.equal(error.code, 'no_pending_change');
  });

  it('shows a command still pending past its expiry as rejected with command_expired', async () => {
    const store = new MemoryStore();
    const command = await store.insertCommand({
      id: 'c-1',
      kind: 'start',
      scope: SCOPE,
      sessionId: null,
      payload: {},
      receivedBy: 'node2',
      createdAt: new Date(NOW - 2 * TTL_MS),
      expiresAt: new Date(NOW - TTL_MS),
    });
    const shown = await (await service([{ name: 'local', store }])).command('c-1');
    assert.equal(shown.status, 'rejected');
    assert.equal((shown.result?.error as { code?: string } | undefined)?.code, 'command_expired');
    assert.deepEqual(shown.expiresAt, command.expiresAt);
    assert.equal((await store.getCommand('c-1'))?.status, 'pending', 'a read writes nothing');
  });
});

describe('StoreCopies.readSources', () => {
  const members = new MemberDatabases('postgres://tuner:secret@127.0.0.1:5432/postgres');
  const databases: StoreCopies[] = [];
  const stateDatabase = (stateDatabaseUrl: string | null) => {
    const state = new StoreCopies({ databaseUrl: 'postgres://tuner:secret@127.0.0.1:5432/postgres', stateDatabaseUrl, admin: { query: async () => [] }, members });
    databases.push(state);
    return state;
  };
  after(async () => {
    for (const state of databases) await state.close();
    await members.closeAll();
  });

  it("reads this node's copy first, then the leader's, then the other members', at their /cluster addresses", async () => {
    const topology = (await replicaWatcher()).latest!;
    assert.ok(topology.patroni.ok);
    const names = (t: Topology, self: string | null) => stateDatabase(null).readSources(t, self).map((source) => source.name);
    const recorded = topology.patroni.value.topology;
    assert.deepEqual(names(recorded, 'node2'), ["this node's copy (node2)", "node1's copy (127.0.0.1:45029)", "node3's copy (127.0.0.1:42983)"]);
    assert.deepEqual(names({ ...recorded, leader: 'node3' }, 'node1'), ["this node's copy (node1)", "node3's copy (127.0.0.1:42983)", "node2's copy (127.0.0.1:33067)"]);
    const noAddress = { ...recorded, members: recorded.members.map((m) => (m.name === 'node3' ? { ...m, host: null } : m)) };
    assert.deepEqual(names(noAddress, 'node2'), ["this node's copy (node2)", "node1's copy (127.0.0.1:45029)"]);
    assert.deepEqual(stateDatabase(null).readSources(null, null).map((source) => source.name), ["this node's copy"]);
    assert.deepEqual(stateDatabase('postgres://state@db/tuner').readSources(recorded, 'node2').map((source) => source.name), ['the external state database']);
  });
});
