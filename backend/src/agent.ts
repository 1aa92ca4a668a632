/**
 * Wires one agent from a validated configuration: the Patroni client, the PostgreSQL pool, the
 * topology watcher, the metrics and the HTTP API. `start` listens; `stop` releases everything.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from './api/app.js';
import type { AgentConfig } from './config/config.js';
import { readHostSnapshot } from './host/snapshot.js';
import { AgentMetrics } from './metrics/registry.js';
import { ClusterWatcher } from './observer/cluster-watcher.js';
import { LeaderConnection } from './observer/leader-connection.js';
import { probe } from './observer/probe.js';
import { PatroniClient } from './patroni/client.js';
import { PostgresPool } from './postgres/connection.js';
import { readPostgresSnapshot } from './postgres/snapshots.js';
import { createTuning } from './tuning-wiring.js';

export const AGENT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface Agent {
  app: FastifyInstance;
  watcher: ClusterWatcher;
  /** Listens on the configured address; returns the address it got. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

export function createAgent(config: AgentConfig, logger: FastifyServerOptions['logger'] = false): Agent {
  const { patroni: p } = config;
  const patroni = new PatroniClient({
    baseUrl: p.url,
    ...(p.username !== null && p.password !== null ? { auth: { username: p.username, password: p.password } } : {}),
    tls: {
      ...(p.ca !== null ? { ca: p.ca } : {}),
      ...(p.cert !== null && p.key !== null ? { cert: p.cert, key: p.key } : {}),
    },
    timeoutMs: p.requestTimeoutMs,
  });
  let app: FastifyInstance | null = null;
  const postgres = new PostgresPool({
    connectionString: config.databaseUrl,
    onIdleConnectionError: (error) => app?.log.warn({ err: error }, 'PostgreSQL connection dropped'),
  });
  // The leader's PostgreSQL gone (a held connection lost) is polled at once: a halt waits for no interval.
  const leaderConnection = new LeaderConnection({
    ownDatabaseUrl: config.databaseUrl,
    onLost: (lost) => {
      app?.log.warn(lost, "lost the connection to the leader's PostgreSQL; polling now");
      watcher.observeLost(lost);
    },
  });
  const watcher = new ClusterWatcher({
    patroni,
    postgres,
    patroniUrl: p.url,
    memberName: config.memberName,
    pollIntervalMs: config.pollIntervalMs,
    leaderPostgresLost: () => leaderConnection.lost,
  });
  watcher.onPoll((observation) => leaderConnection.observe(observation));
  const startedAt = Date.now();
  const metrics = new AgentMetrics(async () => {
    const [host, pgSnapshot, halted, detectedHalts] = await Promise.all([
      probe(readHostSnapshot()),
      probe(readPostgresSnapshot(postgres)),
      probe(tuning.manager.haltedSessions()),
      tuning.manager.detectedHalts(),
    ]);
    const pending = tuning.manager.pendingChange;
    return {
      host,
      postgres: pgSnapshot,
      cluster: watcher.latest,
      watcher: watcher.stats,
      agent: { version: AGENT_VERSION, startedAt },
      tuning: tuning.manager.progress,
      failover: halted.ok ? halted.value : [],
      failoverReadOk: halted.ok,
      detectedHalts,
      approval:
        pending === null ? null : { sessionId: pending.sessionId, pendingChangeId: pending.id, waitedSeconds: Math.max(0, (Date.now() - pending.createdAt.getTime()) / 1000) },
      drift: { report: tuning.drift.latest, correctionsTotal: tuning.drift.correctionsTotal },
    };
  });
  const tuning = createTuning(config, {
    patroni,
    postgres,
    watcher,
    // The app's logger does not exist yet; sessions only log once the agent runs.
    log: {
      info: (detail, message) => app?.log.info(detail, message),
      warn: (detail, message) => app?.log.warn(detail, message),
      error: (detail, message) => app?.log.error(detail, message),
    },
  });
  app = buildApp({ watcher, metrics, tuning: tuning.routes, logger });
  const log = app.log;
  watcher.onTopologyEvents((events, observation) => {
    for (const event of events) log.info({ event, member: observation.self }, `topology: ${event.type}`);
  });

  return {
    app,
    watcher,
    async start() {
      watcher.start();
      tuning.start();
      return app.listen({ host: config.listen.host, port: config.listen.port });
    },
    async stop() {
      await app.close();
      await tuning.close();
      await leaderConnection.close();
      await watcher.stop();
      await Promise.allSettled([postgres.close(), patroni.close()]);
    },
  };
}
