/**
 * One cluster: every member with its role, state, timeline, lag and pending restart, the leader marked,
 * which agent answers for it, and the recent topology events, read through an agent that answers; and
 * each member's host and PostgreSQL from Prometheus.
 */
import React, { useMemo } from 'react';
import { useParams } from 'react-router-dom';
import type { ClusterView, Member } from '@patroni-tuner/backend/contract';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Icon,
  InteractiveTable,
  LinkButton,
  LoadingPlaceholder,
  Stack,
  Text,
  type Column,
} from '@grafana/ui';
import { discoverFleet, type AnsweringAgent, type FleetCluster } from '../api/fleet';
import { FailedAgents, LoadError, NoAgentsConfigured } from '../components/AgentNotices';
import { useAgents } from '../components/App/AgentsContext';
import { testIds } from '../components/testIds';
import { PLUGIN_BASE_URL, REFRESH_INTERVAL_MS, sessionsPath } from '../constants';
import { describeEvent, formatBytes, formatTime } from '../format';
import { usePolling } from '../hooks/usePolling';
import { ClusterPendingChange } from '../components/approval/ClusterPendingChange';
import { MemberMetricsPanels } from '../components/MemberMetricsPanels';

export default function ClusterPage() {
  const scope = useParams<{ scope: string }>().scope ?? '';
  const agents = useAgents();
  const fleet = usePolling(() => discoverFleet(agents), REFRESH_INTERVAL_MS, `${scope} ${JSON.stringify(agents)}`);
  const cluster = fleet.data?.clusters.find((c) => c.scope === scope) ?? null;

  return (
    <PluginPage
      pageNav={{ text: scope, parentItem: { text: 'Fleet', url: PLUGIN_BASE_URL } }}
      subTitle={`Patroni cluster ${scope}`}
    >
      {agents.length === 0 ? (
        <NoAgentsConfigured />
      ) : fleet.loading ? (
        <LoadingPlaceholder text="Asking the agents…" />
      ) : (
        <Stack direction="column" gap={2}>
          {fleet.error && <LoadError title="The cluster could not be read" error={fleet.error} />}
          {fleet.data && cluster === null && (
            <Alert severity="error" title={`No agent answers for cluster ${scope}`}>
              None of the agents that answer belongs to this cluster. Agents that do not answer are listed below.
            </Alert>
          )}
          {cluster && <ClusterDetail cluster={cluster} />}
          {fleet.data && <FailedAgents failed={fleet.data.failed} />}
        </Stack>
      )}
    </PluginPage>
  );
}

interface MemberRow {
  member: Member;
  agent: AnsweringAgent | null;
}

function ClusterDetail({ cluster }: { cluster: FleetCluster }) {
  const view = cluster.answering.cluster;
  const rows = useMemo(
    () =>
      view.members.map((member) => ({
        member,
        agent: cluster.agents.find((a) => a.cluster.self === member.name) ?? null,
      })),
    [view.members, cluster.agents]
  );
  return (
    <Stack direction="column" gap={2}>
      <ClusterPendingChange slot={cluster.answering.slot} />
      <Stack direction="row" justifyContent="space-between" alignItems="center">
        <Summary view={view} answering={cluster.answering} />
        <LinkButton href={sessionsPath(cluster.scope)} variant="secondary" icon="history">
          Sessions
        </LinkButton>
      </Stack>
      <InteractiveTable<MemberRow> columns={COLUMNS} data={rows} getRowId={(row) => row.member.name} />
      <MemberMetricsPanels scope={cluster.scope} />
      <RecentEvents events={view.recentEvents} />
    </Stack>
  );
}

function Summary({ view, answering }: { view: ClusterView; answering: AnsweringAgent }) {
  return (
    <Stack direction="row" gap={2} wrap="wrap" alignItems="center">
      {view.leader === null ? (
        <Badge color="red" text="No leader" icon="exclamation-triangle" />
      ) : (
        <Text>Leader {view.leader}</Text>
      )}
      <Text>Timeline {view.timeline ?? 'unknown'}</Text>
      {view.paused && <Badge color="orange" text="Paused" icon="pause" />}
      {view.unlocked && <Badge color="red" text="Leader lock free" icon="unlock" />}
      <Text color="secondary">
        Read through agent {answering.slot + 1} ({view.self ?? 'member unknown'}, {answering.url}) at{' '}
        {formatTime(view.observedAt)}
      </Text>
    </Stack>
  );
}

const COLUMNS: Array<Column<MemberRow>> = [
  {
    id: 'name',
    header: 'Member',
    cell: ({ row: { original } }) => (
      <span data-testid={testIds.cluster.member(original.member.name)}>
        {original.member.name} {original.member.isLeader && <Badge color="blue" text="Leader" icon="star" />}
      </span>
    ),
  },
  {
    id: 'role',
    header: 'Role',
    cell: ({ row: { original } }) => original.member.role + (original.member.isSync ? ' (sync)' : ''),
  },
  {
    id: 'state',
    header: 'State',
    cell: ({ row: { original } }) => (
      <Text color={original.member.health === 'up' ? 'success' : 'error'}>{original.member.state}</Text>
    ),
  },
  { id: 'timeline', header: 'Timeline', cell: ({ row: { original } }) => original.member.timeline ?? 'unknown' },
  {
    id: 'lag',
    header: 'Lag',
    cell: ({ row: { original } }) => (original.member.isLeader ? '—' : formatBytes(original.member.lagBytes)),
  },
  {
    id: 'pendingRestart',
    header: 'Pending restart',
    cell: ({ row: { original } }) =>
      original.member.pendingRestart ? <Badge color="orange" text="Pending restart" /> : 'no',
  },
  {
    id: 'agent',
    header: 'Agent',
    cell: ({ row: { original } }) =>
      original.agent ? (
        <span>
          <Icon name="check" /> agent {original.agent.slot + 1} ({original.agent.url})
        </span>
      ) : (
        <Text color="warning">no agent answering</Text>
      ),
  },
];

function RecentEvents({ events }: { events: ClusterView['recentEvents'] }) {
  return (
    <section>
      <h3>Recent topology events</h3>
      {events.length === 0 ? (
        <Text color="secondary">No topology change since the agent started.</Text>
      ) : (
        <ul>
          {[...events].reverse().map((event, index) => (
            <li key={`${event.at}-${index}`}>
              {formatTime(event.at)}: {describeEvent(event)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
