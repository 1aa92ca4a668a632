/**
 * One node's drift check (issue 4 item 5), the IO edge around detect.ts: reads this node's
 * pg_settings, postgresql.auto.conf and the DCS `postgresql.parameters`, confirms drifts over two
 * consecutive checks, and records drift events. A confirmed value mismatch without an override
 * (Patroni did not reload) is corrected by a reload, so PostgreSQL re-reads the postgresql.conf
 * Patroni wrote. A postgresql.auto.conf override is a person's setting (DESIGN.md §4 rule 12): it is
 * only reported, unless the operator opted in to `removeOverrides` (TUNER_DRIFT_REMOVE_OVERRIDES),
 * which makes the DCS the single source of truth (ALTER SYSTEM RESET). The caller schedules check().
 */
import type { AutoConfOverride } from '../postgres/autoconf.js';
import type { PgSetting } from '../postgres/settings.js';
import { confirmDrift, detectDrift, type Drift, driftKey, type DriftKind } from './detect.js';
import type { CorrectionAction, DriftReport } from './report.js';

export interface DriftEvent {
  type: 'drift_detected' | 'drift_corrected' | 'drift_resolved';
  at: Date;
  member: string | null;
  detail: Record<string, unknown>;
}

export interface DriftPorts {
  now(): number;
  readSettings(): Promise<PgSetting[]>;
  readOverrides(): Promise<AutoConfOverride[]>;
  /** GET /config on this node's Patroni → postgresql.parameters ({} when absent). */
  dcsParameters(): Promise<Record<string, string | number | boolean>>;
  /** The tuner's record (the store); may reject (state database unreachable): then nothing is treated as the tuner's. */
  tunerValues(): Promise<ReadonlyMap<string, readonly string[]>>;
  /** ALTER SYSTEM RESET <name> (for each) then SELECT pg_reload_conf(). */
  resetOverrides(names: readonly string[]): Promise<void>;
  /** SELECT pg_reload_conf(): PostgreSQL re-reads the postgresql.conf Patroni wrote. */
  reloadPostgres(): Promise<void>;
  /** Stores an event (drift_detected, drift_corrected, drift_resolved); called BEFORE the action it describes. May reject. */
  recordEvent(event: DriftEvent): Promise<void>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class DriftChecker {
  readonly #ports: DriftPorts;
  readonly #member: () => string | null;
  /** The previous check's drifts, confirmed or not; null before the first check and after a failed one. */
  #previous: Drift[] | null = null;
  /** Confirmed drifts whose drift_detected event is stored, by driftKey: the ones a drift_resolved must close. */
  readonly #announced = new Map<string, Drift>();
  /**
   * Drifts a correction was made for, by driftKey, while they last: one that is still there after its
   * correction (a reload cannot fix an invalid DCS value, say) is reported, not corrected again and again.
   */
  readonly #attempted = new Set<string>();
  #latest: DriftReport | null = null;
  #correctionsTotal = 0;

  readonly #removeOverrides: boolean;

  /** `removeOverrides`: reset confirmed postgresql.auto.conf overrides of tunable parameters (default: only report them). */
  constructor(ports: DriftPorts, options: { member: () => string | null; removeOverrides?: boolean }) {
    this.#ports = ports;
    this.#member = options.member;
    this.#removeOverrides = options.removeOverrides ?? false;
  }

  get latest(): DriftReport | null {
    return this.#latest;
  }

  /** Corrections made since start, for a counter metric. */
  get correctionsTotal(): number {
    return this.#correctionsTotal;
  }

  /** One check; never throws (errors go into the report). */
  async check(): Promise<DriftReport> {
    const at = this.#ports.now();
    const member = this.#member();
    const problems: string[] = [];
    let current: Drift[];
    try {
      const [settings, overrides, dcsParameters, tunerValues] = await Promise.all([
        this.#ports.readSettings(),
        this.#ports.readOverrides(),
        this.#ports.dcsParameters(),
        this.#ports.tunerValues().catch((error: unknown) => {
          problems.push(`the tuner's record is unavailable, no drift is treated as the tuner's: ${messageOf(error)}`);
          return new Map<string, readonly string[]>();
        }),
      ]);
      current = detectDrift({ settings, overrides, dcsParameters, tunerValues });
    } catch (error) {
      // After an outage every drift must be confirmed afresh.
      this.#previous = null;
      return this.#finish({ member, at, drifts: [], pending: [], corrected: [], error: `drift check failed: ${messageOf(error)}` });
    }

    const hadPrevious = this.#previous !== null;
    const drifts = confirmDrift(this.#previous, current);
    this.#previous = current;
    const confirmedKeys = new Set(drifts.map(driftKey));
    const pending = current.filter((drift) => !confirmedKeys.has(driftKey(drift)));

    // Without a previous check nothing can be confirmed, which says nothing about earlier drifts being resolved.
    if (hadPrevious) await this.#announce(drifts, confirmedKeys, member, problems);
    for (const key of [...this.#attempted]) if (!confirmedKeys.has(key)) this.#attempted.delete(key);
    const corrected = await this.#correct(drifts, member, problems);
    this.#correctionsTotal += corrected.length;
    return this.#finish({ member, at, drifts, pending, corrected, error: problems.length === 0 ? null : problems.join('; ') });
  }

  #finish(report: DriftReport): DriftReport {
    this.#latest = report;
    return report;
  }

  async #record(type: DriftEvent['type'], detail: Record<string, unknown>, member: string | null): Promise<void> {
    await this.#ports.recordEvent({ type, at: new Date(this.#ports.now()), member, detail: { ...detail, member } });
  }

  /** drift_detected for newly confirmed drifts, drift_resolved for announced ones that are gone; a failed event is retried next check. */
  async #announce(drifts: readonly Drift[], confirmedKeys: ReadonlySet<string>, member: string | null, problems: string[]): Promise<void> {
    for (const drift of drifts) {
      const key = driftKey(drift);
      if (this.#announced.has(key)) continue;
      try {
        await this.#record('drift_detected', { ...drift }, member);
        this.#announced.set(key, drift);
      } catch (error) {
        problems.push(`cannot record drift_detected for ${drift.name}: ${messageOf(error)}`);
      }
    }
    for (const [key, drift] of [...this.#announced]) {
      if (confirmedKeys.has(key)) continue;
      try {
        await this.#record('drift_resolved', { ...drift }, member);
        this.#announced.delete(key);
      } catch (error) {
        problems.push(`cannot record drift_resolved for ${drift.name}: ${messageOf(error)}`);
      }
    }
  }

  /** Corrects confirmed mismatches (and overrides, if opted in); each only after its drift_corrected event is stored. */
  async #correct(drifts: readonly Drift[], member: string | null, problems: string[]): Promise<DriftReport['corrected']> {
    const corrected: DriftReport['corrected'] = [];
    const plans: Array<readonly [DriftKind, CorrectionAction, (names: readonly string[]) => Promise<void>]> = [
      ['value_mismatch', 'reload', () => this.#ports.reloadPostgres()],
    ];
    if (this.#removeOverrides) plans.unshift(['autoconf_override', 'reset_override', (names) => this.#ports.resetOverrides(names)]);
    for (const [kind, action, perform] of plans) {
      const recorded: Drift[] = [];
      for (const drift of drifts) {
        if (drift.kind !== kind) continue;
        if (this.#attempted.has(driftKey(drift))) {
          problems.push(`${drift.name}: still drifted after it was corrected (${action}); left for a person`);
          continue;
        }
        try {
          await this.#record('drift_corrected', { ...drift, action }, member);
          recorded.push(drift);
        } catch (error) {
          // Every event is stored before the action it describes: no event, no correction (retried next check).
          problems.push(`cannot record drift_corrected for ${drift.name}, not corrected: ${messageOf(error)}`);
        }
      }
      if (recorded.length === 0) continue;
      try {
        await perform(recorded.map((drift) => drift.name));
        corrected.push(...recorded.map((drift) => ({ name: drift.name, kind, action })));
        for (const drift of recorded) this.#attempted.add(driftKey(drift));
      } catch (error) {
        problems.push(`${action} failed for ${recorded.map((drift) => drift.name).join(', ')}: ${messageOf(error)}`);
      }
    }
    return corrected;
  }
}
