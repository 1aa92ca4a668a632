/**
 * The agent's HTTP API. `buildApp` returns an un-listened fastify instance, so tests drive it with
 * `inject` and main.ts only calls `listen`.
 */
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { AgentMetrics } from '../metrics/registry.js';
import type { ClusterWatcher } from '../observer/cluster-watcher.js';
import { approvalRoutes } from './approval-routes.js';
import { acceptJsonBodiesOnly } from './body-parsers.js';
import { errorAnswer } from './error-answers.js';
import { statusOf } from './error-catalogue.js';
import { errorBody } from './errors.js';
import { knobRoutes, type KnobRouteOptions } from './knob-routes.js';
import { recommendationRoutes, type RecommendationRouteOptions } from './recommendation-routes.js';
import { sessionRoutes, type SessionRouteOptions } from './session-routes.js';
import { observationRoutes } from './observation-routes.js';
import { openapiOptions, openapiRoute } from './openapi.js';
import { formatValidationErrors } from './validation.js';

export interface AppDependencies {
  watcher: ClusterWatcher;
  metrics: AgentMetrics;
  /** The tuning API; absent in an agent built for observation only (and in tests of it). */
  tuning?: SessionRouteOptions & KnobRouteOptions & Partial<RecommendationRouteOptions>;
  logger?: FastifyServerOptions['logger'];
  /** The agent's version, for the OpenAPI description. */
  version?: string;
}

export function buildApp({ watcher, metrics, tuning, logger = false, version = 'unknown' }: AppDependencies): FastifyInstance {
  // Prometheus scrapes every few seconds: request lines would drown the lifecycle logs.
  const app = Fastify({
    logger,
    logController: new LogController({ disableRequestLogging: true }),
    // A URL that cannot be decoded is refused before routing, where setErrorHandler does not see it.
    frameworkErrors: (error, request, reply) => answerError(error, request, reply as FastifyReply),
    // A request body must be exactly right: unknown fields and wrong types are errors, never
    // silently dropped or coerced (fastify's defaults do both).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    schemaErrorFormatter: formatValidationErrors,
  });

  app.setErrorHandler((error, request, reply) => answerError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const body = errorBody('route_not_found', `no route ${request.method} ${request.url}`);
    return reply.status(statusOf('route_not_found')).send(body);
  });
  acceptJsonBodiesOnly(app);

  void app.register(swagger, openapiOptions(version));
  void app.register(observationRoutes, { watcher, metrics });
  void app.register(openapiRoute);
  if (tuning) {
    void app.register(sessionRoutes, tuning);
    void app.register(knobRoutes, tuning);
    void app.register(approvalRoutes, tuning);
    if (tuning.recommendation) void app.register(recommendationRoutes, { recommendation: tuning.recommendation });
  }

  return app;
}

/** Every error, the API's or fastify's, answered with the catalogue's code and status; an unexpected one is logged, never shown. */
function answerError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { answer, unexpected } = errorAnswer(error);
  if (unexpected) request.log.error({ err: error }, 'request failed');
  return reply.status(statusOf(answer.code)).send(errorBody(answer.code, answer.message, answer.details));
}
