/** What this agent observes: its health, its metrics and the cluster as its watcher last saw it. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { redact } from '../config/config.js';
import { ClusterView, HealthView } from '../contract/observation.js';
import type { AgentMetrics } from '../metrics/registry.js';
import type { ClusterWatcher } from '../observer/cluster-watcher.js';
import { ApiError, ERROR_RESPONSES } from './errors.js';
import { clusterView, healthView } from './views.js';

export interface ObservationRouteOptions {
  watcher: ClusterWatcher;
  metrics: AgentMetrics;
}


export const observationRoutes: FastifyPluginAsyncTypebox<ObservationRouteOptions> = async (app, { watcher, metrics }) => {
  const tags = ['observation'];
  app.get(
    '/healthz',
    { schema: { tags, summary: "Liveness with detail: 200 while the agent runs; Patroni or PostgreSQL down is 'degraded'", response: { 200: HealthView, ...ERROR_RESPONSES } } },
    async () => healthView(watcher.latest, watcher.stats),
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags,
        summary: 'Prometheus text format',
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus exposition format 0.0.4' }), ...ERROR_RESPONSES },
      },
    },
    async (_request, reply) => {
      const text = await metrics.render();
      return reply.type(metrics.contentType).send(text);
    },
  );

  app.get(
    '/api/v1/cluster',
    { schema: { tags, summary: 'The normalised topology as this agent sees it', response: { 200: ClusterView, ...ERROR_RESPONSES } } },
    async () => {
      const observation = watcher.latest;
      if (observation === null) throw new ApiError('not_ready', 'the agent has not polled Patroni yet');
      if (!observation.patroni.ok) {
        throw new ApiError('patroni_unreachable', `this node's Patroni did not answer: ${redact(observation.patroni.message)}`);
      }
      return clusterView(observation, watcher.recentEvents);
    },
  );
};
