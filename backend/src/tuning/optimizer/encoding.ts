/**
 * The map between configurations and points of the model's feature space.
 *
 * - Numeric dimension → one feature. Range values sit in [0, 1] (linear, or logarithmic when
 *   `log`); ints are rounded when decoding. Special values lying outside the range sit outside the
 *   unit interval, SPECIAL_GAP apart: below-range specials (0 = off, -1 = use another setting) at
 *   -0.25, -0.5, … nearest first, above-range specials at 1.25, 1.5, … So "off" is modelled as a
 *   point next to, but distinct from, the smallest range value, which fits knobs such as
 *   effective_io_concurrency = 0 or commit_delay = 0. A special inside the range keeps its natural
 *   position (it is also an ordinary value).
 * - Categorical dimension → one-hot, each coordinate scaled by 1/√2, so any two different choices
 *   are at Euclidean distance 1 (the same as the two ends of a numeric range) and no order is
 *   invented between choices. The kernel gives the dimension a single length scale.
 * - Float values are rounded when decoding (4 significant digits on a log scale, at least 1000
 *   steps over a linear range, LlamaTune-style bucketization) so proposed values are readable and a
 *   configuration read back from PostgreSQL compares equal.
 */
import type { CategoricalDimension, Configuration, ConfigurationValue, Dimension, NumericDimension } from '../../model/configuration-space.js';
import { OptimizerInputError } from './errors.js';

export const SPECIAL_GAP = 0.25;
export const CHOICE_SCALE = Math.SQRT1_2;

export interface FeatureLayout {
  /** Number of features of an encoded configuration. */
  size: number;
  /** For each feature, the index of its dimension (a categorical dimension owns one feature per choice). */
  dimensionOf: readonly number[];
  /** For each dimension, the index of its first feature. */
  offset: readonly number[];
}

export function featureLayout(space: readonly Dimension[]): FeatureLayout {
  const dimensionOf: number[] = [];
  const offset: number[] = [];
  space.forEach((dim, i) => {
    offset.push(dimensionOf.length);
    const width = dim.type === 'categorical' ? dim.choices.length : 1;
    for (let k = 0; k < width; k++) dimensionOf.push(i);
  });
  return { size: dimensionOf.length, dimensionOf, offset };
}

/** The effective range: for ints, the integers inside [low, high]. */
export function rangeOf(dim: NumericDimension): { low: number; high: number } {
  return dim.type === 'int' ? { low: Math.ceil(dim.low), high: Math.floor(dim.high) } : { low: dim.low, high: dim.high };
}

/** Position of a range value in [0, 1]; values outside the range are clamped to the nearest end. */
export function valueToUnit(dim: NumericDimension, value: number): number {
  const { low, high } = rangeOf(dim);
  if (high <= low) return 0;
  const clamped = Math.min(high, Math.max(low, value));
  const u = dim.log ? (Math.log(clamped) - Math.log(low)) / (Math.log(high) - Math.log(low)) : (clamped - low) / (high - low);
  return Math.min(1, Math.max(0, u));
}

/** The range value at position u (clamped into [0, 1]): ints rounded, floats bucketized. */
export function unitToValue(dim: NumericDimension, u: number): number {
  const { low, high } = rangeOf(dim);
  if (high <= low) return low;
  const t = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0));
  const raw = dim.log ? Math.exp(Math.log(low) + t * (Math.log(high) - Math.log(low))) : low + t * (high - low);
  let value: number;
  if (dim.type === 'int') value = Math.round(raw);
  else if (dim.log) value = roundToDecimal(raw, Math.floor(Math.log10(raw)) - 3);
  else value = roundToDecimal(raw, Math.floor(Math.log10((high - low) / 1000)));
  return Math.min(high, Math.max(low, value));
}

/** x rounded to a multiple of 10^exponent, as the double nearest to that decimal. */
function roundToDecimal(x: number, exponent: number): number {
  if (!Number.isFinite(exponent)) return x;
  if (exponent >= 0) {
    const step = 10 ** exponent;
    return Math.round(x / step) * step;
  }
  const inverse = 10 ** -exponent;
  return Math.round(x * inverse) / inverse;
}

interface SpecialLayout {
  /** Specials below the range, nearest first. */
  below: readonly number[];
  /** Specials above the range, nearest first. */
  above: readonly number[];
}

function specialLayout(dim: NumericDimension): SpecialLayout {
  const { low, high } = rangeOf(dim);
  return {
    below: dim.specials.filter((s) => s < low).sort((a, b) => b - a),
    above: dim.specials.filter((s) => s > high).sort((a, b) => a - b),
  };
}

export function isSpecial(dim: NumericDimension, value: number): boolean {
  return dim.specials.includes(value);
}

/** Feature position of a special value (see the module comment). */
export function specialPosition(dim: NumericDimension, value: number): number {
  const { below, above } = specialLayout(dim);
  const b = below.indexOf(value);
  if (b >= 0) return -SPECIAL_GAP * (b + 1);
  const a = above.indexOf(value);
  if (a >= 0) return 1 + SPECIAL_GAP * (a + 1);
  return valueToUnit(dim, value);
}

/** Is the value a range value (integral for ints) or a special? */
export function isValueInSpace(dim: Dimension, value: ConfigurationValue | undefined): boolean {
  if (dim.type === 'categorical') return dim.choices.includes(value as string | boolean);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (isSpecial(dim, value)) return true;
  const { low, high } = rangeOf(dim);
  return value >= low && value <= high && (dim.type !== 'int' || Number.isInteger(value));
}

export function isInSpace(config: Configuration, space: readonly Dimension[]): boolean {
  return space.every((dim) => isValueInSpace(dim, config[dim.name]));
}

function readNumber(config: Configuration, dim: NumericDimension, where: string): number {
  const value = config[dim.name];
  if (value === undefined) throw new OptimizerInputError(`${where}.${dim.name}`, 'missing');
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new OptimizerInputError(`${where}.${dim.name}`, `expected a finite number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readChoice(config: Configuration, dim: CategoricalDimension, where: string): string | boolean {
  const value = config[dim.name];
  if (value === undefined) throw new OptimizerInputError(`${where}.${dim.name}`, 'missing');
  if (typeof value !== 'string' && typeof value !== 'boolean') {
    throw new OptimizerInputError(`${where}.${dim.name}`, `expected a string or boolean, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Features of a configuration. Every dimension needs a value of the right type (else
 * OptimizerInputError); a numeric value outside the range that is not a special is clamped to the
 * range, and an unknown categorical value gets all-zero features (equally far from every choice).
 * Keys that are not dimensions are ignored.
 */
export function encodeConfiguration(
  config: Configuration,
  space: readonly Dimension[],
  layout: FeatureLayout = featureLayout(space),
  where = 'config',
): number[] {
  const out = new Array<number>(layout.size).fill(0);
  space.forEach((dim, i) => {
    const at = layout.offset[i]!;
    if (dim.type === 'categorical') {
      const index = dim.choices.indexOf(readChoice(config, dim, where));
      if (index >= 0) out[at + index] = CHOICE_SCALE;
    } else {
      const value = readNumber(config, dim, where);
      out[at] = isSpecial(dim, value) ? specialPosition(dim, value) : valueToUnit(dim, value);
    }
  });
  return out;
}

/** The configuration nearest to a feature point: the nearest special or range value, the largest one-hot coordinate. */
export function decodePoint(point: readonly number[], space: readonly Dimension[], layout: FeatureLayout = featureLayout(space)): Configuration {
  if (point.length !== layout.size) throw new OptimizerInputError('point', `expected ${layout.size} features, got ${point.length}`);
  const out: Record<string, ConfigurationValue> = {};
  space.forEach((dim, i) => {
    const at = layout.offset[i]!;
    if (dim.type === 'categorical') {
      let best = 0;
      for (let k = 1; k < dim.choices.length; k++) if (point[at + k]! > point[at + best]!) best = k;
      out[dim.name] = dim.choices[best]!;
    } else {
      out[dim.name] = decodeNumeric(dim, point[at]!);
    }
  });
  return out;
}

function decodeNumeric(dim: NumericDimension, p: number): number {
  const { below, above } = specialLayout(dim);
  const clamped = Math.min(1, Math.max(0, p));
  let bestDistance = Math.abs(p - clamped);
  let best: number | null = null;
  for (const s of p < 0 ? below : p > 1 ? above : []) {
    const distance = Math.abs(p - specialPosition(dim, s));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = s;
    }
  }
  return best ?? unitToValue(dim, clamped);
}

/**
 * The configuration inside the space nearest to the given one: specials and range values kept
 * (ints rounded), other numbers clamped to the range. Throws OptimizerInputError for a missing
 * value, a wrong type or an unknown categorical choice. Used for given first candidates.
 */
export function projectConfiguration(config: Configuration, space: readonly Dimension[], where = 'config'): Configuration {
  const out: Record<string, ConfigurationValue> = {};
  for (const dim of space) {
    if (dim.type === 'categorical') {
      const value = readChoice(config, dim, where);
      if (!dim.choices.includes(value)) {
        throw new OptimizerInputError(`${where}.${dim.name}`, `${JSON.stringify(value)} is not one of ${JSON.stringify(dim.choices)}`);
      }
      out[dim.name] = value;
    } else {
      out[dim.name] = projectNumber(dim, readNumber(config, dim, where));
    }
  }
  return out;
}

/** A number moved into the space: specials and range values kept (ints rounded), others clamped. */
export function projectNumber(dim: NumericDimension, value: number): number {
  if (isSpecial(dim, value)) return value;
  const { low, high } = rangeOf(dim);
  const clamped = Math.min(high, Math.max(low, value));
  return dim.type === 'int' ? Math.round(clamped) : clamped;
}

/**
 * A string identifying a configuration over the space's dimensions (in space order; other keys
 * ignored). Numbers compare at 12 significant digits, so float noise does not split repeats.
 */
export function configurationKey(config: Configuration, space: readonly Dimension[]): string {
  const parts: string[] = [];
  for (const dim of space) {
    const value = config[dim.name];
    if (typeof value === 'number') parts.push(Number.isInteger(value) || !Number.isFinite(value) ? String(value + 0) : String(Number(value.toPrecision(12))));
    else parts.push(value === undefined ? 'undefined' : JSON.stringify(value));
  }
  return parts.join('|');
}
