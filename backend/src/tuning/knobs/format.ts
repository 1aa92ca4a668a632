/**
 * Values in pg_settings units written as PostgreSQL parameter strings: integers with a unit use the
 * largest unit that represents them exactly (as PostgreSQL's own SHOW does: 16384 kB → "16MB",
 * 300 s → "5min", 200 ms → "200ms"), reals are plain decimals without exponent notation, booleans
 * on/off. Sentinels (0, -1) carry no unit: PostgreSQL reads a bare number in the setting's own unit.
 */
import { MEMORY_UNITS, TIME_UNITS, unitScale } from '../../postgres/units.js';
import type { ConfigurationValue } from '../../model/configuration-space.js';

/**
 * A finite number as a plain decimal string: at most `significantDigits` significant digits, no
 * exponent (1e-7 → "0.0000001", 1e21 → "1000000000000000000000"), no trailing zeros, no "-0".
 */
export function decimalString(value: number, significantDigits = 12): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const rounded = Number(value.toPrecision(significantDigits));
  if (rounded === 0) return '0';
  const text = String(rounded);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponentText); // position of the decimal point in `digits`
  let result: string;
  if (point <= 0) result = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) result = digits + '0'.repeat(point - digits.length);
  else result = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign + result;
}

/** An integer amount in `unit` in the largest unit that holds it exactly, or null for no/unknown unit. */
function integerWithUnit(value: number, unit: string | null): string | null {
  const scale = unitScale(unit);
  if (scale === null) return null;
  const [units, base] =
    scale.baseUnit === 'bytes'
      ? [MEMORY_UNITS, Math.round(value * scale.factor)]
      : [TIME_UNITS, Math.round(value * scale.factor * 1_000_000)];
  for (const [name, size] of units) if (base % size === 0) return `${base / size}${name}`;
  return null;
}

/** A real amount in `unit` with the unit's name, folding a multiplier (`8kB` × 1.5 → `12kB`). */
function realWithUnit(value: number, unit: string | null, significantDigits: number): string | null {
  if (unit === null || unitScale(unit) === null) return null;
  const match = /^(\d+)?([a-zA-Z]+)$/.exec(unit.trim());
  if (match === null) return null;
  const [, multiplier, name = ''] = match;
  return `${decimalString(value * (multiplier === undefined ? 1 : Number(multiplier)), significantDigits)}${name}`;
}

/** A numeric value (in pg_settings units) as PostgreSQL accepts it in postgresql.conf. */
export function numberToParameter(value: number, vartype: 'integer' | 'real', unit: string | null): string {
  if (value <= 0) return decimalString(value);
  if (vartype === 'integer') return integerWithUnit(value, unit) ?? String(value);
  return realWithUnit(value, unit, 12) ?? decimalString(value);
}

export function boolToParameter(value: boolean): string {
  return value ? 'on' : 'off';
}

/**
 * A value for people (the API, logs): the same units as PostgreSQL's SHOW (16384 kB → "16MB"),
 * reals at most 6 significant digits ("1.1"), booleans on/off, enum and string values unchanged.
 */
export function formatForDisplay(value: ConfigurationValue, unit: string | null = null): string {
  if (typeof value === 'boolean') return boolToParameter(value);
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (value <= 0) return decimalString(value, 6);
  if (Number.isInteger(value)) return integerWithUnit(value, unit) ?? String(value);
  return realWithUnit(value, unit, 6) ?? decimalString(value, 6);
}
