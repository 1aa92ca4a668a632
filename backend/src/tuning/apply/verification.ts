/**
 * Checking that every member shows a configuration (safety rule 3): each member's pg_settings rows
 * against the expected values, polled until they converge or a deadline passes. Used after every
 * apply of a session and after a baseline is restored by the failover protocol or an aborted session.
 */
import type { BaselineRecord, MemberVerification, ParameterValue } from '../../model/records.js';
import type { Configuration } from '../../model/configuration-space.js';
import type { Clock, MembersPort, MemberSettings, SessionCatalogue } from './ports.js';

export interface VerificationOptions {
  cluster: MembersPort;
  clock: Clock;
  /** In pg_settings units. */
  expected: Configuration;
  matches: SessionCatalogue['matches'];
  timeoutMs: number;
  pollMs: number;
  /** Cuts the wait short (a halt); the sleep then rejects. */
  signal: AbortSignal;
  /**
   * False (a session's apply): an unreachable member fails verification and is waited for.
   * True (restoring a baseline after a failover): it is left out of convergence, and the caller
   * records it as unverified.
   */
  skipUnreachable: boolean;
}

/**
 * Polls every member's pg_settings until all (reachable) show `expected`, a restart is pending for
 * one of its parameters, or the deadline passes.
 */
export async function awaitVerification(options: VerificationOptions): Promise<MemberVerification[]> {
  const { clock, cluster, expected, matches } = options;
  const names = Object.keys(expected);
  const deadline = clock.monotonic() + options.timeoutMs;
  for (;;) {
    const results = (await cluster.readMemberSettings(names)).map((member) => verifyMember(member, expected, matches));
    const converged = results.every((r) => r.verified || (options.skipUnreachable && isUnreachable(r)));
    // pending_restart never clears by waiting: it is an error at once (safety rule 3).
    if (converged || results.some((r) => r.pendingRestart.length > 0) || clock.monotonic() >= deadline) return results;
    await clock.sleep(options.pollMs, options.signal);
  }
}

/** A member whose pg_settings could not be read at all (as opposed to one showing other values). */
export function isUnreachable(verification: MemberVerification): boolean {
  return !verification.verified && verification.error !== null && verification.mismatches.length === 0 && verification.pendingRestart.length === 0;
}

export function verifyMember(member: MemberSettings, expected: Configuration, matches: SessionCatalogue['matches']): MemberVerification {
  if (!member.ok) return { member: member.member, verified: false, mismatches: [], pendingRestart: [], error: member.error };
  const byName = new Map(member.settings.map((s) => [s.name, s]));
  const mismatches: MemberVerification['mismatches'] = [];
  for (const [name, value] of Object.entries(expected)) {
    const setting = byName.get(name);
    if (!setting || !matches(value as ParameterValue, setting)) {
      mismatches.push({ name, expected: value as ParameterValue, actual: setting ? String(setting.setting) : null });
    }
  }
  // Only what the tuner set: another parameter waiting for a restart is someone else's change, and
  // counting it would keep every verification (and so a failover restore) failing until a restart.
  const pendingRestart = member.settings.filter((s) => s.pendingRestart && Object.hasOwn(expected, s.name)).map((s) => s.name);
  return {
    member: member.member,
    verified: mismatches.length === 0 && pendingRestart.length === 0,
    mismatches,
    pendingRestart,
    error: pendingRestart.length > 0 ? `pending restart: ${pendingRestart.join(', ')}` : null,
  };
}

export function describeVerification(v: MemberVerification): string {
  if (v.error) return v.error;
  return v.mismatches.map((m) => `${m.name} is ${m.actual ?? 'missing'}, expected ${String(m.expected)}`).join('; ');
}

/**
 * The PATCH /config parameters that put a session's baseline back: every knob it tuned gets the
 * DCS value recorded at its start, and a knob the DCS did not set is removed with null.
 */
export function baselineParameters(baseline: BaselineRecord, names: readonly string[]): Record<string, string | null> {
  const parameters: Record<string, string | null> = {};
  for (const name of names) {
    const value = baseline.dcsParameters[name];
    parameters[name] = value === undefined ? null : String(value);
  }
  return parameters;
}
