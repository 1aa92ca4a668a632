/**
 * Pure mapping of raw Patroni JSON (2.x–4.x) onto the normalised types. Lenient with extra and
 * absent optional fields, because every minor version adds some; strict only about the shape
 * without which a response means nothing (throws PatroniInvalidResponseError).
 */
import type { Member, MemberHealth, MemberRole, Topology } from '../topology/model.js';
import { PatroniInvalidResponseError } from './errors.js';
import type { NodeStatus, PatroniConfig, TimelineSwitch } from './responses.js';

type JsonObject = Record<string, unknown>;

// One table for both surfaces: /patroni says master (≤3.x) or primary (4.0+), /cluster says leader.
const ROLES = new Map<string, MemberRole>([
  ['master', 'primary'],
  ['primary', 'primary'],
  ['leader', 'primary'],
  ['standby_leader', 'standby_leader'],
  ['replica', 'replica'],
  ['sync_standby', 'replica'],
  ['quorum_standby', 'replica'],
  ['demoted', 'transitional'],
  ['uninitialized', 'transitional'],
  ['promoted', 'transitional'],
]);

const UP_STATES = new Set(['running', 'streaming', 'in archive recovery']);

const STARTING_STATES = new Set([
  'starting',
  'restarting',
  'starting after custom bootstrap',
  'creating replica',
  'initializing new cluster',
  'running custom bootstrap script',
]);

export function normalizeRole(role: unknown): MemberRole {
  return (typeof role === 'string' && ROLES.get(role)) || 'unknown';
}

export function normalizeHealth(state: unknown): MemberHealth {
  if (typeof state !== 'string') return 'unknown';
  if (UP_STATES.has(state)) return 'up';
  if (STARTING_STATES.has(state)) return 'starting';
  if (state === 'stopping') return 'stopping';
  if (state === 'stopped') return 'stopped';
  // `start failed`, `stop failed`, `initdb failed`, `custom bootstrap failed`, and before 4.1
  // `restart failed (<reason>)`.
  if (state === 'crashed' || state.includes('failed')) return 'failed';
  return 'unknown';
}

/** GET /patroni → NodeStatus. */
export function normalizeNodeStatus(raw: unknown): NodeStatus {
  if (!isObject(raw)) throw new PatroniInvalidResponseError('/patroni is not a JSON object');
  if (typeof raw.state !== 'string' || typeof raw.role !== 'string') {
    throw new PatroniInvalidResponseError('/patroni has no state or role');
  }
  const patroni = isObject(raw.patroni) ? raw.patroni : {};
  const xlog = isObject(raw.xlog) ? raw.xlog : {};
  return {
    name: stringOrNull(patroni.name),
    scope: stringOrNull(patroni.scope),
    role: normalizeRole(raw.role),
    health: normalizeHealth(raw.state),
    state: raw.state,
    isSync: raw.sync_standby === true || raw.quorum_standby === true,
    timeline: numberOrNull(raw.timeline),
    pendingRestart: raw.pending_restart === true,
    paused: raw.pause === true,
    clusterUnlocked: raw.cluster_unlocked === true,
    failsafeActive: raw.failsafe_mode_is_active === true,
    patroniVersion: stringOrNull(patroni.version),
    serverVersion: numberOrNull(raw.server_version),
    walLocation: numberOrNull(xlog.location),
    receivedLocation: numberOrNull(xlog.received_location),
    replayedLocation: numberOrNull(xlog.replayed_location),
    dcsLastSeen: numberOrNull(raw.dcs_last_seen),
    replicationState: stringOrNull(raw.replication_state),
  };
}

/**
 * GET /cluster → Topology.
 * @param fallbackScope the scope from /patroni, for versions before 3.2 whose /cluster has none.
 */
export function normalizeCluster(raw: unknown, fallbackScope: string | null = null): Topology {
  if (!isObject(raw) || !Array.isArray(raw.members)) {
    throw new PatroniInvalidResponseError('/cluster has no members array');
  }
  const members = raw.members.map(normalizeMember).sort((a, b) => compareNames(a.name, b.name));
  const leader = members.find((member) => member.isLeader) ?? null;
  return {
    scope: stringOrNull(raw.scope) ?? fallbackScope,
    members,
    leader: leader?.name ?? null,
    timeline: leader?.timeline ?? highestTimeline(members),
    paused: raw.pause === true,
    unlocked: leader === null,
  };
}

/** GET /config (or the answer to PATCH /config) → PatroniConfig. */
export function normalizeConfig(raw: unknown): PatroniConfig {
  if (!isObject(raw)) throw new PatroniInvalidResponseError('/config is not a JSON object');
  const { postgresql } = raw;
  if (postgresql !== undefined) {
    if (!isObject(postgresql)) throw new PatroniInvalidResponseError('/config postgresql is not an object');
    const { parameters } = postgresql;
    if (parameters !== undefined && !(isObject(parameters) && Object.values(parameters).every(isScalar))) {
      throw new PatroniInvalidResponseError('/config postgresql.parameters is not an object of scalar values');
    }
  }
  return raw as PatroniConfig;
}

/** GET /history → one TimelineSwitch per line, oldest first as Patroni lists them. */
export function normalizeHistory(raw: unknown): TimelineSwitch[] {
  if (!Array.isArray(raw)) throw new PatroniInvalidResponseError('/history is not a JSON array');
  return raw.map((line: unknown, index) => {
    if (!Array.isArray(line) || typeof line[0] !== 'number' || typeof line[1] !== 'number') {
      throw new PatroniInvalidResponseError(`/history line ${index} is not [timeline, lsn, …]`);
    }
    return {
      timeline: line[0],
      lsn: line[1],
      reason: stringOrNull(line[2]) ?? '',
      promotedAt: stringOrNull(line[3]),
      newLeader: stringOrNull(line[4]),
    };
  });
}

function normalizeMember(raw: unknown, index: number): Member {
  if (!isObject(raw) || typeof raw.name !== 'string') {
    throw new PatroniInvalidResponseError(`/cluster members[${index}] has no name`);
  }
  return {
    name: raw.name,
    role: normalizeRole(raw.role),
    health: normalizeHealth(raw.state),
    state: stringOrNull(raw.state) ?? '',
    // /cluster marks the lock holder by role, never by master/primary.
    isLeader: raw.role === 'leader' || raw.role === 'standby_leader',
    isSync: raw.role === 'sync_standby' || raw.role === 'quorum_standby',
    apiUrl: stringOrNull(raw.api_url),
    host: stringOrNull(raw.host),
    port: numberOrNull(raw.port),
    timeline: numberOrNull(raw.timeline),
    // A number, or the string `unknown` when the member has not reported a WAL position.
    lagBytes: numberOrNull(raw.lag),
    pendingRestart: raw.pending_restart === true,
    tags: isObject(raw.tags) ? { ...raw.tags } : {},
  };
}

function highestTimeline(members: Member[]): number | null {
  const timelines = members.flatMap((member) => (member.timeline === null ? [] : [member.timeline]));
  return timelines.length === 0 ? null : Math.max(...timelines);
}

// Code-point order, as Patroni sorts (Python's str comparison), not the locale's.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
