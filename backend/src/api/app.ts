/**
 * The agent's HTTP API. `buildApp` returns an un-listened fastify instance, so tests drive it with
 * `inject` and main.ts only calls `listen`.
 */
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import { redact } from '../config/config.js';
import type { AgentMetrics } from '../metrics/registry.js';
import type { ClusterWatcher } from '../observer/cluster-watcher.js';
import { SessionRequestError } from '../tuning/session/errors.js';
import { approvalRoutes } from './approval-routes.js';
import { ApiError, errorBody } from './errors.js';
import { knobRoutes, type KnobRouteOptions } from './knob-routes.js';
import { recommendationRoutes, type RecommendationRouteOptions } from './recommendation-routes.js';
import { sessionRoutes, type SessionRouteOptions } from './session-routes.js';
import { formatValidationErrors } from './validation.js';
import { clusterView, healthView } from './views.js';

export interface AppDependencies {
  watcher: ClusterWatcher;
  metrics: AgentMetrics;
  /** The tuning API; absent in an agent built for observation only (and in tests of it). */
  tuning?: SessionRouteOptions & KnobRouteOptions & Partial<RecommendationRouteOptions>;
  logger?: FastifyServerOptions['logger'];
}

export function buildApp({ watcher, metrics, tuning, logger = false }: AppDependencies): FastifyInstance {
  // Prometheus scrapes every few seconds: request lines would drown the lifecycle logs.
  const app = Fastify({
    logger,
    logController: new LogController({ disableRequestLogging: true }),
    // A URL that cannot be decoded is refused before routing, where setErrorHandler does not see it:
    // answer it with the API's error body too, not fastify's own shape.
    frameworkErrors: (error, _request, reply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 400;
      (reply as FastifyReply).status(status).send(errorBody(error.code, error.message));
    },
    // A request body must be exactly right: unknown fields and wrong types are errors, never
    // silently dropped or coerced (fastify's defaults do both).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    schemaErrorFormatter: formatValidationErrors,
  });

  app.setErrorHandler<FastifyError | ApiError | SessionRequestError>((error, request, reply) => {
    if (error instanceof ApiError) return reply.status(error.statusCode).send(errorBody(error.code, error.message));
    if (error instanceof SessionRequestError) {
      return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
    }
    if (error.validation) return reply.status(400).send(errorBody('invalid_request', error.message));
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const code = status >= 500 ? 'internal_error' : (error.code ?? 'bad_request');
    return reply.status(status).send(errorBody(code, status >= 500 ? 'internal error' : error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url}`)),
  );

  app.get('/healthz', async () => healthView(watcher.latest, watcher.stats));

  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });

  app.get('/api/v1/cluster', async () => {
    const observation = watcher.latest;
    if (observation === null) throw new ApiError(503, 'not_ready', 'the agent has not polled Patroni yet');
    if (!observation.patroni.ok) {
      throw new ApiError(503, 'patroni_unreachable', `this node's Patroni did not answer: ${redact(observation.patroni.message)}`);
    }
    return clusterView(observation, watcher.recentEvents);
  });

  if (tuning) {
    void app.register(sessionRoutes, tuning);
    void app.register(knobRoutes, tuning);
    void app.register(approvalRoutes, tuning);
    if (tuning.recommendation) void app.register(recommendationRoutes, { recommendation: tuning.recommendation });
  }

  return app;
}
