/**
 * random_page_cost searched as a ratio to seq_page_cost. The planner compares the two, so what
 * matters is their ratio: the corner an expert reaches first on cached or solid-state data
 * (random_page_cost ≈ seq_page_cost) is a thin diagonal in the two independent knobs, where a
 * space-filling design rarely lands, and a whole edge (ratio 1) of the ratio dimension.
 */
import type { Configuration, Dimension, NumericDimension } from '../../model/configuration-space.js';

export const COST_RATIO = 'random_page_cost:seq_page_cost';

export interface SpaceTransform {
  /** The space the optimizer searches. */
  space: Dimension[];
  /** A configuration of knobs into the searched space. */
  toSearch(config: Configuration): Configuration;
  /** A searched configuration back into knobs (the catalogue's repair keeps them in range). */
  fromSearch(config: Configuration): Configuration;
}

const numeric = (space: readonly Dimension[], name: string): NumericDimension | null => {
  const dimension = space.find((d) => d.name === name);
  return dimension !== undefined && dimension.type !== 'categorical' ? dimension : null;
};

/** The ratio transform when a session tunes both costs; null otherwise (nothing to pair). */
export function costRatioTransform(space: readonly Dimension[]): SpaceTransform | null {
  const random = numeric(space, 'random_page_cost');
  const sequential = numeric(space, 'seq_page_cost');
  if (random === null || sequential === null) return null;
  // Never below 1 (random reads cost at least what sequential ones do); up to the widest ratio the two ranges allow.
  const ratio: NumericDimension = { name: COST_RATIO, type: 'float', low: 1, high: Math.max(1, random.high / sequential.low), log: true, specials: [] };
  return {
    space: space.map((d) => (d.name === 'random_page_cost' ? ratio : d)),
    toSearch(config) {
      const { random_page_cost: randomCost, ...rest } = config;
      const value = Number(randomCost) / Number(config['seq_page_cost']);
      return { ...rest, [COST_RATIO]: Math.min(ratio.high, Math.max(ratio.low, value)) };
    },
    fromSearch(config) {
      const { [COST_RATIO]: value, ...rest } = config;
      // The product may leave random_page_cost's own range (a low seq_page_cost times a ratio near 1).
      const cost = Number(value) * Number(config['seq_page_cost']);
      return { ...rest, random_page_cost: Math.min(random.high, Math.max(random.low, cost)) };
    },
  };
}
