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

// Memory units are powers of 1024 in PostgreSQL.
const UNIT_FACTORS: Readonly<Record<string, UnitScale>> = {
  B: { baseUnit: 'bytes', factor: 1 },
  kB: { baseUnit: 'bytes', factor: 1024 },
  MB: { baseUnit: 'bytes', factor: 1024 ** 2 },
  GB: { baseUnit: 'bytes', factor: 1024 ** 3 },
  TB: { baseUnit: 'bytes', factor: 1024 ** 4 },
  us: { baseUnit: 'seconds', factor: 1e-6 },
  ms: { baseUnit: 'seconds', factor: 1e-3 },
  s: { baseUnit: 'seconds', factor: 1 },
  min: { baseUnit: 'seconds', factor: 60 },
  h: { baseUnit: 'seconds', factor: 3600 },
  d: { baseUnit: 'seconds', factor: 86400 },
};

/** A unit may carry a multiplier: `8kB` is a block, `16MB` a WAL segment on old servers. */
const UNIT_PATTERN = /^(\d+)?([a-zA-Z]+)$/;

/** The scale of a pg_settings unit, or null for no unit or one this agent does not know. */
export function unitScale(unit: string | null): UnitScale | null {
  if (unit === null) return null;
  const match = UNIT_PATTERN.exec(unit.trim());
  if (match === null) return null;
  const [, multiplier, name] = match;
  const scale = name === undefined ? undefined : UNIT_FACTORS[name];
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
