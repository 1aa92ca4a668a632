/**
 * Pure comparison of two observations of the cluster, as events.
 *
 * Each event reports one field of the Topology that changed, so one happening can give several
 * events, always in this order:
 * 1. the leader name: `leader_lost` (a name → none), `leader_acquired` (none → a name),
 *    `leader_changed` (a name → another name);
 * 2. the lock flag (`unlocked`): `lock_released`, `lock_acquired`. Read from /cluster it moves with
 *    the leader name, so a leader vanishing gives `leader_lost` then `lock_released`; it is reported
 *    on its own because the agent may also set it from /patroni's `cluster_unlocked`, which
 *    includes losing the DCS while a leader is still listed;
 * 3. `timeline_changed`, only when both timelines are known;
 * 4. the pause flag: `paused`, `resumed`;
 * 5. per member, in name order, whether its PostgreSQL serves (health `up`): `member_down` when
 *    it served and now does not or has left the list, `member_up` when it serves and did not or was
 *    not listed. A member joining or leaving while not serving gives no event.
 * The first observation (no previous one) gives no events.
 */
import type { Member, MemberHealth, Topology } from './model.js';
import { isUp } from './predicates.js';

export type TopologyEvent =
  | { type: 'leader_lost'; from: string }
  | { type: 'leader_acquired'; to: string }
  | { type: 'leader_changed'; from: string; to: string }
  | { type: 'lock_released' }
  | { type: 'lock_acquired' }
  | { type: 'timeline_changed'; from: number; to: number }
  | { type: 'paused' }
  | { type: 'resumed' }
  /** `health` is null when the member left the list; `wasLeader` when it held the lock before. */
  | { type: 'member_down'; member: string; health: MemberHealth | null; wasLeader: boolean }
  /** `previousHealth` is null when the member was not listed before. */
  | { type: 'member_up'; member: string; previousHealth: MemberHealth | null };

export type TopologyEventType = TopologyEvent['type'];

export function diffTopology(prev: Topology | null, next: Topology): TopologyEvent[] {
  if (prev === null) return [];
  const events: TopologyEvent[] = [];

  if (prev.leader !== null && next.leader === null) events.push({ type: 'leader_lost', from: prev.leader });
  if (prev.leader === null && next.leader !== null) events.push({ type: 'leader_acquired', to: next.leader });
  if (prev.leader !== null && next.leader !== null && prev.leader !== next.leader) {
    events.push({ type: 'leader_changed', from: prev.leader, to: next.leader });
  }

  if (!prev.unlocked && next.unlocked) events.push({ type: 'lock_released' });
  if (prev.unlocked && !next.unlocked) events.push({ type: 'lock_acquired' });

  if (prev.timeline !== null && next.timeline !== null && prev.timeline !== next.timeline) {
    events.push({ type: 'timeline_changed', from: prev.timeline, to: next.timeline });
  }

  if (!prev.paused && next.paused) events.push({ type: 'paused' });
  if (prev.paused && !next.paused) events.push({ type: 'resumed' });

  events.push(...memberEvents(prev.members, next.members));
  return events;
}

function memberEvents(prevMembers: Member[], nextMembers: Member[]): TopologyEvent[] {
  const prevByName = new Map(prevMembers.map((member) => [member.name, member]));
  const nextByName = new Map(nextMembers.map((member) => [member.name, member]));
  // Code-point order, the order Patroni lists members in.
  const names = [...new Set([...prevByName.keys(), ...nextByName.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const events: TopologyEvent[] = [];
  for (const name of names) {
    const before = prevByName.get(name);
    const after = nextByName.get(name);
    const wasUp = before !== undefined && isUp(before);
    const nowUp = after !== undefined && isUp(after);
    if (wasUp && !nowUp) {
      events.push({ type: 'member_down', member: name, health: after?.health ?? null, wasLeader: before.isLeader });
    }
    if (!wasUp && nowUp) events.push({ type: 'member_up', member: name, previousHealth: before?.health ?? null });
  }
  return events;
}
