/**
 * Drift of one node from the DCS (pure): postgresql.auto.conf overrides of tunable parameters, and
 * tunable parameters whose effective value differs from what Patroni's `postgresql.parameters` sets.
 * A value mismatch says whether the node's value is one the tuner itself sent; an override is never
 * the tuner's, which sends configuration only through Patroni and never writes postgresql.auto.conf
 * (an override equal to a value it once sent is still a person's). See drift-checker.ts for what is
 * done about them.
 */
import type { AutoConfOverride } from '../postgres/autoconf.js';
import type { PgSetting } from '../postgres/settings.js';
import { classifySetting } from '../tuning/knobs/index.js';
import { boolToParameter } from '../tuning/knobs/format.js';
import { matchesSetting } from './parameter-value.js';

export const DRIFT_KINDS = ['autoconf_override', 'value_mismatch'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];
export const DRIFT_ORIGINS = ['tuner', 'other'] as const;
export type DriftOrigin = (typeof DRIFT_ORIGINS)[number];

export interface Drift {
  name: string;
  kind: DriftKind;
  /** The DCS value (string as in postgresql.parameters), or null when the DCS does not set it. */
  expected: string | null;
  /** What the node has: the auto.conf string for an override, the pg_settings value (as text, with its unit, e.g. "4096 kB" or just the setting text) for a mismatch. */
  actual: string;
  /**
   * For a value mismatch, 'tuner' when the effective value equals one the tuner has PATCHed for this
   * parameter (from the store's record). Always 'other' for an override.
   */
  origin: DriftOrigin;
}

export interface DriftInput {
  /** This node's pg_settings, all rows. */
  settings: readonly PgSetting[];
  /** This node's postgresql.auto.conf. */
  overrides: readonly AutoConfOverride[];
  /** GET /config → postgresql.parameters. */
  dcsParameters: Readonly<Record<string, string | number | boolean>>;
  /** Name → every value string the tuner ever sent via PATCH /config. */
  tunerValues: ReadonlyMap<string, readonly string[]>;
}

/** A DCS value as PostgreSQL reads it from the postgresql.conf Patroni writes (YAML may give numbers or booleans). */
function parameterText(value: string | number | boolean): string {
  return typeof value === 'boolean' ? boolToParameter(value) : String(value);
}

/** The pg_settings value as people read it: "4096 kB", "16384 8kB", "0.9", "on", "pglz". */
function effectiveText(setting: PgSetting): string {
  if (typeof setting.setting === 'boolean') return boolToParameter(setting.setting);
  const text = String(setting.setting);
  return typeof setting.setting === 'number' && setting.unit !== null ? `${text} ${setting.unit}` : text;
}

/** PostgreSQL parameter names are case-insensitive: later spellings of the same name win, as in a file. */
function byLowerName<T>(entries: Iterable<readonly [string, T]>): Map<string, T> {
  const map = new Map<string, T>();
  for (const [name, value] of entries) map.set(name.toLowerCase(), value);
  return map;
}

export function detectDrift(input: DriftInput): Drift[] {
  const dcs = byLowerName(Object.entries(input.dcsParameters).map(([name, value]) => [name, parameterText(value)] as const));
  // Several lines may name the same parameter; PostgreSQL applies the last one.
  const overrides = byLowerName(
    input.overrides.flatMap((line) => (line.name === null ? [] : [[line.name, line.setting ?? ''] as const])),
  );
  const tunerValues = new Map<string, string[]>();
  for (const [name, values] of input.tunerValues) {
    const lower = name.toLowerCase();
    tunerValues.set(lower, [...(tunerValues.get(lower) ?? []), ...values]);
  }

  const drifts: Drift[] = [];
  for (const setting of input.settings) {
    if (!classifySetting(setting).tunable) continue;
    const lower = setting.name.toLowerCase();
    const expected = dcs.get(lower) ?? null;
    const sent = tunerValues.get(lower) ?? [];
    const override = overrides.get(lower);
    if (override !== undefined) {
      drifts.push({ name: setting.name, kind: 'autoconf_override', expected, actual: override, origin: 'other' });
    } else if (expected !== null && !matchesSetting(expected, setting)) {
      const byTuner = sent.some((value) => matchesSetting(value, setting));
      drifts.push({
        name: setting.name,
        kind: 'value_mismatch',
        expected,
        actual: effectiveText(setting),
        origin: byTuner ? 'tuner' : 'other',
      });
    }
  }
  return drifts.sort(compareDrifts);
}

function compareDrifts(a: Drift, b: Drift): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  return 0;
}

/** Identity of a drift across checks: the same parameter, kind and values (origin may change with the record). */
export function driftKey(drift: Drift): string {
  return JSON.stringify([drift.name, drift.kind, drift.expected, drift.actual]);
}

/**
 * The drifts of `current` also seen, identical, on the previous check. Patroni applies a DCS change
 * on its next loop, so a difference seen once may be a change in flight; nothing is done before a
 * second check confirms it. No previous check (start, or after an outage) confirms nothing.
 */
export function confirmDrift(previous: readonly Drift[] | null, current: readonly Drift[]): Drift[] {
  if (previous === null) return [];
  const seen = new Set(previous.map(driftKey));
  return current.filter((drift) => seen.has(driftKey(drift)));
}
