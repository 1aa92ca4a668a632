/**
 * A cluster's tuning sessions, newest first: state, start, duration, iterations done of planned and
 * the improvement found; and the form that starts one.
 */
import React from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, InteractiveTable, LoadingPlaceholder, Stack, Text, TextLink, type Column } from '@grafana/ui';
import { SESSIONS_SHOWN, loadSessionsOverview, type SessionRow } from '../api/sessions-overview';
import { FailedAgents, LoadError, NoAgentsConfigured } from '../components/AgentNotices';
import { useAgents } from '../components/App/AgentsContext';
import { SessionStateBadge } from '../components/SessionStateBadge';
import { StartSessionForm } from '../components/StartSessionForm';
import { testIds } from '../components/testIds';
import { PLUGIN_BASE_URL, REFRESH_INTERVAL_MS, clusterPath, sessionPath } from '../constants';
import { formatDuration, formatTime, shortId } from '../format';
import { usePolling } from '../hooks/usePolling';

export default function SessionsPage() {
  const scope = useParams<{ scope: string }>().scope ?? '';
  const agents = useAgents();
  const overview = usePolling(
    () => loadSessionsOverview(agents, scope),
    REFRESH_INTERVAL_MS,
    `${scope} ${JSON.stringify(agents)}`
  );
  const data = overview.data;

  return (
    <PluginPage
      pageNav={{
        text: 'Sessions',
        parentItem: { text: scope, url: clusterPath(scope), parentItem: { text: 'Fleet', url: PLUGIN_BASE_URL } },
      }}
      subTitle={`Tuning sessions of cluster ${scope}`}
    >
      {agents.length === 0 ? (
        <NoAgentsConfigured />
      ) : overview.loading ? (
        <LoadingPlaceholder text="Reading the sessions…" />
      ) : (
        <Stack direction="column" gap={2}>
          {overview.error && <LoadError title="The sessions could not be read" error={overview.error} />}
          {data && data.cluster === null && (
            <Alert severity="error" title={`No agent answers for cluster ${scope}`}>
              None of the agents that answer belongs to this cluster. Agents that do not answer are listed below.
            </Alert>
          )}
          {data?.cluster && (
            <StartSessionForm
              slot={data.cluster.answering.slot}
              cluster={data.cluster.answering.cluster}
              active={data.active}
              halted={data.halted}
              onStarted={overview.reload}
            />
          )}
          {data?.cluster && data.sessions.length === 0 && (
            <Text color="secondary">No tuning session yet on this cluster.</Text>
          )}
          {data?.cluster && data.sessions.length > 0 && (
            <>
              <InteractiveTable<SessionRow> columns={COLUMNS} data={data.sessions} getRowId={(row) => row.session.id} />
              {data.total > SESSIONS_SHOWN && (
                <Text color="secondary">
                  The {SESSIONS_SHOWN} newest of {data.total} sessions.
                </Text>
              )}
            </>
          )}
          {data && <FailedAgents failed={data.failed} />}
        </Stack>
      )}
    </PluginPage>
  );
}

const COLUMNS: Array<Column<SessionRow>> = [
  {
    id: 'id',
    header: 'Session',
    cell: ({ row: { original } }) => (
      <TextLink
        href={sessionPath(original.session.scope, original.session.id)}
        data-testid={testIds.sessions.row(original.session.id)}
      >
        {shortId(original.session.id)}
      </TextLink>
    ),
  },
  {
    id: 'state',
    header: 'State',
    cell: ({ row: { original } }) => <SessionStateBadge state={original.session.state} />,
  },
  {
    id: 'objective',
    header: 'Objective',
    cell: ({ row: { original } }) => original.session.options.objective.replace(/_/g, ' '),
  },
  { id: 'started', header: 'Started', cell: ({ row: { original } }) => formatTime(original.session.createdAt) },
  {
    id: 'duration',
    header: 'Duration',
    cell: ({ row: { original } }) =>
      formatDuration(
        new Date(original.session.createdAt).getTime(),
        original.session.endedAt === null ? Date.now() : new Date(original.session.endedAt).getTime()
      ),
  },
  {
    id: 'iterations',
    header: 'Iterations',
    cell: ({ row: { original } }) => `${original.iterationsDone} / ${original.session.options.iterations}`,
  },
  {
    id: 'improvement',
    header: 'Improvement',
    cell: ({ row: { original } }) => {
      const ratio = original.session.result?.improvementRatio ?? null;
      return ratio === null ? '—' : `×${ratio.toFixed(2)}`;
    },
  },
  { id: 'reason', header: 'Reason', cell: ({ row: { original } }) => original.session.reason ?? '' },
];
