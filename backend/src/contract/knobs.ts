/** The knobs as one node sees them, and its drift from the DCS. */
import { type Static, Type } from '@sinclair/typebox';
import { IsoTime, Nullable, StringEnum } from './common.js';
import { EXCLUSION_REASONS } from '../tuning/knobs/exclusions.js';

const knobCommon = {
  name: Type.String(),
  context: Type.String(),
  /** pg_settings.unit: what one unit of `current`, `low`, `high` … is (`kB`, `8kB`, `ms`, null). */
  unit: Nullable(Type.String()),
  source: Type.String(),
  pendingRestart: Type.Boolean(),
  /** Why this range (or these choices). */
  description: Type.String(),
};

/** Values formatted as PostgreSQL shows them (`4MB`, `200ms`). */
const display = Type.Object({ current: Type.String(), low: Type.Optional(Type.String()), high: Type.Optional(Type.String()) });

export const NumericKnob = Type.Object({
  ...knobCommon,
  vartype: StringEnum(['integer', 'real']),
  current: Type.Number(),
  boot: Nullable(Type.Number()),
  pgMin: Type.Number(),
  pgMax: Type.Number(),
  /** The search range, inclusive. */
  low: Type.Number(),
  high: Type.Number(),
  log: Type.Boolean(),
  /** Sentinels with a meaning of their own (0 = off, -1 = use another setting). */
  specials: Type.Array(Type.Number()),
  display,
});

export const BoolKnob = Type.Object({
  ...knobCommon,
  vartype: Type.Literal('bool'),
  current: Type.Boolean(),
  boot: Nullable(Type.Boolean()),
  choices: Type.Array(Type.Boolean()),
  display,
});

export const EnumKnob = Type.Object({
  ...knobCommon,
  vartype: Type.Literal('enum'),
  current: Type.String(),
  boot: Nullable(Type.String()),
  enumvals: Type.Array(Type.String()),
  choices: Type.Array(Type.String()),
  display,
});

export const KnobView = Type.Union([NumericKnob, BoolKnob, EnumKnob]);

export const ExclusionReason = StringEnum(EXCLUSION_REASONS);

export const StorageKind = StringEnum(['ssd', 'hdd', 'unknown']);

export const KnobsView = Type.Object({
  /** The host facts the ranges are derived from. */
  host: Type.Object({
    memoryBytes: Type.Number(),
    cpus: Type.Integer(),
    storage: StorageKind,
    storageInference: Type.Object({
      kind: StorageKind,
      source: StringEnum(['setting', 'read_latency', 'cache_hit_ratio', 'device']),
      reason: Type.String(),
    }),
  }),
  tunable: Type.Array(KnobView),
  /** Every other parameter, with the reason it is not tuned. */
  excluded: Type.Array(Type.Object({ name: Type.String(), reason: ExclusionReason, detail: Type.String() })),
});

export const Drift = Type.Object({
  name: Type.String(),
  kind: StringEnum(['autoconf_override', 'value_mismatch']),
  /** The DCS value, or null when the DCS does not set it. */
  expected: Nullable(Type.String()),
  actual: Type.String(),
  /** 'tuner' for a mismatch whose value the tuner once sent; an override is always 'other'. */
  origin: StringEnum(['tuner', 'other']),
});

export const DriftReport = Type.Object({
  member: Nullable(Type.String()),
  /** When the check ran. */
  at: IsoTime,
  /** Confirmed drifts (seen on two consecutive checks). */
  drifts: Type.Array(Drift),
  /** Seen on this check only, waiting for confirmation. */
  pending: Type.Array(Drift),
  corrected: Type.Array(Type.Object({ name: Type.String(), kind: StringEnum(['autoconf_override', 'value_mismatch']), action: StringEnum(['reset_override', 'reload']) })),
  /** Why the check could not run, else null. */
  error: Nullable(Type.String()),
});

export const DriftView = Type.Object({ drift: DriftReport });

export type NumericKnob = Static<typeof NumericKnob>;
export type BoolKnob = Static<typeof BoolKnob>;
export type EnumKnob = Static<typeof EnumKnob>;
export type KnobView = Static<typeof KnobView>;
export type ExclusionReason = Static<typeof ExclusionReason>;
export type StorageKind = Static<typeof StorageKind>;
export type KnobsView = Static<typeof KnobsView>;
export type Drift = Static<typeof Drift>;
export type DriftReport = Static<typeof DriftReport>;
export type DriftView = Static<typeof DriftView>;
