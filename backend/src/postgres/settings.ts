/**
 * pg_settings as typed values: what each parameter is set to, its type, range, unit and context
 * (whether a reload is enough to change it). Knobs, validation and metrics are built from these.
 */
import type { Queryable } from './connection.js';
import { PostgresUnexpectedResultError } from './errors.js';
import { type BaseUnit, toBaseUnits } from './units.js';

/** When a change to a parameter takes effect (pg_settings.context). */
export type SettingContext =
  | 'internal'
  | 'postmaster'
  | 'sighup'
  | 'superuser-backend'
  | 'backend'
  | 'superuser'
  | 'user';

const SETTING_CONTEXTS: ReadonlySet<string> = new Set<SettingContext>([
  'internal',
  'postmaster',
  'sighup',
  'superuser-backend',
  'backend',
  'superuser',
  'user',
]);

interface PgSettingFields<Vartype extends string, Value> {
  name: string;
  vartype: Vartype;
  setting: Value;
  bootVal: Value | null;
  resetVal: Value | null;
  unit: string | null;
  context: SettingContext;
  /** Where the current value came from: `default`, `configuration file`, `command line` … */
  source: string;
  /** File that set it; null for other sources or without the right to see it. */
  sourcefile: string | null;
  /** Changed in the configuration files but needs a restart to take effect. */
  pendingRestart: boolean;
}

export type NumericPgSetting = PgSettingFields<'integer' | 'real', number> & { minVal: number; maxVal: number };
export type BoolPgSetting = PgSettingFields<'bool', boolean>;
export type EnumPgSetting = PgSettingFields<'enum', string> & { enumvals: string[] };
export type StringPgSetting = PgSettingFields<'string', string>;
export type PgSetting = NumericPgSetting | BoolPgSetting | EnumPgSetting | StringPgSetting;

/** One pg_settings row as the driver returns it: text columns, enumvals as text[]. */
export interface PgSettingRow {
  name: string;
  setting: string;
  unit: string | null;
  vartype: string;
  context: string;
  min_val: string | null;
  max_val: string | null;
  enumvals: string[] | null;
  source: string;
  sourcefile: string | null;
  pending_restart: boolean;
  boot_val: string | null;
  reset_val: string | null;
}

/** The pg_settings columns a PgSettingRow holds, for every reader of pg_settings. */
export const PG_SETTINGS_COLUMNS = `name, setting, unit, vartype, context, min_val, max_val, enumvals, source, sourcefile,
       pending_restart, boot_val, reset_val`;

export const SETTINGS_SQL = `SELECT ${PG_SETTINGS_COLUMNS}
  FROM pg_settings
 ORDER BY name`;

export async function readSettings(db: Queryable): Promise<PgSetting[]> {
  const rows = await db.query<PgSettingRow>(SETTINGS_SQL);
  return rows.map(parseSettingRow);
}

export function parseSettingRow(row: PgSettingRow): PgSetting {
  const unexpected = (what: string) =>
    new PostgresUnexpectedResultError(`pg_settings row ${row.name}: ${what}`);
  if (!SETTING_CONTEXTS.has(row.context)) throw unexpected(`unknown context ${JSON.stringify(row.context)}`);
  const common = {
    name: row.name,
    unit: row.unit,
    context: row.context as SettingContext,
    source: row.source,
    sourcefile: row.sourcefile,
    pendingRestart: row.pending_restart,
  };

  const parseNumber = (text: string | null, column: string): number => {
    const value = text === null ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) throw unexpected(`${column} ${JSON.stringify(text)} is not a number`);
    return value;
  };
  const parseBool = (text: string, column: string): boolean => {
    if (text === 'on') return true;
    if (text === 'off') return false;
    throw unexpected(`${column} ${JSON.stringify(text)} is not on/off`);
  };
  const orNull = <T>(text: string | null, parse: (text: string) => T): T | null => (text === null ? null : parse(text));

  switch (row.vartype) {
    case 'integer':
    case 'real':
      return {
        ...common,
        vartype: row.vartype,
        setting: parseNumber(row.setting, 'setting'),
        bootVal: orNull(row.boot_val, (text) => parseNumber(text, 'boot_val')),
        resetVal: orNull(row.reset_val, (text) => parseNumber(text, 'reset_val')),
        minVal: parseNumber(row.min_val, 'min_val'),
        maxVal: parseNumber(row.max_val, 'max_val'),
      };
    case 'bool':
      return {
        ...common,
        vartype: 'bool',
        setting: parseBool(row.setting, 'setting'),
        bootVal: orNull(row.boot_val, (text) => parseBool(text, 'boot_val')),
        resetVal: orNull(row.reset_val, (text) => parseBool(text, 'reset_val')),
      };
    case 'enum':
      return {
        ...common,
        vartype: 'enum',
        setting: row.setting,
        bootVal: row.boot_val,
        resetVal: row.reset_val,
        enumvals: row.enumvals ?? [],
      };
    case 'string':
      return { ...common, vartype: 'string', setting: row.setting, bootVal: row.boot_val, resetVal: row.reset_val };
    default:
      throw unexpected(`unknown vartype ${JSON.stringify(row.vartype)}`);
  }
}

/**
 * The current value in bytes or seconds, for settings that have a unit (work_mem in kB,
 * shared_buffers in 8kB blocks, checkpoint_timeout in s …); null for everything else.
 */
export function settingInBaseUnits(setting: PgSetting): { value: number; baseUnit: BaseUnit } | null {
  if (setting.vartype !== 'integer' && setting.vartype !== 'real') return null;
  return toBaseUnits(setting.setting, setting.unit);
}
