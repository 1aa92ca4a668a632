/** The knobs as this node sees them: the catalogue, and how this node's values drift from the DCS. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DriftView, KnobsView } from '../contract/knobs.js';
import type { DriftReport } from '../drift/report.js';
import type { StorageInference } from '../host/storage-inference.js';
import type { KnobCatalogue } from '../tuning/knobs/index.js';
import { ApiError, ERROR_RESPONSES } from './errors.js';
import { knobsView } from './views.js';

export interface KnobRouteOptions {
  /** The catalogue built from this node's pg_settings and host, with how its storage class was found. */
  knobs: () => Promise<KnobCatalogue & { storageInference: StorageInference }>;
  /** This node's last drift check, or null before the first. */
  drift: () => DriftReport | null;
}


export const knobRoutes: FastifyPluginAsyncTypebox<KnobRouteOptions> = async (app, { knobs, drift }) => {
  const tags = ['knobs'];
  app.get('/api/v1/knobs', { schema: { tags, summary: 'Tunable knobs and every excluded parameter with its reason', response: { 200: KnobsView, ...ERROR_RESPONSES } } }, async () =>
    knobsView(await knobs()),
  );

  app.get('/api/v1/drift', { schema: { tags, summary: "This node's last drift check", response: { 200: DriftView, ...ERROR_RESPONSES } } }, async () => {
    const report = drift();
    if (report === null) throw new ApiError('not_ready', 'no drift check has run yet on this node');
    return { drift: { ...report, at: new Date(report.at).toISOString() } };
  });
};
