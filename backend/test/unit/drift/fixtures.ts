/**
 * Test data for the drift check: a node's pg_settings (the recorded PostgreSQL 15 rows with some
 * values changed), postgresql.auto.conf lines, and in-memory DriftPorts that log every call in order.
 */
import type { AutoConfOverride } from '../../../src/postgres/autoconf.js';
import type { PgSetting, PgSettingRow } from '../../../src/postgres/settings.js';
import type { DriftEvent, DriftPorts } from '../../../src/drift/drift-checker.js';
import { settingNamed, settingsWith } from '../tuning/knobs/fixtures.js';

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** This node's pg_settings: PG 15 with the given settings' current values (pg_settings text, in their unit). */
export function nodeSettings(values: Record<string, string> = {}, changes: Record<string, Partial<PgSettingRow>> = {}): PgSetting[] {
  const merged: Record<string, Partial<PgSettingRow>> = { ...changes };
  for (const [name, setting] of Object.entries(values)) merged[name] = { ...merged[name], setting, source: 'configuration file' };
  return settingsWith(merged);
}

/** One PG 15 setting, optionally with its current value changed. */
export function setting(name: string, value?: string): PgSetting {
  return settingNamed(nodeSettings(value === undefined ? {} : { [name]: value }), name);
}

export function autoconf(name: string | null, value: string | null): AutoConfOverride {
  return {
    name,
    setting: value,
    applied: true,
    error: null,
    sourcefile: '/var/lib/postgresql/data/postgresql.auto.conf',
    sourceline: 3,
  };
}

type FailingPort = 'readSettings' | 'readOverrides' | 'dcsParameters' | 'tunerValues' | 'resetOverrides' | 'reloadPostgres';

/** DriftPorts over plain fields; tests change the fields between checks. */
export class FakeDriftPorts implements DriftPorts {
  settings: PgSetting[] = nodeSettings();
  overrides: AutoConfOverride[] = [];
  dcs: Record<string, string | number | boolean> = {};
  tuner = new Map<string, readonly string[]>();
  /** Ports that reject with this error. */
  failing = new Map<FailingPort, Error>();
  /** recordEvent rejects for these event types. */
  failingEvents = new Set<DriftEvent['type']>();
  readonly events: DriftEvent[] = [];
  /** Every port call that changes something, in order: "event drift_corrected work_mem", "reset work_mem", "reload". */
  readonly log: string[] = [];
  clock = T0;

  now(): number {
    return this.clock;
  }

  #fail(port: FailingPort): void {
    const error = this.failing.get(port);
    if (error !== undefined) throw error;
  }

  async readSettings(): Promise<PgSetting[]> {
    this.#fail('readSettings');
    return this.settings;
  }

  async readOverrides(): Promise<AutoConfOverride[]> {
    this.#fail('readOverrides');
    return this.overrides;
  }

  async dcsParameters(): Promise<Record<string, string | number | boolean>> {
    this.#fail('dcsParameters');
    return this.dcs;
  }

  async tunerValues(): Promise<ReadonlyMap<string, readonly string[]>> {
    this.#fail('tunerValues');
    return this.tuner;
  }

  async resetOverrides(names: readonly string[]): Promise<void> {
    this.log.push(`reset ${names.join(',')}`);
    this.#fail('resetOverrides');
    this.overrides = this.overrides.filter((line) => line.name === null || !names.includes(line.name));
  }

  async reloadPostgres(): Promise<void> {
    this.log.push('reload');
    this.#fail('reloadPostgres');
  }

  async recordEvent(event: DriftEvent): Promise<void> {
    const name = typeof event.detail['name'] === 'string' ? event.detail['name'] : '?';
    if (this.failingEvents.has(event.type)) {
      this.log.push(`event ${event.type} ${name} (failed)`);
      throw new Error('state database unreachable');
    }
    this.log.push(`event ${event.type} ${name}`);
    this.events.push(event);
  }
}
