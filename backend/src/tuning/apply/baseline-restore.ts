/**
 * Puts a session's recorded baseline back (DESIGN.md §4 rule 8.3, and rule 9 for an executor that
 * restarted): through Patroni only, validated first, recorded before it is sent, then checked on
 * every member's pg_settings; only for knobs whose DCS value is still the tuner's (rule 12). Members that cannot be reached are reported as unverified rather than
 * failing the restore; a reachable member showing anything else fails it.
 */
import type { PgSetting } from '../../postgres/settings.js';
import type { BaselineRecord, MemberVerification } from '../../model/records.js';
import type { Store } from '../../store/store.js';
import type { Clock, MembersPort, ConfigPort, LeaderPort, SessionCatalogue } from './ports.js';
import { sendRecordedPatch } from './recorded-patch.js';
import { awaitVerification, baselineParameters, describeVerification, isUnreachable, verifyMember } from './verification.js';
import type { Configuration } from '../../model/configuration-space.js';
import type { ChangedKnob } from '../../model/failover-state.js';
import { knobOwnership, type KnobOwnership } from './tuner-values.js';

export interface BaselineRestorePorts {
  store: Store;
  /** This node: asked fresh that it leads, and for the settings that validate the baseline. */
  leader: Pick<LeaderPort, 'checkLeader' | 'readSettings'>;
  config: ConfigPort;
  cluster: MembersPort;
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
  /** Tuned knobs whose DCS value someone else set after the tuner: left as they are, not checked. */
  changedBySomeoneElse: ChangedKnob[];
}

export class BaselineRestorer {
  readonly #ports: BaselineRestorePorts;

  constructor(ports: BaselineRestorePorts) {
    this.#ports = ports;
  }

  /**
   * Sends the baseline of `sessionId` through PATCH /config for every knob whose DCS value is still
   * the one the tuner last sent (tuner-values.ts), and waits until every reachable member shows it.
   * `knownMembers` are members the caller has seen in the cluster: one Patroni no longer lists (its
   * key expired while it is down) is unverified too.
   */
  async restore(sessionId: string, knownMembers: readonly string[], signal: AbortSignal): Promise<RestoredBaseline> {
    const { store, leader, clock } = this.#ports;
    const baseline = await store.getBaseline(sessionId);
    if (baseline === null) {
      // Halted while preparing: the baseline is saved before anything is sent, so nothing was changed.
      if ((await store.listPatches(sessionId)).length === 0) return { unverified: [], verification: [], changedBySomeoneElse: [] };
      throw missingBaseline(sessionId);
    }
    const { catalogue, tunerOwned, changedBySomeoneElse } = await this.#ownership(sessionId, baseline);
    const role = await leader.checkLeader(null);
    if (!role.leader) throw new BaselineRestoreError(`not restoring from a node that does not lead: ${role.reason}`);
    const expected = pick(baseline.effective, tunerOwned);
    const validation = catalogue.validate(expected, { restore: true });
    if (!validation.ok) {
      throw new BaselineRestoreError(`the recorded baseline does not validate, not sent: ${validation.errors.map((e) => e.message).join('; ')}`);
    }
    if (tunerOwned.length > 0) {
      const body = { postgresql: { parameters: baselineParameters(baseline, tunerOwned) } };
      const sent = await sendRecordedPatch(this.#ports, sessionId, null, body, signal);
      if (!sent.ok) throw new BaselineRestoreError(`PATCH /config failed: ${sent.error}`);
    }
    const verification = await awaitVerification({
      cluster: this.#ports.cluster,
      clock,
      expected,
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
    return { unverified: [...new Set(unverified)].sort(), verification, changedBySomeoneElse };
  }

  /** The given members that are reachable now and show the baseline of `sessionId` for the knobs the tuner restored. */
  async verifiedMembers(sessionId: string, members: readonly string[]): Promise<string[]> {
    const baseline = await this.#ports.store.getBaseline(sessionId);
    if (baseline === null) throw missingBaseline(sessionId);
    const { catalogue, tunerOwned } = await this.#ownership(sessionId, baseline);
    const expected = pick(baseline.effective, tunerOwned);
    const wanted = new Set(members);
    const settings = await this.#ports.cluster.readMemberSettings(Object.keys(expected));
    return settings
      .filter((member) => wanted.has(member.member))
      .map((member) => verifyMember(member, expected, catalogue.matches))
      .filter((v) => v.verified)
      .map((v) => v.member);
  }

  /** The catalogue of the knobs the baseline holds, from this node's pg_settings, and which of them are still the tuner's. */
  async #ownership(sessionId: string, baseline: BaselineRecord): Promise<{ catalogue: SessionCatalogue } & KnobOwnership> {
    const { store, leader, config } = this.#ports;
    const settings = await leader.readSettings();
    const catalogue = this.#ports.catalogue(settings, Object.keys(baseline.effective));
    const [patches, dcs] = await Promise.all([store.listPatches(sessionId), config.getConfig()]);
    return { catalogue, ...knobOwnership({ names: catalogue.names, baseline, patches, dcs: dcs.postgresql?.parameters ?? {}, settings }) };
  }
}

function pick(configuration: Configuration, names: readonly string[]): Configuration {
  return Object.fromEntries(names.filter((name) => Object.hasOwn(configuration, name)).map((name) => [name, configuration[name]!]));
}

function missingBaseline(sessionId: string): BaselineRestoreError {
  return new BaselineRestoreError(`session ${sessionId} has no recorded baseline`);
}
