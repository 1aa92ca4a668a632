/**
 * pg_settings of a real PostgreSQL 15 (backend/test/fixtures/pg-settings/15.json, recorded by
 * record.ts there) and small synthetic variations for other versions, plus hosts of known size.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PgSetting, type PgSettingRow, parseSettingRow } from '../../../../src/postgres/settings.js';
import type { HostFacts } from '../../../../src/tuning/knobs/host-facts.js';

const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/pg-settings');

interface SettingsFixture {
  serverVersion: string;
  serverVersionNum: number;
  rows: PgSettingRow[];
}

export function loadRows15(): PgSettingRow[] {
  const fixture = JSON.parse(readFileSync(join(FIXTURE_DIR, '15.json'), 'utf8')) as SettingsFixture;
  return fixture.rows;
}

export function settings15(): PgSetting[] {
  return loadRows15().map(parseSettingRow);
}

/** The PG 15 rows with some rows changed (merged field by field), removed (null) or added (unknown names). */
export function settingsWith(changes: Record<string, Partial<PgSettingRow> | null>): PgSetting[] {
  const rows = loadRows15();
  const names = new Set(rows.map((row) => row.name));
  const changed = rows.flatMap((row) => {
    const change = changes[row.name];
    if (change === null) return [];
    return [change === undefined ? row : { ...row, ...change }];
  });
  const added = Object.entries(changes)
    .filter(([name, change]) => !names.has(name) && change !== null)
    .map(([name, change]) => ({ ...newRow(name), ...change }));
  return [...changed, ...added].map(parseSettingRow);
}

function newRow(name: string): PgSettingRow {
  return {
    name,
    setting: '0',
    unit: null,
    vartype: 'integer',
    context: 'user',
    min_val: '0',
    max_val: '100',
    enumvals: null,
    source: 'default',
    sourcefile: null,
    pending_restart: false,
    boot_val: '0',
    reset_val: '0',
  };
}

export function settingNamed(settings: readonly PgSetting[], name: string): PgSetting {
  const setting = settings.find((s) => s.name === name);
  if (setting === undefined) throw new Error(`fixture has no ${name}`);
  return setting;
}

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

export const HOST_2G: HostFacts = { memoryBytes: 2 * GIB, cpus: 1, storage: 'ssd' };
export const HOST_16G: HostFacts = { memoryBytes: 16 * GIB, cpus: 8, storage: 'ssd' };
export const HOST_64G: HostFacts = { memoryBytes: 64 * GIB, cpus: 16, storage: 'ssd' };
