/** The default page: one card per cluster the configured agents belong to. */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Card, LinkButton, LoadingPlaceholder, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import type { ActiveSession, ClusterActivity } from '../api/activity';
import { describeAgentError } from '../api/agent-api';
import { loadFleetOverview, type ClusterOverview } from '../api/fleet-overview';
import { countMembers, describeMemberHealth } from '../api/member-count';
import { FailedAgents, LoadError, NoAgentsConfigured } from '../components/AgentNotices';
import { HaltBanner } from '../components/HaltBanner';
import { PendingChangeBanner } from '../components/approval/PendingChangeBanner';
import { useAgents } from '../components/App/AgentsContext';
import { testIds } from '../components/testIds';
import { REFRESH_INTERVAL_MS, clusterPath, sessionsPath } from '../constants';
import { shortId } from '../format';
import { usePolling } from '../hooks/usePolling';
import type { AgentSlot } from '../settings';

export default function FleetPage() {
  const agents = useAgents();
  return (
    <PluginPage subTitle="Every Patroni cluster the configured agents belong to">
      {agents.length === 0 ? <NoAgentsConfigured /> : <Fleet agents={agents} />}
    </PluginPage>
  );
}

/** The clusters the agents belong to, polled only while there are agents to ask. */
function Fleet({ agents }: { agents: readonly AgentSlot[] }) {
  const fleet = usePolling(() => loadFleetOverview(agents), REFRESH_INTERVAL_MS, JSON.stringify(agents));
  if (fleet.loading) {
    return <LoadingPlaceholder text="Asking the agents…" />;
  }
  return (
    <Stack direction="column" gap={2}>
      {fleet.error && <LoadError title="The fleet could not be read" error={fleet.error} />}
      {fleet.data && (
        <>
          {fleet.data.clusters.length === 0 && (
            <Alert severity="error" title="No agent answers">
              None of the {agents.length} configured agents answered; the clusters cannot be shown.
            </Alert>
          )}
          {fleet.data.clusters.map((cluster) => (
            <ClusterCard key={cluster.scope} cluster={cluster} reload={fleet.reload} />
          ))}
          <FailedAgents failed={fleet.data.failed} />
        </>
      )}
    </Stack>
  );
}

function ClusterCard({ cluster, reload }: { cluster: ClusterOverview; reload: () => void }) {
  const styles = useStyles2(getStyles);
  const view = cluster.answering.cluster;
  const members = countMembers(cluster);
  const healthy = view.leader !== null && members.up === members.total;
  const health = view.leader === null ? 'No leader' : describeMemberHealth(members);
  return (
    <Card data-testid={testIds.fleet.card(cluster.scope)}>
      <Card.Heading>
        <TextLink href={clusterPath(cluster.scope)} inline={false}>
          {cluster.scope}
        </TextLink>
      </Card.Heading>
      <Card.Meta>
        {[
          view.leader === null ? 'No leader' : `Leader ${view.leader}`,
          `${members.total} members, ${members.up} up`,
          `Timeline ${view.timeline ?? 'unknown'}`,
          `Read through agent ${cluster.answering.slot + 1} (${view.self ?? 'member unknown'})`,
        ]}
      </Card.Meta>
      <Card.Tags>
        <Stack direction="row" gap={1}>
          <Badge color={healthy ? 'green' : 'red'} text={health} icon={healthy ? 'check' : 'exclamation-triangle'} />
          {view.paused && <Badge color="orange" text="Paused" icon="pause" />}
        </Stack>
      </Card.Tags>
      <Card.Description>
        {cluster.activity.ok ? (
          <Activity slot={cluster.answering.slot} activity={cluster.activity.value} styles={styles} reload={reload} />
        ) : (
          <Text color="error">Sessions could not be read: {describeAgentError(cluster.activity.error)}</Text>
        )}
      </Card.Description>
      <Card.Actions>
        <LinkButton href={clusterPath(cluster.scope)} variant="secondary" icon="sitemap">
          Members
        </LinkButton>
        <LinkButton href={sessionsPath(cluster.scope)} variant="secondary" icon="history">
          Sessions
        </LinkButton>
      </Card.Actions>
    </Card>
  );
}

function Activity({
  slot,
  activity,
  styles,
  reload,
}: {
  slot: number;
  activity: ClusterActivity;
  styles: ReturnType<typeof getStyles>;
  reload: () => void;
}) {
  return (
    <Stack direction="column" gap={1}>
      {activity.halted.map((halted) => (
        <HaltBanner key={halted.session.id} slot={slot} halted={halted} onAcknowledged={reload} />
      ))}
      {activity.active?.pending && (
        <PendingChangeBanner slot={slot} change={activity.active.pending} onDecided={reload} />
      )}
      {activity.active ? (
        <ActiveProgress active={activity.active} styles={styles} />
      ) : (
        <Text color="secondary">No active session</Text>
      )}
    </Stack>
  );
}

function ActiveProgress({
  active: { session, iterationsDone },
  styles,
}: {
  active: ActiveSession;
  styles: ReturnType<typeof getStyles>;
}) {
  const planned = session.options.iterations;
  const percent = Math.min(100, Math.round((iterationsDone / planned) * 100));
  return (
    <Stack direction="column" gap={0.5}>
      <Text>
        Session {shortId(session.id)} {session.state}: iteration {iterationsDone} of {planned}
      </Text>
      <div
        className={styles.bar}
        role="progressbar"
        aria-valuenow={iterationsDone}
        aria-valuemin={0}
        aria-valuemax={planned}
      >
        <div className={styles.fill} style={{ width: `${percent}%` }} />
      </div>
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({
    height: theme.spacing(1),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    maxWidth: 400,
  }),
  fill: css({ height: '100%', background: theme.colors.primary.main, borderRadius: theme.shape.radius.default }),
});
