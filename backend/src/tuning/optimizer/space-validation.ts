/**
 * Checks a search space before anything is mapped to the unit cube. The knob catalogue builds the
 * space; a bad one is a programming error there, so the messages name the dimension and values.
 */
import type { Dimension } from '../../model/configuration-space.js';
import { SearchSpaceError } from './errors.js';

export function validateSpace(space: readonly Dimension[]): void {
  if (!Array.isArray(space) || space.length === 0) throw new SearchSpaceError(null, 'has no dimensions');
  const names = new Set<string>();
  for (const dim of space) {
    if (typeof dim.name !== 'string' || dim.name === '') throw new SearchSpaceError(null, `a dimension has no name (${JSON.stringify(dim)})`);
    if (names.has(dim.name)) throw new SearchSpaceError(dim.name, 'appears twice');
    names.add(dim.name);
    if (dim.type === 'categorical') {
      validateCategorical(dim.name, dim.choices);
    } else if (dim.type === 'int' || dim.type === 'float') {
      validateNumeric(dim.name, dim.type, dim.low, dim.high, dim.log, dim.specials);
    } else {
      throw new SearchSpaceError((dim as { name: string }).name, `unknown type ${JSON.stringify((dim as { type: unknown }).type)}`);
    }
  }
}

function validateCategorical(name: string, choices: readonly (string | boolean)[]): void {
  if (!Array.isArray(choices) || choices.length === 0) throw new SearchSpaceError(name, 'categorical dimension has no choices');
  const seen = new Set<string>();
  for (const choice of choices) {
    if (typeof choice !== 'string' && typeof choice !== 'boolean') {
      throw new SearchSpaceError(name, `choice ${JSON.stringify(choice)} is neither a string nor a boolean`);
    }
    const key = JSON.stringify(choice);
    if (seen.has(key)) throw new SearchSpaceError(name, `choice ${key} appears twice`);
    seen.add(key);
  }
}

function validateNumeric(
  name: string,
  type: 'int' | 'float',
  low: number,
  high: number,
  log: boolean,
  specials: readonly number[],
): void {
  if (typeof low !== 'number' || !Number.isFinite(low)) throw new SearchSpaceError(name, `low = ${String(low)} is not a finite number`);
  if (typeof high !== 'number' || !Number.isFinite(high)) throw new SearchSpaceError(name, `high = ${String(high)} is not a finite number`);
  if (low > high) throw new SearchSpaceError(name, `low = ${low} > high = ${high}`);
  if (typeof log !== 'boolean') throw new SearchSpaceError(name, `log = ${String(log)} is not a boolean`);
  if (log && low <= 0) throw new SearchSpaceError(name, `log scale needs low > 0, got low = ${low}`);
  if (type === 'int' && Math.ceil(low) > Math.floor(high)) {
    throw new SearchSpaceError(name, `integer dimension has no integer in [${low}, ${high}]`);
  }
  if (!Array.isArray(specials)) throw new SearchSpaceError(name, 'specials is not an array');
  const seen = new Set<number>();
  for (const value of specials) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new SearchSpaceError(name, `special value ${String(value)} is not a finite number`);
    if (type === 'int' && !Number.isInteger(value)) throw new SearchSpaceError(name, `special value ${value} of an integer dimension is not an integer`);
    if (seen.has(value)) throw new SearchSpaceError(name, `special value ${value} appears twice`);
    seen.add(value);
  }
}
