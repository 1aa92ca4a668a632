/** Recommendations without applying anything: PGTune's advice and the best configuration measured (read-only). */
import type { FastifyInstance } from 'fastify';
import type { RecommendationView } from '../tuning/recommendation.js';

export interface RecommendationRouteOptions {
  recommendation: () => Promise<RecommendationView>;
}

export async function recommendationRoutes(app: FastifyInstance, { recommendation }: RecommendationRouteOptions): Promise<void> {
  app.get('/api/v1/recommendation', async () => recommendation());
}
