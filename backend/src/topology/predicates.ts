/** Pure questions about a Topology, shared by the diff, the failover protocol and the API. */
import type { Member, Topology } from './model.js';

/** Whether the member's PostgreSQL serves (running, streaming or in archive recovery). */
export function isUp(member: Member): boolean {
  return member.health === 'up';
}

/** The member holding the leader lock, or null when the cluster is unlocked. */
export function leaderMember(topology: Topology): Member | null {
  if (topology.leader === null) return null;
  return topology.members.find((member) => member.name === topology.leader) ?? null;
}

/** Someone holds the leader lock and that member's PostgreSQL serves. */
export function hasHealthyLeader(topology: Topology): boolean {
  const leader = leaderMember(topology);
  return !topology.unlocked && leader !== null && isUp(leader);
}
