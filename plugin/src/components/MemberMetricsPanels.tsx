/**
 * The host's CPU, memory and disk and PostgreSQL's TPS and connections per member, from the Prometheus
 * data source chosen on the configuration page, drawn by Grafana's time-series panel and refreshed on
 * the page's interval. Without a data source the panels are off and the page says so.
 */
import React from 'react';
import { LoadingState, dateTime, getFieldDisplayName, type DataFrame } from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import { Alert, LoadingPlaceholder, Stack, Text, TextLink } from '@grafana/ui';
import { loadMemberMetrics, type PanelResult } from '../api/member-metrics';
import { PLUGIN_ID, REFRESH_INTERVAL_MS } from '../constants';
import { usePolling } from '../hooks/usePolling';
import { usePrometheusDatasource } from './App/PrometheusContext';
import { testIds } from './testIds';

const MEMBERS_DASHBOARD = '/d/patroni-tuner-members';
const PANEL_WIDTH = 590;
const PANEL_HEIGHT = 220;

export function MemberMetricsPanels({ scope }: { scope: string }) {
  const datasourceUid = usePrometheusDatasource();
  return (
    <section>
      <Stack direction="row" justifyContent="space-between" alignItems="center">
        <h3>Host and PostgreSQL per member</h3>
        <TextLink href={`${MEMBERS_DASHBOARD}?var-scope=${encodeURIComponent(scope)}`} inline={false}>
          Host and PostgreSQL per member dashboard
        </TextLink>
      </Stack>
      {datasourceUid === null ? (
        <Alert severity="info" title="No Prometheus data source" data-testid={testIds.cluster.metricsOff}>
          No Prometheus data source chosen on the{' '}
          <TextLink href={`/plugins/${PLUGIN_ID}`} inline>
            configuration page
          </TextLink>
          : host and PostgreSQL panels are off.
        </Alert>
      ) : (
        <Panels scope={scope} datasourceUid={datasourceUid} />
      )}
    </section>
  );
}

function Panels({ scope, datasourceUid }: { scope: string; datasourceUid: string }) {
  const metrics = usePolling(
    () => loadMemberMetrics(datasourceUid, scope, Date.now()),
    REFRESH_INTERVAL_MS,
    `${datasourceUid} ${scope}`
  );
  if (metrics.loading) {
    return <LoadingPlaceholder text="Asking Prometheus…" />;
  }
  return (
    <Stack direction="column" gap={1}>
      {metrics.error && (
        <Alert severity="error" title="Prometheus could not be queried">
          {metrics.error.message}
        </Alert>
      )}
      {metrics.data && (
        <Stack direction="row" gap={2} wrap="wrap">
          {metrics.data.panels.map((result) => (
            <MemberPanelView key={result.panel.title} result={result} from={metrics.data!.from} to={metrics.data!.to} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}

function MemberPanelView({ result, from, to }: { result: PanelResult; from: number; to: number }) {
  const { panel, frames, error } = result;
  const series = seriesNames(frames);
  const range = { from: dateTime(from), to: dateTime(to) };
  return (
    <div data-testid={testIds.cluster.metricsPanel(panel.title)} data-series={series.join(',')} style={{ width: PANEL_WIDTH }}>
      {error !== null ? (
        <Alert severity="error" title={`${panel.title}: the query failed`}>
          {error}
        </Alert>
      ) : series.length === 0 ? (
        <Stack direction="column" gap={0}>
          <Text weight="medium">{panel.title}</Text>
          <Text color="secondary">No series for this cluster in the last 15 minutes (is Prometheus scraping its agents?)</Text>
        </Stack>
      ) : (
        <PanelRenderer
          title={panel.title}
          pluginId="timeseries"
          width={PANEL_WIDTH}
          height={PANEL_HEIGHT}
          data={{ series: frames, state: LoadingState.Done, timeRange: { ...range, raw: range } }}
          options={{ legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } }}
          fieldConfig={{ defaults: { unit: panel.unit, custom: { fillOpacity: 10 } }, overrides: [] }}
        />
      )}
    </div>
  );
}

/** Each frame's series as the legend names it (the query's legend format, e.g. the member). */
function seriesNames(frames: DataFrame[]): string[] {
  return frames.flatMap((frame) =>
    frame.fields.filter((field) => field.type === 'number').map((field) => getFieldDisplayName(field, frame, frames))
  );
}
