/**
 * DESIGN §4 rule 6: every value is validated against pg_settings (name, type, min/max, enum values,
 * unit) before anything is sent to Patroni, and turned into the exact string for
 * `postgresql.parameters`. A bad value never reaches the cluster: any error rejects the whole change.
 * `settingMatches` is the reverse, for verifying a member's pg_settings after an apply.
 */
import type { PgSetting } from '../../postgres/settings.js';
import type { ConfigurationValue } from '../../model/configuration-space.js';
import { type ExcludedSetting, findKnob, type Knob, type KnobCatalogue } from './catalogue.js';
import { boolToParameter, formatForDisplay, numberToParameter } from './format.js';

export { formatForDisplay };

export interface ValidationError {
  /** The parameter as given. */
  name: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; parameters: Record<string, string> }
  | { ok: false; errors: ValidationError[] };

export interface ValidationOptions {
  /**
   * Accept values outside the search range (and enum values the search does not offer) as long as
   * pg_settings accepts them: for restoring a baseline, which may lie outside. Default false.
   */
  allowOutsideSearchRange?: boolean;
}

/** Relative tolerance for reals: float noise from log scales, and pg_settings showing reals with %g (6 digits). */
const RANGE_TOLERANCE = 1e-9;
const MATCH_TOLERANCE = 1e-5;

function within(value: number, low: number, high: number, tolerance: number): boolean {
  const slack = (bound: number) => tolerance * Math.max(1, Math.abs(bound));
  return value >= low - slack(low) && value <= high + slack(high);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function unitText(knob: Knob): string {
  return knob.unit === null ? '' : ` (in ${knob.unit})`;
}

/** The parameter string for one value, or the reason it is not acceptable. */
function checkValue(knob: Knob, value: unknown, options: ValidationOptions): { ok: true; text: string } | { ok: false; message: string } {
  const fail = (message: string) => ({ ok: false as const, message: `${knob.name}: ${message}` });
  const outsideAllowed = options.allowOutsideSearchRange === true;
  switch (knob.vartype) {
    case 'integer':
    case 'real': {
      if (typeof value !== 'number') return fail(`expected a number${unitText(knob)}, got ${describe(value)}`);
      if (!Number.isFinite(value)) return fail(`expected a finite number, got ${value}`);
      if (knob.vartype === 'integer' && !Number.isInteger(value)) {
        return fail(`expected an integer${unitText(knob)}, got ${value}`);
      }
      const tolerance = knob.vartype === 'real' ? RANGE_TOLERANCE : 0;
      if (!within(value, knob.pgMin, knob.pgMax, tolerance)) {
        return fail(`${value} is outside pg_settings min..max ${knob.pgMin}..${knob.pgMax}${unitText(knob)}`);
      }
      if (!outsideAllowed && !knob.specials.includes(value) && !within(value, knob.low, knob.high, tolerance)) {
        const specials = knob.specials.length === 0 ? '' : ` or one of ${knob.specials.join(', ')}`;
        return fail(`${value} is outside the search range ${knob.low}..${knob.high}${unitText(knob)}${specials}`);
      }
      // Float noise just past a bound (within the tolerance) is sent as the bound itself.
      let sent = Math.min(knob.pgMax, Math.max(knob.pgMin, value));
      if (!outsideAllowed && !knob.specials.includes(value)) sent = Math.min(knob.high, Math.max(knob.low, sent));
      return { ok: true, text: numberToParameter(sent, knob.vartype, knob.unit) };
    }
    case 'bool':
      if (typeof value !== 'boolean') return fail(`expected a boolean, got ${describe(value)}`);
      return { ok: true, text: boolToParameter(value) };
    case 'enum': {
      if (typeof value !== 'string') return fail(`expected one of ${knob.enumvals.join(', ')}, got ${describe(value)}`);
      if (!knob.enumvals.includes(value)) return fail(`${JSON.stringify(value)} is not one of ${knob.enumvals.join(', ')}`);
      if (!outsideAllowed && !knob.choices.includes(value)) {
        return fail(`${JSON.stringify(value)} is not one of the search choices ${knob.choices.join(', ')}`);
      }
      return { ok: true, text: value };
    }
  }
}

const excludedIndex = new WeakMap<KnobCatalogue, ReadonlyMap<string, ExcludedSetting>>();

function excludedByName(catalogue: KnobCatalogue): ReadonlyMap<string, ExcludedSetting> {
  let index = excludedIndex.get(catalogue);
  if (index === undefined) {
    index = new Map(catalogue.excluded.map((entry) => [entry.name.toLowerCase(), entry]));
    excludedIndex.set(catalogue, index);
  }
  return index;
}

/**
 * Validates a set of changes (values in pg_settings units, as in a Configuration) and converts them
 * to Patroni `postgresql.parameters` strings. Names are matched case-insensitively and returned in
 * pg_settings' spelling. Unknown names, excluded names (with their reason), wrong types, values outside
 * pg_settings min/max, and values outside the search range (unless allowed) are all errors.
 */
export function validateParameters(
  changes: Record<string, unknown>,
  catalogue: KnobCatalogue,
  options: ValidationOptions = {},
): ValidationResult {
  const errors: ValidationError[] = [];
  const parameters: Record<string, string> = {};
  const excluded = excludedByName(catalogue);
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(changes)) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) {
      errors.push({ name, message: `${name}: given more than once (parameter names are case-insensitive)` });
      continue;
    }
    seen.add(lower);
    const knob = findKnob(catalogue, lower);
    if (knob === undefined) {
      const exclusion = excluded.get(lower);
      errors.push({
        name,
        message:
          exclusion === undefined
            ? `${name}: unknown parameter (not in this server's pg_settings)`
            : `${name}: not tunable (${exclusion.reason}): ${exclusion.detail}`,
      });
      continue;
    }
    const checked = checkValue(knob, value, options);
    if (checked.ok) parameters[knob.name] = checked.text;
    else errors.push({ name, message: checked.message });
  }
  return errors.length === 0 ? { ok: true, parameters } : { ok: false, errors };
}

/** One value as its parameter string, throwing when it is not valid (see validateParameters). */
export function toParameterString(knob: Knob, value: ConfigurationValue, options: ValidationOptions = {}): string {
  const checked = checkValue(knob, value, options);
  if (!checked.ok) throw new RangeError(checked.message);
  return checked.text;
}

/**
 * Whether a member's pg_settings row shows the expected value (in pg_settings units): integers
 * exactly, reals within a relative 1e-5 (pg_settings prints reals with 6 significant digits),
 * booleans as booleans (or "on"/"off"), enums case-insensitively, strings exactly.
 */
export function settingMatches(expected: ConfigurationValue, setting: PgSetting): boolean {
  switch (setting.vartype) {
    case 'integer':
      return typeof expected === 'number' && expected === setting.setting;
    case 'real': {
      if (typeof expected !== 'number' || !Number.isFinite(expected)) return false;
      const scale = Math.max(Math.abs(expected), Math.abs(setting.setting));
      return Math.abs(expected - setting.setting) <= Math.max(1e-12, MATCH_TOLERANCE * scale);
    }
    case 'bool':
      if (typeof expected === 'boolean') return expected === setting.setting;
      return typeof expected === 'string' && expected === boolToParameter(setting.setting);
    case 'enum':
      return typeof expected === 'string' && expected.toLowerCase() === setting.setting.toLowerCase();
    case 'string':
      return typeof expected === 'string' && expected === setting.setting;
  }
}
