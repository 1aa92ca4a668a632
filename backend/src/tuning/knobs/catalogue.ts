/**
 * The knob catalogue: for one server (its pg_settings) on one host, which parameters the tuner may
 * change and within which ranges, and why every other parameter is excluded. Pure; the optimizer's
 * search space (`toSearchSpace`) and all validation are derived from it, so values are in pg_settings
 * units throughout (work_mem in kB, effective_cache_size in 8kB pages, bgwriter_delay in ms …).
 */
import type { NumericPgSetting, PgSetting, SettingContext } from '../../postgres/settings.js';
import { toBaseUnits, unitScale } from '../../postgres/units.js';
import { SEARCH_SPACE_KNOBS, type SearchSpaceKnob } from '../../model/searched-knobs.js';
import type { Configuration, Dimension } from '../../model/configuration-space.js';
import { classifySetting, type ExclusionReason, missingSearchSpaceKnobs } from './exclusions.js';
import type { HostFacts } from './host-facts.js';
import { KNOB_RULES, type KnobRule, type RangeContext, type ServerFacts } from './ranges.js';

interface KnobCommon {
  /** One of SEARCH_SPACE_KNOBS (typed as string so callers can look names up freely). */
  name: string;
  context: SettingContext;
  /** pg_settings.unit: what one unit of `current`, `low`, `high` … is (`kB`, `8kB`, `ms`, null). */
  unit: string | null;
  source: string;
  pendingRestart: boolean;
  /** Why this range (or these choices). */
  description: string;
}

export interface NumericKnob extends KnobCommon {
  vartype: 'integer' | 'real';
  current: number;
  boot: number | null;
  /** pg_settings min_val / max_val: no value outside is ever accepted. */
  pgMin: number;
  pgMax: number;
  /** The search range, inclusive, inside pgMin..pgMax. */
  low: number;
  high: number;
  log: boolean;
  /** Sentinels with a meaning of their own (0 = off, -1 = use another setting), inside pgMin..pgMax. */
  specials: readonly number[];
}

export interface BoolKnob extends KnobCommon {
  vartype: 'bool';
  current: boolean;
  boot: boolean | null;
  choices: readonly boolean[];
}

export interface EnumKnob extends KnobCommon {
  vartype: 'enum';
  current: string;
  boot: string | null;
  /** Every value the server accepts. */
  enumvals: readonly string[];
  /** The values the search offers. */
  choices: readonly string[];
}

export type Knob = NumericKnob | BoolKnob | EnumKnob;

export interface ExcludedSetting {
  name: string;
  reason: ExclusionReason;
  detail: string;
}

export interface KnobCatalogue {
  host: HostFacts;
  server: ServerFacts;
  /** In the order of DESIGN §5's search space. */
  tunable: Knob[];
  /** Every other pg_settings name, and the search-space knobs this server lacks; sorted by name. */
  excluded: ExcludedSetting[];
}

/** Integers from a range in another unit: snap float noise (0.01 s / 0.001 s = 10.000000000000002) first. */
function snap(value: number): number {
  return Number(value.toPrecision(12));
}

export function serverFactsFrom(settings: readonly PgSetting[]): ServerFacts {
  const byName = new Map(settings.map((setting) => [setting.name, setting]));
  const numeric = (name: string): NumericPgSetting | null => {
    const setting = byName.get(name);
    return setting !== undefined && (setting.vartype === 'integer' || setting.vartype === 'real') ? setting : null;
  };
  const plain = (name: string): number | null => numeric(name)?.setting ?? null;
  const bytes = (name: string): number | null => {
    const setting = numeric(name);
    if (setting === null) return null;
    const base = toBaseUnits(setting.setting, setting.unit);
    return base !== null && base.baseUnit === 'bytes' ? base.value : null;
  };
  return {
    serverVersionNum: plain('server_version_num'),
    maxConnections: plain('max_connections'),
    maxWorkerProcesses: plain('max_worker_processes'),
    sharedBuffersBytes: bytes('shared_buffers'),
    hashMemMultiplier: plain('hash_mem_multiplier'),
    walSegmentBytes: bytes('wal_segment_size'),
  };
}

type Built = { ok: true; knob: Knob } | { ok: false; detail: string };

function buildNumeric(
  name: SearchSpaceKnob,
  setting: PgSetting,
  rule: Extract<KnobRule, { kind: 'numeric' }>,
  context: RangeContext,
): Built {
  if (setting.vartype !== 'integer' && setting.vartype !== 'real') {
    return { ok: false, detail: `expected a numeric setting, pg_settings has vartype ${setting.vartype}` };
  }
  let factor = 1;
  if (rule.measure === 'plain') {
    if (setting.unit !== null) return { ok: false, detail: `expected no unit, pg_settings has unit ${setting.unit}` };
  } else {
    const scale = unitScale(setting.unit);
    const expected = rule.measure === 'bytes' ? 'bytes' : 'seconds';
    if (scale === null || scale.baseUnit !== expected) {
      return { ok: false, detail: `expected a unit of ${expected}, pg_settings has unit ${setting.unit ?? 'none'}` };
    }
    factor = scale.factor;
  }
  const spec = rule.range(context);
  let low = snap(spec.low / factor);
  let high = snap(spec.high / factor);
  if (setting.vartype === 'integer') {
    low = Math.ceil(low);
    high = Math.floor(high);
  }
  low = Math.max(low, setting.minVal);
  high = Math.min(high, setting.maxVal);
  if (low > high) {
    return { ok: false, detail: `search range empty inside pg_settings ${setting.minVal}..${setting.maxVal}` };
  }
  if (spec.log && low <= 0) return { ok: false, detail: `log-scale range must be above 0, got ${low}` };
  const specials = spec.specials.filter(
    (special) => special >= setting.minVal && special <= setting.maxVal && (setting.vartype === 'real' || Number.isInteger(special)),
  );
  return {
    ok: true,
    knob: {
      ...common(name, setting, spec.description),
      vartype: setting.vartype,
      current: setting.setting,
      boot: setting.bootVal,
      pgMin: setting.minVal,
      pgMax: setting.maxVal,
      low,
      high,
      log: spec.log,
      specials,
    },
  };
}

function common(name: SearchSpaceKnob, setting: PgSetting, description: string): KnobCommon {
  return {
    name,
    context: setting.context,
    unit: setting.unit,
    source: setting.source,
    pendingRestart: setting.pendingRestart,
    description,
  };
}

function buildKnob(name: SearchSpaceKnob, setting: PgSetting, context: RangeContext): Built {
  const rule = KNOB_RULES[name];
  switch (rule.kind) {
    case 'numeric':
      return buildNumeric(name, setting, rule, context);
    case 'bool':
    case 'choice':
      if (setting.vartype === 'bool') {
        return {
          ok: true,
          knob: { ...common(name, setting, rule.description), vartype: 'bool', current: setting.setting, boot: setting.bootVal, choices: [false, true] },
        };
      }
      if (rule.kind === 'choice' && setting.vartype === 'enum') {
        const choices = setting.enumvals.filter((value) => !rule.omit.includes(value));
        if (choices.length < 2) return { ok: false, detail: `fewer than two choices in enumvals ${setting.enumvals.join(', ')}` };
        return {
          ok: true,
          knob: {
            ...common(name, setting, rule.description),
            vartype: 'enum',
            current: setting.setting,
            boot: setting.bootVal,
            enumvals: [...setting.enumvals],
            choices,
          },
        };
      }
      return { ok: false, detail: `expected ${rule.kind === 'bool' ? 'a bool' : 'an enum or a bool'}, pg_settings has vartype ${setting.vartype}` };
  }
}

export function buildKnobCatalogue(settings: readonly PgSetting[], host: HostFacts): KnobCatalogue {
  const server = serverFactsFrom(settings);
  const context: RangeContext = { host, server };
  const tunableByName = new Map<string, Knob>();
  const excluded: ExcludedSetting[] = [];
  for (const setting of settings) {
    const classification = classifySetting(setting);
    if (!classification.tunable) {
      excluded.push({ name: setting.name, reason: classification.reason, detail: classification.detail });
      continue;
    }
    const built = buildKnob(setting.name as SearchSpaceKnob, setting, context);
    if (built.ok) tunableByName.set(setting.name, built.knob);
    else excluded.push({ name: setting.name, reason: 'not_available', detail: built.detail });
  }
  for (const name of missingSearchSpaceKnobs(settings)) {
    excluded.push({ name, reason: 'not_available', detail: "not in this server's pg_settings" });
  }
  excluded.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tunable = SEARCH_SPACE_KNOBS.flatMap((name) => {
    const knob = tunableByName.get(name);
    return knob === undefined ? [] : [knob];
  });
  return { host, server, tunable, excluded };
}

export function findKnob(catalogue: KnobCatalogue, name: string): Knob | undefined {
  return catalogue.tunable.find((knob) => knob.name === name);
}

/** The optimizer's dimensions, one per tunable knob, values in pg_settings units. */
export function toSearchSpace(catalogue: KnobCatalogue): Dimension[] {
  return catalogue.tunable.map((knob): Dimension => {
    switch (knob.vartype) {
      case 'integer':
      case 'real':
        return {
          name: knob.name,
          type: knob.vartype === 'integer' ? 'int' : 'float',
          low: knob.low,
          high: knob.high,
          log: knob.log,
          specials: [...knob.specials],
        };
      case 'bool':
        return { name: knob.name, type: 'categorical', choices: [...knob.choices] };
      case 'enum':
        return { name: knob.name, type: 'categorical', choices: [...knob.choices] };
    }
  });
}

/** The server's current value of every tunable knob (the baseline), in pg_settings units. */
export function currentConfiguration(catalogue: KnobCatalogue): Configuration {
  return Object.fromEntries(catalogue.tunable.map((knob) => [knob.name, knob.current]));
}

/** A numeric value moved into a knob's search range (specials kept), rounded for integer knobs. */
export function clampToRange(knob: NumericKnob, value: number): number {
  if (knob.specials.includes(value)) return value;
  const clamped = Math.min(knob.high, Math.max(knob.low, value));
  return knob.vartype === 'integer' ? Math.round(clamped) : clamped;
}
