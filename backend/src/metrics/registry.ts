import { collectDefaultMetrics, Registry } from 'prom-client';
import { agentFamilies } from './agent-metrics.js';
import { failoverFamilies } from './failover-metrics.js';
import { SnapshotFamily } from './family.js';
import { hostFamilies } from './host-metrics.js';
import { patroniFamilies } from './patroni-metrics.js';
import { postgresFamilies } from './postgres-metrics.js';
import type { Scrape } from './scrape.js';
import { tuningFamilies } from './tuning-metrics.js';

export const ALL_FAMILIES = [...agentFamilies, ...hostFamilies, ...postgresFamilies, ...patroniFamilies, ...tuningFamilies, ...failoverFamilies];

/**
 * The agent's own registry: process metrics plus the snapshot families. A scrape gathers one
 * Scrape and renders every family from it; scrapes that arrive while one is being gathered share
 * its result instead of querying PostgreSQL again.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly #takeScrape: () => Promise<Scrape>;
  #current: Scrape | null = null;
  #inFlight: Promise<string> | null = null;

  constructor(takeScrape: () => Promise<Scrape>) {
    this.#takeScrape = takeScrape;
    collectDefaultMetrics({ register: this.registry });
    const current = () => {
      if (this.#current === null) throw new Error('metrics rendered outside a scrape');
      return this.#current;
    };
    for (const spec of ALL_FAMILIES) this.registry.registerMetric(new SnapshotFamily(spec, current) as never);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    this.#inFlight ??= this.#render().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #render(): Promise<string> {
    this.#current = await this.#takeScrape();
    return this.registry.metrics();
  }
}
