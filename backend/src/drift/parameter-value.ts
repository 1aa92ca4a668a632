/**
 * Parameter strings as written in Patroni's `postgresql.parameters` or in postgresql.auto.conf
 * (`'4MB'`, `'1.1'`, `'on'`, `'200ms'`) read the way PostgreSQL reads them (guc.c parse_int,
 * parse_real, parse_bool, config_enum_lookup_by_name), into the value in the setting's pg_settings
 * unit, so the drift check can compare them with pg_settings and with each other.
 *
 * Only parsing: min/max are not checked. A value PostgreSQL refuses for its range never equals the
 * node's effective value, so a comparison reports it as different anyway.
 */
import type { PgSetting } from '../postgres/settings.js';
import { MEMORY_UNITS, TIME_UNITS, unitScale } from '../postgres/units.js';
import { settingMatches } from '../tuning/knobs/validate.js';
import type { ConfigurationValue } from '../model/configuration-space.js';

/** guc.c's unit tables, largest first: a fraction is rounded to a multiple of the next smaller unit. */
const MEMORY_UNIT_NAMES: readonly string[] = MEMORY_UNITS.map(([name]) => name);
const TIME_UNIT_NAMES: readonly string[] = TIME_UNITS.map(([name]) => name);

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** C isspace() in the "C" locale. */
const SPACE = /^[ \t\n\v\f\r]*/;

function skipSpace(text: string, at: number): number {
  return at + (SPACE.exec(text.slice(at))?.[0].length ?? 0);
}

interface Scanned {
  value: number;
  /** Index just past the number. */
  end: number;
}

/**
 * strtol(text, &end, 0): decimal, 0x hex or 0 octal ("010" is 8). Overflow needs no ERANGE
 * handling: a number beyond a C long can never come back within int range after a unit conversion.
 */
function scanInteger(text: string, start: number): Scanned | null {
  const match = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))/.exec(text.slice(start));
  if (match === null) return null;
  const [whole, sign, hex, octal, decimal] = match;
  const magnitude = hex !== undefined ? parseInt(hex, 16) : octal !== undefined ? parseInt(octal, 8) : Number(decimal);
  return { value: sign === '-' ? -magnitude : magnitude, end: start + whole.length };
}

/**
 * strtod(text, &end): decimal or hex floating point. "inf" and "nan" are left unparsed: PostgreSQL
 * rejects both for every setting (NaN explicitly, infinity by the range check).
 */
function scanFloat(text: string, start: number): Scanned | null {
  const rest = text.slice(start);
  const hex = /^([+-]?)0[xX](?=\.?[0-9a-fA-F])([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?/.exec(rest);
  let value: number;
  let length: number;
  let mantissaIsZero: boolean;
  if (hex !== null) {
    const [whole, sign, integer = '', fraction = '', exponent = '0'] = hex;
    const digits = integer + fraction;
    const mantissa = digits === '' ? 0 : parseInt(digits, 16) / 16 ** fraction.length;
    value = (sign === '-' ? -1 : 1) * mantissa * 2 ** Number(exponent);
    length = whole.length;
    mantissaIsZero = !/[1-9a-fA-F]/.test(digits);
  } else {
    const decimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
    if (decimal === null) return null;
    value = Number(decimal[0]);
    length = decimal[0].length;
    mantissaIsZero = !/[1-9]/.test(decimal[0].replace(/[eE].*$/, ''));
  }
  // strtod's ERANGE (overflow, or underflow to zero), which PostgreSQL treats as a syntax error.
  if (!Number.isFinite(value) || (value === 0 && !mantissaIsZero)) return null;
  return { value, end: start + length };
}

/** C rint() in the default rounding mode: halves go to the even neighbour (2.5 → 2, 3.5 → 4). */
function rint(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The size of a unit in bytes or microseconds, so that ratios of sizes are exact. */
function unitSize(unit: string): number | null {
  const scale = unitScale(unit);
  if (scale === null) return null;
  return scale.baseUnit === 'bytes' ? scale.factor : Math.round(scale.factor * 1e6);
}

/**
 * guc.c convert_to_base_unit: `amount` given in `unitText` (plus optional trailing space) in the
 * setting's unit, or null when the unit is unknown, of the wrong kind or followed by anything else.
 * Unit names are case-sensitive, as in PostgreSQL ("mb" is not a unit).
 */
function convertUnit(amount: number, unitText: string, settingUnit: string | null): number | null {
  const scale = unitScale(settingUnit);
  const settingSize = settingUnit === null ? null : unitSize(settingUnit);
  if (scale === null || settingSize === null) return null;
  const table: readonly string[] = scale.baseUnit === 'bytes' ? MEMORY_UNIT_NAMES : TIME_UNIT_NAMES;
  const name = /^(\S+)[ \t\n\v\f\r]*$/.exec(unitText)?.[1];
  const index = name === undefined ? -1 : table.indexOf(name);
  const size = index < 0 ? null : unitSize(table[index] ?? '');
  if (size === null) return null;
  let converted = amount * (size / settingSize);
  const nextSmaller = table[index + 1];
  const nextSize = nextSmaller === undefined ? null : unitSize(nextSmaller);
  if (nextSize !== null) {
    const nextMultiplier = nextSize / settingSize;
    converted = rint(converted / nextMultiplier) * nextMultiplier;
  }
  return converted;
}

/** guc.c parse_int / parse_real: the number in the setting's unit, or null. */
function parseNumber(text: string, setting: PgSetting & { vartype: 'integer' | 'real' }): number | null {
  const start = skipSpace(text, 0);
  let scanned: Scanned | null;
  if (setting.vartype === 'integer') {
    scanned = scanInteger(text, start);
    // parse_int re-reads as a float when strtol stops at a decimal point or an exponent.
    const stop = scanned === null ? text[start] : text[scanned.end];
    if (stop === '.' || stop === 'e' || stop === 'E') scanned = scanFloat(text, start);
  } else {
    scanned = scanFloat(text, start);
  }
  if (scanned === null) return null;
  let value: number | null = scanned.value;
  const unitStart = skipSpace(text, scanned.end);
  if (unitStart < text.length) {
    // A unit for a unitless setting is invalid, as in PostgreSQL.
    if (setting.unit === null) return null;
    value = convertUnit(value, text.slice(unitStart), setting.unit);
    if (value === null) return null;
  }
  if (setting.vartype === 'real') return value;
  value = rint(value);
  return value < INT_MIN || value > INT_MAX ? null : value;
}

const BOOL_WORDS: readonly (readonly [string, boolean])[] = [
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
];

/** parse_bool: true/false/yes/no and their prefixes, on/off (at least two letters: "o" is ambiguous), 1/0; any case, no spaces. */
function parseBool(text: string): boolean | null {
  const lower = text.toLowerCase();
  if (lower === '1') return true;
  if (lower === '0') return false;
  if (lower.length >= 2 && 'on'.startsWith(lower)) return true;
  if (lower.length >= 2 && 'off'.startsWith(lower)) return false;
  for (const [word, value] of BOOL_WORDS) if (lower.length > 0 && word.startsWith(lower)) return value;
  return null;
}

/**
 * Enum spellings PostgreSQL accepts but hides from pg_settings.enumvals: every enum offering on/off
 * also takes true/yes/1 and false/no/0 as those.
 */
const HIDDEN_BOOL_SPELLINGS: Readonly<Record<string, string>> = {
  true: 'on',
  yes: 'on',
  '1': 'on',
  false: 'off',
  no: 'off',
  '0': 'off',
};

/**
 * Enum values shown under another name: pg_settings shows the first option with the same internal
 * value, and wal_compression (PostgreSQL ≥ 15) lists "pglz" before its synonym "on".
 */
const SHOWN_AS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  wal_compression: { on: 'pglz' },
};

/** config_enum_lookup_by_name, answering with the spelling pg_settings shows for it. */
function parseEnum(text: string, setting: PgSetting & { vartype: 'enum' }): string | null {
  const lower = text.toLowerCase();
  let value = setting.enumvals.find((option) => option.toLowerCase() === lower) ?? null;
  const hidden = HIDDEN_BOOL_SPELLINGS[lower];
  if (value === null && hidden !== undefined && setting.enumvals.includes('on') && setting.enumvals.includes('off')) {
    value = hidden;
  }
  if (value === null) return null;
  return SHOWN_AS[setting.name.toLowerCase()]?.[value] ?? value;
}

/** `setting` with its value replaced by `text` as PostgreSQL would read it, or null when it cannot be parsed. */
function parseAsSetting(text: string, setting: PgSetting): PgSetting | null {
  switch (setting.vartype) {
    case 'integer':
    case 'real': {
      const value = parseNumber(text, setting);
      return value === null ? null : { ...setting, setting: value };
    }
    case 'bool': {
      const value = parseBool(text);
      return value === null ? null : { ...setting, setting: value };
    }
    case 'enum': {
      const value = parseEnum(text, setting);
      return value === null ? null : { ...setting, setting: value };
    }
    case 'string':
      return { ...setting, setting: text };
  }
}

/**
 * A parameter string as the value in pg_settings units for `setting` (4MB → 4096 for work_mem in
 * kB, 1min → 60000 for a setting in ms, "ON" → true, "Pglz" → "pglz"), or null when PostgreSQL
 * would not accept it for this setting.
 */
export function parseParameterValue(text: string, setting: PgSetting): ConfigurationValue | null {
  return parseAsSetting(text, setting)?.setting ?? null;
}

/** Whether a parameter string means the node's effective value of `setting`. */
export function matchesSetting(text: string, setting: PgSetting): boolean {
  const value = parseParameterValue(text, setting);
  return value !== null && settingMatches(value, setting);
}

/** Whether two parameter strings mean the same value of `setting`; false when either cannot be parsed. */
export function sameValue(a: string, b: string, setting: PgSetting): boolean {
  const parsedA = parseParameterValue(a, setting);
  const parsedB = parseAsSetting(b, setting);
  return parsedA !== null && parsedB !== null && settingMatches(parsedA, parsedB);
}
