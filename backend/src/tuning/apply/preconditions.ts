import type { Topology } from '../../topology/model.js';

/**
 * Why a session may not start on this topology (DESIGN.md §3: 409 on an unhealthy or paused
 * cluster): no leader, maintenance mode, a member whose PostgreSQL does not serve, or a member
 * waiting for a restart. Empty when the cluster is healthy.
 */
export function startBlockers(topology: Topology): string[] {
  const blockers: string[] = [];
  if (topology.leader === null || topology.unlocked) blockers.push('the cluster has no leader');
  if (topology.paused) blockers.push('the cluster is paused (maintenance mode)');
  for (const member of topology.members) {
    if (member.health !== 'up') blockers.push(`member ${member.name} is ${member.state}`);
    if (member.pendingRestart) blockers.push(`member ${member.name} has a pending restart`);
  }
  return blockers;
}
