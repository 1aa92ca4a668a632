/**
 * The tuning half of an agent: state database, session manager and service, knob catalogue view,
 * all on this node's Patroni and PostgreSQL. Kept apart from agent.ts so observation stays small.
 */
import type { KnobRouteOptions } from './api/knob-routes.js';
import type { RecommendationRouteOptions } from './api/recommendation-routes.js';
import type { SessionRouteOptions } from './api/session-routes.js';
import { MemberDatabases } from './members/member-databases.js';
import type { AgentConfig } from './config/config.js';
import { DriftChecker } from './drift/drift-checker.js';
import { readHostSnapshot } from './host/snapshot.js';
import { detectStorage } from './host/storage.js';
import { inferStorage, type StorageInference } from './host/storage-inference.js';
import { readBlockReadCounters } from './postgres/database-stats.js';
import { DEFAULT_STATE_DATABASE } from './store/database.js';
import { workloadDatabases } from './tuning/workload-databases.js';
import type { ClusterWatcher } from './observer/cluster-watcher.js';
import { observedScope } from './observer/observation.js';
import type { PatroniApi } from './patroni/client.js';
import { readAutoConfOverrides } from './postgres/autoconf.js';
import type { PostgresPool } from './postgres/connection.js';
import { readSettings } from './postgres/settings.js';
import { StoreCopies } from './store/store-copies.js';
import type { Store } from './store/store.js';
import { DEFAULT_FAILOVER_SETTINGS } from './tuning/failover/index.js';
import { recommend } from './tuning/recommendation.js';
import { buildKnobCatalogue, hostFactsFrom, type HostFacts } from './tuning/knobs/index.js';
import { sessionCatalogue } from './tuning/session/catalogue-adapter.js';
import { liveMembersPort, liveConfigPort, liveLeaderPort, liveMemberMemory, readWorkloadSignals, realClock } from './tuning/apply/live-ports.js';
import { BaselineRestorer } from './tuning/apply/baseline-restore.js';
import type { SessionPorts } from './tuning/apply/ports.js';
import { FailoverCoordinator } from './tuning/failover/coordinator.js';
import { SessionManager } from './tuning/session/manager.js';
import type { RunnerSettings } from './tuning/session/runner.js';
import { gpOptimizer } from './tuning/session/optimizer-port.js';
import { SessionService } from './tuning/session/service.js';
import { Periodic } from './util/periodic.js';
import type { Log } from './util/log.js';

export interface Tuning {
  manager: SessionManager;
  drift: DriftChecker;
  /** Starts the command loop and the drift checks. */
  start(): void;
  routes: SessionRouteOptions & KnobRouteOptions & RecommendationRouteOptions;
  close(): Promise<void>;
}

export function createTuning(
  config: AgentConfig,
  deps: { patroni: PatroniApi; postgres: PostgresPool; watcher: ClusterWatcher; log: Log },
): Tuning {
  const { patroni, postgres, watcher, log } = deps;
  const members = new MemberDatabases(config.databaseUrl);
  const state = new StoreCopies({
    databaseUrl: config.databaseUrl,
    stateDatabaseUrl: config.stateDatabaseUrl,
    admin: postgres,
    members,
  });
  // Unreadable counters (PostgreSQL down) leave the choice to the setting and the device.
  const storage = async (): Promise<StorageInference> =>
    inferStorage({ setting: config.tuning.storage, device: await detectStorage(), reads: await readBlockReadCounters(postgres).catch(() => null) });
  const hostAssessment = async (): Promise<{ facts: HostFacts; storage: StorageInference }> => {
    const inference = await storage();
    return { facts: hostFactsFrom(await readHostSnapshot(), inference.kind), storage: inference };
  };
  const self = () => watcher.latest?.self ?? null;
  const workload = workloadDatabases(config.tuning.workloadDatabases, config.stateDatabaseUrl === null ? DEFAULT_STATE_DATABASE : null);
  const leaderPort = liveLeaderPort(patroni, postgres, self, {
    createExtension: config.tuning.createExtension,
    workload,
    transactionsRun: () => postgres.transactionsRun,
  });

  const createPorts = async (store: Store): Promise<SessionPorts> => {
    const { facts: host, storage: inference } = await hostAssessment();
    log.info({ storage: inference }, 'storage class for the session');
    // Priors are a head start, not a requirement: unreadable counters leave PGTune's candidate alone.
    const signals = await readWorkloadSignals(postgres, workload).catch((error: unknown) => {
      log.warn({ err: error }, 'workload signals unreadable: no search priors');
      return null;
    });
    return {
      clock: realClock,
      store,
      leader: leaderPort,
      config: liveConfigPort(patroni),
      cluster: liveMembersPort(patroni, members),
      optimizer: gpOptimizer,
      catalogue: (settings, knobs) => sessionCatalogue(settings, host, knobs, signals),
      hostMemoryBytes: host.memoryBytes,
      memberMemory: liveMemberMemory(patroni, members),
      member: self() ?? 'unknown',
    };
  };
  const runnerSettings: RunnerSettings = {
    guardrails: {
      memoryThreshold: config.tuning.memoryThreshold,
      regressionThreshold: config.tuning.regressionThreshold,
      nodesPerConnection: 2,
    },
    verifyTimeoutMs: config.tuning.verifyTimeoutMs,
    verifyPollMs: 500,
    improvementMargin: 0.05,
  };
  // Built fresh per restore, like a session's ports: the host and the members may have changed.
  const restorer = async () =>
    new BaselineRestorer({ ...(await createPorts(state.local)), verifyTimeoutMs: runnerSettings.verifyTimeoutMs, verifyPollMs: runnerSettings.verifyPollMs });

  const manager = new SessionManager({
    watcher,
    store: state.local,
    prepareStore: () => state.prepare(),
    createPorts,
    runnerSettings,
    log,
    commandPollMs: config.pollIntervalMs,
    failover: (localRuns) =>
      new FailoverCoordinator({
        store: state.local,
        prepareStore: () => state.prepare(),
        restoreBaseline: async (sessionId, knownMembers, signal) => (await restorer()).restore(sessionId, knownMembers, signal),
        verifiedMembers: async (sessionId, knownMembers) => (await restorer()).verifiedMembers(sessionId, knownMembers),
        localRuns,
        now: Date.now,
        monotonic: () => performance.now(),
        settings: { ...DEFAULT_FAILOVER_SETTINGS, stabilisationMs: config.stabilisationMs, graceMs: config.failoverGraceMs, restoreMaxAttempts: config.restoreMaxAttempts },
        reverifyIntervalMs: config.driftIntervalMs,
        log,
      }),
  });

  const catalogue = async () => {
    const { facts, storage: inference } = await hostAssessment();
    return { ...buildKnobCatalogue(await readSettings(postgres), facts), storageInference: inference };
  };

  const drift = new DriftChecker(
    {
      now: Date.now,
      readSettings: () => readSettings(postgres),
      readOverrides: () => readAutoConfOverrides(postgres),
      dcsParameters: async () => (await patroni.getConfig()).postgresql?.parameters ?? {},
      tunerValues: () => state.local.listPatchedValues(observedScope(watcher.latest) ?? 'unknown'),
      // Not a session: nothing halts a drift check's reset.
      resetOverrides: async (names) => {
        await leaderPort.resetAutoconf(names, new AbortController().signal);
      },
      reloadPostgres: async () => {
        await postgres.query('SELECT pg_reload_conf()');
      },
      // Events go to the leader's copy of the store, the only one that can be written.
      recordEvent: async (event) => {
        await (await writableStore()).appendEvent({ sessionId: null, ...event });
      },
    },
    { member: self, removeOverrides: config.drift.removeOverrides },
  );
  const writableStore = async () => {
    if (manager.isLeader()) {
      await state.prepare();
      return state.local;
    }
    const observation = watcher.latest;
    const writable = state.writableStore(observation?.patroni.ok ? observation.patroni.value.topology : null);
    if (writable === null) throw new Error('the cluster has no leader to record the drift event');
    return writable.store;
  };
  const driftLoop = new Periodic(config.driftIntervalMs, () => drift.check(), (error) => log.warn({ err: error }, 'drift check failed'));

  const sessions = new SessionService(manager, watcher, state, { commandTtlMs: config.commandTtlMs });
  return {
    manager,
    drift,
    start() {
      manager.startCommandLoop();
      driftLoop.start();
    },
    routes: {
      sessions,
      recommendation: () =>
        recommend({
          catalogue,
          sessions: () => sessions.list(),
          history: async (sessionId) => {
            const { iterations, baseline } = await sessions.get(sessionId);
            return { iterations, baseline };
          },
          scope: () => observedScope(watcher.latest) ?? 'unknown',
        }),
      drift: () => drift.latest,
      detectedHalt: (session) => manager.detectedHalt(session),
      apiToken: config.apiToken,
      knobNames: async () => {
        const { tunable, excluded } = await catalogue();
        return {
          tunable: new Set(tunable.map((k) => k.name)),
          excluded: new Map(excluded.map((e) => [e.name, `${e.reason}: ${e.detail}`])),
        };
      },
      knobs: catalogue,
    },
    async close() {
      await driftLoop.stop();
      await manager.close();
      await state.close();
      await members.closeAll();
    },
  };
}
