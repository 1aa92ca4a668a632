/**
 * The space-filling initial design as configurations: a seeded maximin Latin hypercube over the
 * dimensions (categorical dimensions take choice ⌊u·k⌋, so choices are balanced), with the
 * special-value bias applied per numeric dimension, and duplicates (possible in small discrete
 * spaces) dropped. It depends only on the seed, the space and the size, so successive calls agree.
 */
import type { Configuration, Dimension } from '../../model/configuration-space.js';
import { configurationKey } from './encoding.js';
import { latinHypercube } from './latin-hypercube.js';
import { createPrng, deriveSeed } from './prng.js';
import { configurationFromUnit } from './sampling.js';

const DESIGN_SALT = 0x1d5;

export function initialDesign(space: readonly Dimension[], size: number, seed: number, specialProbability: number): Configuration[] {
  const rng = createPrng(deriveSeed(seed, DESIGN_SALT));
  const unit = latinHypercube(size, space.length, rng);
  const seen = new Set<string>();
  const out: Configuration[] = [];
  for (const row of unit) {
    const config = configurationFromUnit(space, row, rng, specialProbability);
    const key = configurationKey(config, space);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(config);
  }
  return out;
}
