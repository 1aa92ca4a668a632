/**
 * Turning randomness into configurations of the space: uniform samples, designs given as unit
 * coordinates (one per dimension), and local perturbations of a configuration. Special values are
 * proposed with a fixed bias (LlamaTune: 20 % per dimension) instead of as points of the range.
 */
import type { Configuration, ConfigurationValue, Dimension, NumericDimension } from '../../model/configuration-space.js';
import { isSpecial, rangeOf, specialPosition, unitToValue, valueToUnit } from './encoding.js';
import type { Prng } from './prng.js';

/** LlamaTune's special-value bias (bias_prob_sv = 0.2). */
export const SPECIAL_PROBABILITY = 0.2;

/**
 * A configuration from one unit coordinate per dimension: numeric dimensions take the range value
 * at u (or, with probability `specialProbability`, one of their specials, picked by `rng`);
 * categorical ones take choice ⌊u·k⌋.
 */
export function configurationFromUnit(
  space: readonly Dimension[],
  unit: readonly number[],
  rng: Prng,
  specialProbability = SPECIAL_PROBABILITY,
): Configuration {
  const out: Record<string, ConfigurationValue> = {};
  space.forEach((dim, i) => {
    const u = unit[i] ?? 0.5;
    if (dim.type === 'categorical') {
      out[dim.name] = dim.choices[Math.min(dim.choices.length - 1, Math.floor(u * dim.choices.length))]!;
    } else if (dim.specials.length > 0 && rng.next() < specialProbability) {
      out[dim.name] = dim.specials[rng.int(dim.specials.length)]!;
    } else {
      out[dim.name] = unitToValue(dim, u);
    }
  });
  return out;
}

/** A uniform random configuration (with the special-value bias). */
export function sampleConfiguration(space: readonly Dimension[], rng: Prng, specialProbability = SPECIAL_PROBABILITY): Configuration {
  return configurationFromUnit(
    space,
    space.map(() => rng.next()),
    rng,
    specialProbability,
  );
}

/**
 * A neighbour of `config`. Each dimension moves with probability min(1, 4/d) (at least one
 * moves): a numeric range value by a normal step of `sigma` in unit coordinates (reflected at the
 * ends), or with probability `specialProbability` to a special; a special value to another special
 * or to the range next to it; a categorical value to another choice. Dimensions that do not move
 * keep their value, moved into the space if it was outside.
 */
export function perturbConfiguration(
  config: Configuration,
  space: readonly Dimension[],
  rng: Prng,
  sigma: number,
  specialProbability = SPECIAL_PROBABILITY / 2,
): Configuration {
  const d = space.length;
  const moveProbability = Math.min(1, 4 / d);
  const moves = space.map(() => rng.next() < moveProbability);
  if (!moves.includes(true)) moves[rng.int(d)] = true;
  const out: Record<string, ConfigurationValue> = {};
  space.forEach((dim, i) => {
    const current = config[dim.name];
    if (dim.type === 'categorical') {
      let index = dim.choices.indexOf(current as string | boolean);
      if (index < 0) index = rng.int(dim.choices.length);
      else if (moves[i] && dim.choices.length > 1) index = (index + 1 + rng.int(dim.choices.length - 1)) % dim.choices.length;
      out[dim.name] = dim.choices[index]!;
      return;
    }
    const value = typeof current === 'number' && Number.isFinite(current) ? current : unitToValue(dim, 0.5);
    out[dim.name] = moves[i] ? moveNumber(dim, value, rng, sigma, specialProbability) : keepNumber(dim, value);
  });
  return out;
}

function keepNumber(dim: NumericDimension, value: number): number {
  if (isSpecial(dim, value)) return value;
  const { low, high } = rangeOf(dim);
  if (value >= low && value <= high && (dim.type === 'float' || Number.isInteger(value))) return value;
  return unitToValue(dim, valueToUnit(dim, value));
}

function moveNumber(dim: NumericDimension, value: number, rng: Prng, sigma: number, specialProbability: number): number {
  const specials = dim.specials;
  if (isSpecial(dim, value)) {
    if (specials.length > 1 && rng.next() < 0.5) {
      const others = specials.filter((s) => s !== value);
      return others[rng.int(others.length)]!;
    }
    const p = specialPosition(dim, value);
    const step = Math.abs(rng.normal()) * sigma;
    return unitToValue(dim, p < 0 ? step : p > 1 ? 1 - step : reflect(p + rng.normal() * sigma));
  }
  if (specials.length > 0 && rng.next() < specialProbability) return specials[rng.int(specials.length)]!;
  return unitToValue(dim, reflect(valueToUnit(dim, value) + rng.normal() * sigma));
}

/** Folds a coordinate back into [0, 1] at the ends. */
function reflect(u: number): number {
  let x = u;
  if (x < 0) x = -x;
  if (x > 1) x = 2 - x;
  return Math.min(1, Math.max(0, x));
}
