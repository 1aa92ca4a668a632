/**
 * PostgreSQL setting units (pg_settings.unit: `8kB`, `kB`, `MB`, `B`, `ms`, `s`, `min` …) mapped onto
 * base units: bytes for memory, seconds for time, as Prometheus wants them.
 */

export type BaseUnit = 'bytes' | 'seconds';

export interface UnitScale {
  baseUnit: BaseUnit;
  /** How many base units one setting unit is: `8kB` → 8192 bytes, `min` → 60 seconds. */
  factor: number;
}

/**
 * PostgreSQL's units (guc.c's tables), largest first within each kind; memory units are powers of 1024.
 * The one table: parsing (drift), formatting (knobs) and base-unit conversion (metrics) all read it.
 */
const UNITS: readonly (readonly [name: string, baseUnit: BaseUnit, factor: number])[] = [
  ['TB', 'bytes', 1024 ** 4],
  ['GB', 'bytes', 1024 ** 3],
  ['MB', 'bytes', 1024 ** 2],
  ['kB', 'bytes', 1024],
  ['B', 'bytes', 1],
  ['d', 'seconds', 86400],
  ['h', 'seconds', 3600],
  ['min', 'seconds', 60],
  ['s', 'seconds', 1],
  ['ms', 'seconds', 1e-3],
  ['us', 'seconds', 1e-6],
];

const UNIT_FACTORS: ReadonlyMap<string, UnitScale> = new Map(UNITS.map(([name, baseUnit, factor]) => [name, { baseUnit, factor }]));

/** Memory units, largest first, with their size in bytes. */
export const MEMORY_UNITS: readonly (readonly [name: string, bytes: number])[] = UNITS.filter(([, base]) => base === 'bytes').map(
  ([name, , factor]) => [name, factor] as const,
);

/** Time units, largest first, with their length in microseconds (whole numbers, so exact). */
export const TIME_UNITS: readonly (readonly [name: string, microseconds: number])[] = UNITS.filter(([, base]) => base === 'seconds').map(
  ([name, , factor]) => [name, Math.round(factor * 1_000_000)] as const,
);

/** A unit may carry a multiplier: `8kB` is a block, `16MB` a WAL segment on old servers. */
const UNIT_PATTERN = /^(\d+)?([a-zA-Z]+)$/;

/** The scale of a pg_settings unit, or null for no unit or one this agent does not know. */
export function unitScale(unit: string | null): UnitScale | null {
  if (unit === null) return null;
  const match = UNIT_PATTERN.exec(unit.trim());
  if (match === null) return null;
  const [, multiplier, name] = match;
  const scale = name === undefined ? undefined : UNIT_FACTORS.get(name);
  if (scale === undefined) return null;
  return { baseUnit: scale.baseUnit, factor: scale.factor * (multiplier === undefined ? 1 : Number(multiplier)) };
}

/**
 * `value` (in `unit`) in base units, or null when the unit is unknown or absent. Negative sentinels
 * (`-1` = disabled / use another setting) keep their sign, so they stay recognisable.
 */
export function toBaseUnits(value: number, unit: string | null): { value: number; baseUnit: BaseUnit } | null {
  const scale = unitScale(unit);
  if (scale === null) return null;
  return { value: value * scale.factor, baseUnit: scale.baseUnit };
}
