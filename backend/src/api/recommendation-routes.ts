/** Recommendations without applying anything: PGTune's advice and the best configuration measured (read-only). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RecommendationView } from '../contract/approval.js';
import type { Recommendation, RecommendationView as Advice } from '../tuning/recommendation.js';
import { ERROR_RESPONSES } from './errors.js';

export interface RecommendationRouteOptions {
  recommendation: () => Promise<Advice>;
}

const wire = (recommendation: Recommendation) => ({
  ...recommendation,
  patch: { postgresql: { parameters: recommendation.patch.postgresql?.parameters ?? {} } },
});

export const recommendationRoutes: FastifyPluginAsyncTypebox<RecommendationRouteOptions> = async (app, { recommendation }) => {
  app.get(
    '/api/v1/recommendation',
    {
      schema: {
        tags: ['knobs'],
        summary: "PGTune's reload-only advice and the best configuration measured, as patronictl and PATCH /config; applies nothing",
        response: { 200: RecommendationView, ...ERROR_RESPONSES },
      },
    },
    async () => {
      const advice = await recommendation();
      return { pgtune: wire(advice.pgtune), bestMeasured: advice.bestMeasured === null ? null : wire(advice.bestMeasured) };
    },
  );
};
