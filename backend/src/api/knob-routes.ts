/** The knobs as this node sees them: the catalogue, and how this node's values drift from the DCS. */
import type { FastifyInstance } from 'fastify';
import type { DriftReport } from '../drift/drift-checker.js';
import { ApiError } from './errors.js';

export interface KnobsView {
  /** Tunable knobs: range, unit, current value, source. */
  tunable: unknown[];
  /** Every other parameter, with the reason it is not tuned. */
  excluded: Array<{ name: string; reason: string; detail: string }>;
}

export interface KnobRouteOptions {
  /** The catalogue built from this node's pg_settings and host. */
  knobs: () => Promise<KnobsView>;
  /** This node's last drift check, or null before the first. */
  drift: () => DriftReport | null;
}

export async function knobRoutes(app: FastifyInstance, { knobs, drift }: KnobRouteOptions): Promise<void> {
  app.get('/api/v1/knobs', async () => knobs());

  app.get('/api/v1/drift', async () => {
    const report = drift();
    if (report === null) throw new ApiError('not_ready', 'no drift check has run yet on this node');
    return { drift: report };
  });
}
