import type { FastifyInstance } from 'fastify';

export interface KnobsView {
  /** Tunable knobs: range, unit, current value, source. */
  tunable: unknown[];
  /** Every other parameter, with the reason it is not tuned. */
  excluded: Array<{ name: string; reason: string; detail: string }>;
}

export interface KnobRouteOptions {
  /** The catalogue built from this node's pg_settings and host. */
  knobs: () => Promise<KnobsView>;
}

export async function knobRoutes(app: FastifyInstance, { knobs }: KnobRouteOptions): Promise<void> {
  app.get('/api/v1/knobs', async () => knobs());
}
