/**
 * A SessionManager wired to a REAL ClusterWatcher over the watcher fakes (FakePatroni answering the
 * recorded Patroni 4.1.5 lab, FakePostgres for pg_is_in_recovery()), and to session ports built from
 * the runner fakes (FakeCluster, FakeClock, scripted optimizer) over one MemoryStore. One FakeClock
 * times everything: the watcher's polls, the manager's detections, the runner's sleeps and the store.
 * Polls happen only when a test calls `watcher.poll()`; nothing waits on wall-clock time.
 */
import assert from 'node:assert/strict';
import { ClusterWatcher } from '../../../../src/observer/cluster-watcher.js';
import { MemoryStore } from '../../../../src/store/memory-store.js';
import type { SessionRecord } from '../../../../src/model/records.js';
import type { FailoverSettings } from '../../../../src/tuning/failover/index.js';
import { sessionCatalogue } from '../../../../src/tuning/session/catalogue-adapter.js';
import { SessionRequestError } from '../../../../src/tuning/refusal.js';
import { SessionManager } from '../../../../src/tuning/session/manager.js';
import type { StartRequest } from '../../../../src/tuning/session/types.js';
import { BaselineRestorer } from '../../../../src/tuning/apply/baseline-restore.js';
import type { SessionPorts } from '../../../../src/tuning/apply/ports.js';
import { FailoverCoordinator } from '../../../../src/tuning/failover/coordinator.js';
import type { Store } from '../../../../src/store/store.js';
import { readFixture } from '../../../fixtures/patroni/load.js';
import { FakePatroni, FakePostgres } from '../../observer/fakes.js';
import { FakeCluster, FakeClock, HOST_16G, RUNNER_SETTINGS, scriptedOptimizer, SESSION_OPTIONS, type FakeClusterOptions, type OptimizerCall, type ScriptStep } from './fakes.js';

/** The recorded lab's scope (recorded/cluster.json). */
export const SCOPE = 'lab-795904';
/** node1's and node2's REST APIs in the 4.1.5 recording. */
export const NODE1_API = 'http://127.0.0.1:43627';
export const NODE2_API = 'http://127.0.0.1:44755';

/** Short phases, so a whole failover protocol fits in a few fake seconds. */
export const FAILOVER: FailoverSettings = { stabilisationMs: 2_000, graceMs: 3_000, restoreBackoffMs: { initial: 500, max: 2_000 }, restoreMaxAttempts: 10 };
/** Never reached by the fake clock unless a test drives node's mocked timers. */
export const COMMAND_POLL_MS = 60_000;

/** Two iterations of 2 s warm-up + 10 s measurement: work_mem 8MB (10 ms), then 16MB + rpc 1.1 (6 ms, the best). */
export const REQUEST: StartRequest = { iterations: 2, iterationSeconds: 10, warmupSeconds: 2, seed: 7 };
export const SCRIPT: readonly ScriptStep[] = [{ changes: { work_mem: 8192 } }, { changes: { work_mem: 16_384, random_page_cost: 1.1 } }];

/** A recorded 4.1.5 Patroni answer. */
export function recordedJson(file: string): unknown {
  return readFixture('4.1.5', `recorded/${file}`);
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  detail: Record<string, unknown>;
  message: string;
}

export interface ManagerHarness {
  clock: FakeClock;
  store: MemoryStore;
  /** Patroni's DCS and the members' pg_settings, as the session ports see them; records every PATCH. */
  cluster: FakeCluster;
  /** What the watcher's Patroni answers. */
  patroni: FakePatroni;
  postgres: FakePostgres;
  watcher: ClusterWatcher;
  manager: SessionManager;
  logs: LogLine[];
  optimizerCalls: OptimizerCall[];
  /** One poll at the current fake time, then a macrotask turn so the coordinator's tick it started ends. */
  poll(): Promise<void>;
}

export interface ManagerHarnessOptions {
  /** The member the agent runs beside: node1 leads in the recording, node2 is a replica. */
  self?: 'node1' | 'node2';
  /** Whether the harness polls once before handing over (so the manager knows the topology). */
  poll?: boolean;
  script?: readonly ScriptStep[];
  /** The session ports' cluster (e.g. postgresql.auto.conf overrides on the leader). */
  cluster?: FakeClusterOptions;
  /** Another harness's clock, store and cluster: the same node after its agent restarted. */
  restartOf?: Pick<ManagerHarness, 'clock' | 'store' | 'cluster'>;
}

export async function managerHarness(options: ManagerHarnessOptions = {}): Promise<ManagerHarness> {
  const self = options.self ?? 'node1';
  const clock = options.restartOf?.clock ?? new FakeClock();
  const store = options.restartOf?.store ?? new MemoryStore({ clock: () => new Date(clock.now()) });
  const cluster = options.restartOf?.cluster ?? new FakeCluster(clock, options.cluster);
  const leads = self === 'node1';
  const patroni = new FakePatroni(recordedJson(leads ? 'patroni-primary.json' : 'patroni-replica.json'), recordedJson('cluster.json'));
  // A replica's agent asks the leader's own REST API (its api_url in /cluster).
  patroni.others.set(`${NODE1_API}/patroni`, recordedJson('patroni-primary.json'));
  const postgres = new FakePostgres();
  postgres.inRecovery = !leads;
  const now = () => clock.now();
  const watcher = new ClusterWatcher({ patroni, postgres, patroniUrl: leads ? NODE1_API : NODE2_API, pollIntervalMs: 1_000, now });
  const scripted = scriptedOptimizer(options.script ?? SCRIPT);
  const logs: LogLine[] = [];
  const log = (level: LogLine['level']) => (detail: Record<string, unknown>, message: string) => void logs.push({ level, detail, message });
  const createPorts = async (portsStore: Store): Promise<SessionPorts> => ({
    clock,
    store: portsStore,
    leader: cluster,
    config: cluster,
    cluster,
    optimizer: scripted.optimizer,
    catalogue: (settings, knobs) => sessionCatalogue(settings, HOST_16G, knobs, null),
    hostMemoryBytes: HOST_16G.memoryBytes,
    memberMemory: () => cluster.readMemberMemory(),
    member: self,
  });
  const agentLog = { info: log('info'), warn: log('warn'), error: log('error') };
  // As tuning-wiring.ts builds it: the coordinator restores through BaselineRestorer over the same ports.
  const restorer = async () =>
    new BaselineRestorer({ ...(await createPorts(store)), verifyTimeoutMs: RUNNER_SETTINGS.verifyTimeoutMs, verifyPollMs: RUNNER_SETTINGS.verifyPollMs });
  const manager = new SessionManager({
    watcher,
    store,
    prepareStore: async () => {},
    createPorts,
    runnerSettings: RUNNER_SETTINGS,
    log: agentLog,
    commandPollMs: COMMAND_POLL_MS,
    failover: (localRuns) =>
      new FailoverCoordinator({
        store,
        prepareStore: async () => {},
        restoreBaseline: async (sessionId, members, signal) => (await restorer()).restore(sessionId, members, signal),
        verifiedMembers: async (sessionId, members) => (await restorer()).verifiedMembers(sessionId, members),
        localRuns,
        now,
        monotonic: () => clock.monotonic(),
        settings: FAILOVER,
        reverifyIntervalMs: 10_000,
        log: agentLog,
      }),
    now,
  });
  const poll = async () => {
    await watcher.poll();
    await turn();
  };
  if (options.poll ?? true) await poll();
  return { clock, store, cluster, patroni, postgres, watcher, manager, logs, optimizerCalls: scripted.calls, poll };
}

/** One macrotask turn: every fake and the MemoryStore settle on microtasks, so all pending work ends. */
export function turn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Checks `condition` between macrotask turns, a bounded number of times (never on wall-clock time). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await condition()) return;
    await turn();
  }
  assert.fail(`never happened: ${what}`);
}

export interface Hold {
  /** Resolves when the runner reached the held point. */
  reached: Promise<void>;
  release(): void;
}

/**
 * Holds the runner inside its `count`th workload snapshot until released, so a poll, a stop or a close
 * lands while it runs. Snapshots 1–2 frame the baseline window; 3 ends iteration 1's warm-up, after
 * its PATCH, right before its measurement sleep.
 */
export function holdAtSnapshot(cluster: FakeCluster, count: number): Hold {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  cluster.onSnapshot = async (n) => {
    if (n !== count) return;
    reach();
    await released;
  };
  return { reached, release };
}

/** Holds every call of the FakeCluster's `method` (before it does anything) until released. */
export function holdCalls(cluster: FakeCluster, method: 'readAutoconfOverrides' | 'readSettings' | 'getConfig'): Hold {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const original = cluster[method].bind(cluster) as () => Promise<never>;
  // An own property shadows the class method for this instance only.
  Object.assign(cluster, {
    [method]: async () => {
      reach();
      await released;
      return original();
    },
  });
  return { reached, release };
}

/** Asserts `work` rejects with a SessionRequestError of this code; returns it for more checks. */
export async function refused(work: Promise<unknown>, code: string): Promise<SessionRequestError> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof SessionRequestError, `expected a SessionRequestError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  return assert.fail(`expected ${code}, but it succeeded`);
}

/** A session of the recorded scope put straight into the store, then moved to `state`. */
export async function storedSession(store: MemoryStore, id: string, state: SessionRecord['state'], reason: string | null = null): Promise<SessionRecord> {
  await store.createSession({ id, scope: SCOPE, options: SESSION_OPTIONS, executor: 'node1' });
  return store.updateSession(id, { state, reason });
}
