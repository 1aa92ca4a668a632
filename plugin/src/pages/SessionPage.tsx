/**
 * One tuning session: its progress, the score per iteration against the baseline and the best so far,
 * every iteration, the best configuration as a patronictl command, its events, and Stop; a halted
 * session's banner (phase countdown, Acknowledge) and what happened. Refreshes on its own.
 */
import React from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import { ACTIVE_STATES } from '../api/activity';
import { loadSessionView } from '../api/session-view';
import { FailedAgents, LoadError, NoAgentsConfigured } from '../components/AgentNotices';
import { HaltBanner } from '../components/HaltBanner';
import { useAgents } from '../components/App/AgentsContext';
import { PendingChangeBanner } from '../components/approval/PendingChangeBanner';
import { BestConfiguration } from '../components/session/BestConfiguration';
import { EventTimeline } from '../components/session/EventTimeline';
import { HaltDetails } from '../components/session/HaltDetails';
import { IterationsTable } from '../components/session/IterationsTable';
import { ScoreChart } from '../components/session/ScoreChart';
import { SessionProgress } from '../components/session/SessionProgress';
import { StopSessionButton } from '../components/session/StopSessionButton';
import { PLUGIN_BASE_URL, REFRESH_INTERVAL_MS, clusterPath, sessionsPath } from '../constants';
import { shortId } from '../format';
import { usePolling } from '../hooks/usePolling';

export default function SessionPage() {
  const params = useParams<{ scope: string; id: string }>();
  const scope = params.scope ?? '';
  const id = params.id ?? '';
  const agents = useAgents();
  const view = usePolling(
    () => loadSessionView(agents, scope, id),
    REFRESH_INTERVAL_MS,
    `${scope} ${id} ${JSON.stringify(agents)}`
  );
  const data = view.data;
  const detail = data?.detail ?? null;
  const halted = detail !== null && (detail.session.state === 'halted' || detail.session.detectedHalt !== null);

  return (
    <PluginPage
      pageNav={{
        text: `Session ${shortId(id)}`,
        parentItem: {
          text: 'Sessions',
          url: sessionsPath(scope),
          parentItem: { text: scope, url: clusterPath(scope), parentItem: { text: 'Fleet', url: PLUGIN_BASE_URL } },
        },
      }}
      subTitle={`Tuning session ${id} on cluster ${scope}`}
    >
      {agents.length === 0 ? (
        <NoAgentsConfigured />
      ) : view.loading ? (
        <LoadingPlaceholder text="Reading the session…" />
      ) : (
        <Stack direction="column" gap={2}>
          {view.error && <LoadError title="The session could not be read" error={view.error} />}
          {data && data.cluster === null && (
            <Alert severity="error" title={`No agent answers for cluster ${scope}`}>
              None of the agents that answer belongs to this cluster. Agents that do not answer are listed below.
            </Alert>
          )}
          {data?.cluster && detail && (
            <>
              <Stack direction="row" gap={2} alignItems="flex-start" justifyContent="space-between">
                <SessionProgress detail={detail} />
                {ACTIVE_STATES.has(detail.session.state) && (
                  <StopSessionButton slot={data.cluster.answering.slot} sessionId={id} onStopped={view.reload} />
                )}
              </Stack>
              {halted && (
                <>
                  <HaltBanner
                    slot={data.cluster.answering.slot}
                    halted={{
                      session: detail.session,
                      phase: detail.failover?.phase ?? null,
                      // The wire's ISO time as epoch ms, for the banner's countdown.
                      phaseEndsAt: detail.failover?.phaseEndsAt ? Date.parse(detail.failover.phaseEndsAt) : null,
                    }}
                    onAcknowledged={view.reload}
                  />
                  <HaltDetails session={detail.session} failover={detail.failover} />
                </>
              )}
              {data.pending && (
                <PendingChangeBanner slot={data.cluster.answering.slot} change={data.pending} onDecided={view.reload} />
              )}
              {detail.session.reason && !halted && <Text color="secondary">Reason: {detail.session.reason}</Text>}
              <ScoreChart iterations={detail.iterations} objective={detail.session.options.objective} />
              <Text element="h3">Iterations</Text>
              <IterationsTable
                iterations={detail.iterations}
                baseline={detail.baseline}
                pendingChanges={detail.pendingChanges}
              />
              <Text element="h3">Configuration</Text>
              <BestConfiguration detail={detail} bestMeasured={data.bestMeasured} />
              <Text element="h3">Events</Text>
              <EventTimeline events={detail.events} />
            </>
          )}
          {data && <FailedAgents failed={data.failed} />}
        </Stack>
      )}
    </PluginPage>
  );
}
