import type { NodeStatus } from '../patroni/responses.js';
import type { Member, MemberHealth, MemberRole, Topology } from '../topology/model.js';
import { bool, enumSamples, gauge, single, type FamilySpec, type Sample } from './family.js';
import type { Scrape } from './scrape.js';

const ROLES: readonly MemberRole[] = ['primary', 'standby_leader', 'replica', 'transitional', 'unknown'];
const HEALTHS: readonly MemberHealth[] = ['up', 'starting', 'stopping', 'stopped', 'failed', 'unknown'];

interface PatroniView {
  node: NodeStatus;
  topology: Topology;
  scope: string;
}

const view = (s: Scrape): PatroniView | null => {
  const patroni = s.cluster?.patroni;
  if (!patroni?.ok) return null;
  const { node, topology } = patroni.value;
  return { node, topology, scope: topology.scope ?? node.scope ?? '' };
};

/** Cluster-wide values carry `scope`, so alert rules can aggregate per cluster across agents. */
const clusterValue = (pick: (v: PatroniView) => number | null) => (s: Scrape): Sample[] => {
  const v = view(s);
  return v ? single(pick(v), { scope: v.scope }) : [];
};

const perMember = (pick: (m: Member) => number | null) => (s: Scrape): Sample[] => {
  const v = view(s);
  return (v?.topology.members ?? []).flatMap((m) => single(pick(m), { scope: v!.scope, member: m.name }));
};

export const patroniFamilies: FamilySpec<Scrape>[] = [
  gauge('pgtuner_patroni_up', "Whether this node's Patroni REST API answered the last poll (1) or not (0).", (s) =>
    single(s.cluster ? bool(s.cluster.patroni.ok) : 0),
  ),
  gauge('pgtuner_patroni_info', "This node's Patroni: version, scope and the member this agent runs beside; always 1.", (s) => {
    const v = view(s);
    return v
      ? single(1, { scope: v.scope, member: s.cluster?.self ?? '', version: v.node.patroniVersion ?? 'unknown' })
      : [];
  }),
  gauge('pgtuner_patroni_members', 'Members listed in /cluster.', clusterValue((v) => v.topology.members.length)),
  gauge('pgtuner_patroni_has_leader', 'Whether a member holds the leader lock (1) or not (0).', clusterValue((v) =>
    bool(v.topology.leader !== null),
  )),
  gauge('pgtuner_patroni_cluster_unlocked', 'Nobody holds the leader lock, as /cluster shows.', clusterValue((v) =>
    bool(v.topology.unlocked),
  )),
  gauge('pgtuner_patroni_paused', 'Maintenance mode (pause) is on.', clusterValue((v) => bool(v.topology.paused))),
  gauge('pgtuner_patroni_timeline', "The leader's timeline (highest member timeline without a leader).", clusterValue((v) =>
    v.topology.timeline,
  )),
  gauge('pgtuner_patroni_dcs_last_seen_timestamp_seconds', "When this node's Patroni last reached the DCS (epoch seconds).", clusterValue((v) =>
    v.node.dcsLastSeen,
  )),
  gauge('pgtuner_patroni_member_leader', 'Whether the member holds the leader lock.', perMember((m) => bool(m.isLeader))),
  gauge('pgtuner_patroni_member_role', "The member's role, normalised across Patroni versions (one series per role).", (s) => {
    const v = view(s);
    return (v?.topology.members ?? []).flatMap((m) => enumSamples(ROLES, m.role, 'role', { scope: v!.scope, member: m.name }));
  }),
  gauge('pgtuner_patroni_member_health', "Whether the member's PostgreSQL serves (one series per health state).", (s) => {
    const v = view(s);
    return (v?.topology.members ?? []).flatMap((m) =>
      enumSamples(HEALTHS, m.health, 'health', { scope: v!.scope, member: m.name }),
    );
  }),
  gauge('pgtuner_patroni_member_timeline', "The member's timeline.", perMember((m) => m.timeline)),
  gauge('pgtuner_patroni_member_lag_bytes', 'Replication lag in bytes as Patroni reports it; absent when unknown.', perMember((m) =>
    m.isLeader ? 0 : m.lagBytes,
  )),
  gauge('pgtuner_patroni_member_pending_restart', 'The member has settings waiting for a restart.', perMember((m) =>
    bool(m.pendingRestart),
  )),
  gauge('pgtuner_patroni_member_sync_standby', 'The member is a synchronous or quorum standby.', perMember((m) => bool(m.isSync))),
];
