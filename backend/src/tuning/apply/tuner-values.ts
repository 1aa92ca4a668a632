/**
 * Which tuned knobs still hold what the tuner put in the DCS (DESIGN.md §4 rule 12): a restore puts
 * back only those, and leaves a value a person set after the halt alone.
 *
 * "What the tuner put there" for a knob is the value of the latest PATCH recorded for the session
 * that set it (null: removed). A PATCH whose outcome is not `ok` (Patroni refused it, or the agent
 * died before the answer) may or may not have been applied, so the value in force before it (the
 * previous PATCH that set the knob, or the baseline's DCS value) counts as the tuner's too, back to
 * the last PATCH known applied. A knob no PATCH of the session set is not the tuner's to restore;
 * if its DCS value is no longer the baseline's, a person changed it and it is reported.
 * Values are compared as PostgreSQL reads them (`8MB` = `8192kB`, `on` = `ON`).
 */
import { sameValue } from '../../drift/parameter-value.js';
import type { PgSetting } from '../../postgres/settings.js';
import type { BaselineRecord, PatchRecord } from '../../model/records.js';
import type { ChangedKnob } from '../../model/failover-state.js';

export interface KnobOwnership {
  /** Knobs the tuner set whose DCS value is still the tuner's: these are restored. */
  tunerOwned: string[];
  changedBySomeoneElse: ChangedKnob[];
}

export function knobOwnership(input: {
  names: readonly string[];
  baseline: BaselineRecord;
  patches: readonly PatchRecord[];
  /** `postgresql.parameters` of GET /config now. */
  dcs: Readonly<Record<string, unknown>>;
  /** This node's pg_settings, to compare values as PostgreSQL reads them. */
  settings: readonly PgSetting[];
}): KnobOwnership {
  const settings = new Map(input.settings.map((s) => [s.name, s]));
  const tunerOwned: string[] = [];
  const changedBySomeoneElse: ChangedKnob[] = [];
  for (const name of [...input.names].sort()) {
    const dcs = asParameter(input.dcs[name]);
    const sent = sentValues(name, input.patches);
    const same = (value: string | null) => equal(dcs, value, settings.get(name));
    if (sent.length === 0) {
      if (!same(asParameter(input.baseline.dcsParameters[name]))) changedBySomeoneElse.push({ name, dcs, lastSentByTuner: null });
      continue;
    }
    const accepted = tunerValues(sent, asParameter(input.baseline.dcsParameters[name]));
    if (accepted.some(same)) tunerOwned.push(name);
    else changedBySomeoneElse.push({ name, dcs, lastSentByTuner: sent.at(-1)!.value });
  }
  return { tunerOwned, changedBySomeoneElse };
}

interface Sent {
  value: string | null;
  applied: boolean;
}

/** Every value of `name` the session's PATCHes carried, oldest first. */
function sentValues(name: string, patches: readonly PatchRecord[]): Sent[] {
  const sent: Sent[] = [];
  for (const patch of patches) {
    const parameters = (patch.body as { postgresql?: { parameters?: Record<string, unknown> } } | null)?.postgresql?.parameters;
    if (parameters === undefined || !Object.hasOwn(parameters, name)) continue;
    sent.push({ value: asParameter(parameters[name]), applied: patch.outcome === 'ok' });
  }
  return sent;
}

/** The last value sent, and, walking back over PATCHes not known applied, each value that may still be in force. */
function tunerValues(sent: readonly Sent[], baseline: string | null): Array<string | null> {
  const values: Array<string | null> = [];
  for (let i = sent.length - 1; i >= 0; i--) {
    values.push(sent[i]!.value);
    if (sent[i]!.applied) return values;
  }
  values.push(baseline);
  return values;
}

function asParameter(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function equal(a: string | null, b: string | null, setting: PgSetting | undefined): boolean {
  if (a === null || b === null) return a === b;
  if (a === b) return true;
  return setting !== undefined && sameValue(a, b, setting);
}
