/**
 * Puts a session's recorded baseline back (DESIGN.md §4 rule 8.3, and rule 9 for an executor that
 * restarted): through Patroni only, validated first, recorded before it is sent, then checked on
 * every member's pg_settings. Members that cannot be reached are reported as unverified rather than
 * failing the restore; a reachable member showing anything else fails it.
 */
import type { PgSetting } from '../../postgres/settings.js';
import type { BaselineRecord, MemberVerification } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { Clock, ClusterPort, ConfigPort, LeaderPort, SessionCatalogue } from '../session/ports.js';
import { sendRecordedPatch } from '../session/recorded-patch.js';
import { awaitVerification, baselineParameters, describeVerification, isUnreachable, verifyMember } from '../session/verification.js';

export interface BaselineRestorePorts {
  store: Store;
  /** This node: asked fresh that it leads, and for the settings that validate the baseline. */
  leader: Pick<LeaderPort, 'checkLeader' | 'readSettings'>;
  config: ConfigPort;
  cluster: ClusterPort;
  clock: Clock;
  /** The catalogue of `knobs` built from this node's pg_settings (validation and matching). */
  catalogue(settings: readonly PgSetting[], knobs: readonly string[]): SessionCatalogue;
  verifyTimeoutMs: number;
  verifyPollMs: number;
}

/** Why a baseline could not be restored; retried by the caller. */
export class BaselineRestoreError extends Error {
  override readonly name = 'BaselineRestoreError';
  constructor(
    message: string,
    readonly verification: MemberVerification[] = [],
  ) {
    super(message);
  }
}

export interface RestoredBaseline {
  /** Members that could not be reached, or are known but not listed by Patroni: not checked. */
  unverified: string[];
  verification: MemberVerification[];
}

export class BaselineRestorer {
  readonly #ports: BaselineRestorePorts;

  constructor(ports: BaselineRestorePorts) {
    this.#ports = ports;
  }

  /**
   * Sends the baseline of `sessionId` through PATCH /config and waits until every reachable member
   * shows it. `knownMembers` are members the caller has seen in the cluster: one Patroni no longer
   * lists (its key expired while it is down) is unverified too.
   */
  async restore(sessionId: string, knownMembers: readonly string[], signal: AbortSignal): Promise<RestoredBaseline> {
    const { store, leader, clock } = this.#ports;
    const baseline = await store.getBaseline(sessionId);
    if (baseline === null) {
      // Halted while preparing: the baseline is saved before anything is sent, so nothing was changed.
      if ((await store.listPatches(sessionId)).length === 0) return { unverified: [], verification: [] };
      throw missingBaseline(sessionId);
    }
    const catalogue = await this.#catalogue(baseline);
    const role = await leader.checkLeader(null);
    if (!role.leader) throw new BaselineRestoreError(`not restoring from a node that does not lead: ${role.reason}`);
    const validation = catalogue.validate(baseline.effective, { restore: true });
    if (!validation.ok) {
      throw new BaselineRestoreError(`the recorded baseline does not validate, not sent: ${validation.errors.map((e) => e.message).join('; ')}`);
    }
    const body = { postgresql: { parameters: baselineParameters(baseline, catalogue.names) } };
    const sent = await sendRecordedPatch(this.#ports, sessionId, null, body, signal);
    if (!sent.ok) throw new BaselineRestoreError(`PATCH /config failed: ${sent.error}`);
    const verification = await awaitVerification({
      cluster: this.#ports.cluster,
      clock,
      expected: baseline.effective,
      matches: catalogue.matches,
      timeoutMs: this.#ports.verifyTimeoutMs,
      pollMs: this.#ports.verifyPollMs,
      signal,
      skipUnreachable: true,
    });
    const failed = verification.filter((v) => !v.verified && !isUnreachable(v));
    if (failed.length > 0) {
      throw new BaselineRestoreError(`baseline not verified on ${failed.map((v) => `${v.member} (${describeVerification(v)})`).join(', ')}`, verification);
    }
    const listed = new Set(verification.map((v) => v.member));
    const unverified = [...verification.filter(isUnreachable).map((v) => v.member), ...knownMembers.filter((m) => !listed.has(m))];
    return { unverified: [...new Set(unverified)].sort(), verification };
  }

  /** The given members that are reachable now and show the baseline of `sessionId`. */
  async verifiedMembers(sessionId: string, members: readonly string[]): Promise<string[]> {
    const baseline = await this.#ports.store.getBaseline(sessionId);
    if (baseline === null) throw missingBaseline(sessionId);
    const catalogue = await this.#catalogue(baseline);
    const wanted = new Set(members);
    const settings = await this.#ports.cluster.readMemberSettings(Object.keys(baseline.effective));
    return settings
      .filter((member) => wanted.has(member.member))
      .map((member) => verifyMember(member, baseline.effective, catalogue.matches))
      .filter((v) => v.verified)
      .map((v) => v.member);
  }

  /** The catalogue of the knobs the baseline holds, from this node's pg_settings. */
  async #catalogue(baseline: BaselineRecord): Promise<SessionCatalogue> {
    return this.#ports.catalogue(await this.#ports.leader.readSettings(), Object.keys(baseline.effective));
  }
}

function missingBaseline(sessionId: string): BaselineRestoreError {
  return new BaselineRestoreError(`session ${sessionId} has no recorded baseline`);
}
