/**
 * A cluster's members counted honestly. Patroni drops a member from /cluster once its key expires (a
 * host gone), so the answering agent's list alone would call two members of three "all up". A member
 * any agent of the cluster listed or saw come and go (its recent topology events) but the answering
 * agent no longer lists is counted as gone.
 */
import type { Member } from '@patroni-tuner/backend/contract';
import type { FleetCluster } from './fleet';

export interface MemberCount {
  /** Listed and down (not serving), and gone (no longer listed): the names, for the card. */
  down: Member[];
  gone: string[];
  up: number;
  total: number;
}

export function countMembers(cluster: FleetCluster): MemberCount {
  const listed = cluster.answering.cluster.members;
  const listedNames = new Set(listed.map((member) => member.name));
  const seen = new Set<string>();
  for (const agent of cluster.agents) {
    agent.cluster.members.forEach((member) => seen.add(member.name));
    for (const event of agent.cluster.recentEvents) {
      if (event.type === 'member_down' || event.type === 'member_up') {
        seen.add(event.member);
      }
    }
  }
  const gone = [...seen].filter((name) => !listedNames.has(name)).sort();
  const down = listed.filter((member) => member.health !== 'up');
  return { down, gone, up: listed.length - down.length, total: listed.length + gone.length };
}

/** "All members up", or which are not: "2 of 3 members up: pg1 gone". */
export function describeMemberHealth({ down, gone, up, total }: MemberCount): string {
  if (down.length === 0 && gone.length === 0) {
    return 'All members up';
  }
  const missing = [...gone.map((name) => `${name} gone`), ...down.map((member) => `${member.name} ${member.state}`)];
  return `${up} of ${total} members up: ${missing.join(', ')}`;
}
