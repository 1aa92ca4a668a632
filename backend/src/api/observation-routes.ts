/** What this agent observes: its health, its metrics and the cluster as its watcher last saw it. */
import type { FastifyInstance } from 'fastify';
import { redact } from '../config/config.js';
import type { AgentMetrics } from '../metrics/registry.js';
import type { ClusterWatcher } from '../observer/cluster-watcher.js';
import { ApiError } from './errors.js';
import { clusterView, healthView } from './views.js';

export interface ObservationRouteOptions {
  watcher: ClusterWatcher;
  metrics: AgentMetrics;
}

export async function observationRoutes(app: FastifyInstance, { watcher, metrics }: ObservationRouteOptions): Promise<void> {
  app.get('/healthz', async () => healthView(watcher.latest, watcher.stats));

  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });

  app.get('/api/v1/cluster', async () => {
    const observation = watcher.latest;
    if (observation === null) throw new ApiError('not_ready', 'the agent has not polled Patroni yet');
    if (!observation.patroni.ok) {
      throw new ApiError('patroni_unreachable', `this node's Patroni did not answer: ${redact(observation.patroni.message)}`);
    }
    return clusterView(observation, watcher.recentEvents);
  });
}
