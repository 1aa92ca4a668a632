/** The fleet page's data: every cluster, read through its answering agent, with its sessions' activity. */
import type { AgentSlot } from '../settings';
import { clusterActivity, type ClusterActivity } from './activity';
import { AgentRequestError } from './agent-api';
import { discoverFleet, type FailedAgent, type FleetCluster } from './fleet';

export interface ClusterOverview extends FleetCluster {
  /** The sessions' activity, or why it could not be read (the cluster is still shown). */
  activity: { ok: true; value: ClusterActivity } | { ok: false; error: AgentRequestError };
}

export interface FleetOverview {
  clusters: ClusterOverview[];
  failed: FailedAgent[];
}

export async function loadFleetOverview(agents: readonly AgentSlot[]): Promise<FleetOverview> {
  const fleet = await discoverFleet(agents);
  const clusters = await Promise.all(
    fleet.clusters.map(async (cluster): Promise<ClusterOverview> => {
      try {
        return { ...cluster, activity: { ok: true, value: await clusterActivity(cluster.answering.slot) } };
      } catch (error) {
        if (error instanceof AgentRequestError) {
          return { ...cluster, activity: { ok: false, error } };
        }
        throw error;
      }
    })
  );
  return { clusters, failed: fleet.failed };
}
