/** The score per iteration against the baseline and the best so far, drawn by Grafana's time-series panel. */
import React from 'react';
import { LoadingState, dateTime, type FieldConfigSource } from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import { Text } from '@grafana/ui';
import type { IterationRecord, Objective } from '@patroni-tuner/backend/contract';
import { SCORE_FIELDS, scoreFrame } from '../../api/score-frame';
import { testIds } from '../testIds';

const override = (name: string, properties: Array<{ id: string; value: unknown }>) => ({
  matcher: { id: 'byName', options: name },
  properties,
});

/** The interval is a band (high filled down to low); baseline dashed; best so far stepped. */
const FIELD_CONFIG: FieldConfigSource = {
  defaults: { custom: { drawStyle: 'line', showPoints: 'always', pointSize: 6, spanNulls: true } },
  overrides: [
    override('Iteration', [{ id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: false } }]),
    override(SCORE_FIELDS.baseline, [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      { id: 'custom.showPoints', value: 'never' },
    ]),
    override(SCORE_FIELDS.best, [{ id: 'custom.lineInterpolation', value: 'stepAfter' }]),
    override(SCORE_FIELDS.high, [
      { id: 'custom.fillBelowTo', value: SCORE_FIELDS.low },
      { id: 'custom.lineWidth', value: 0 },
      { id: 'custom.showPoints', value: 'never' },
    ]),
    override(SCORE_FIELDS.low, [
      { id: 'custom.lineWidth', value: 0 },
      { id: 'custom.showPoints', value: 'never' },
    ]),
  ],
};

export function ScoreChart({ iterations, objective }: { iterations: IterationRecord[]; objective: Objective }) {
  const frame = scoreFrame(iterations);
  if (frame.length === 0) {
    return <Text color="secondary">No iteration measured yet: the chart starts with the baseline.</Text>;
  }
  const times = frame.fields[0]!.values as number[];
  const from = dateTime(times[0]! - 30_000);
  const to = dateTime(times[times.length - 1]! + 30_000);
  return (
    <div data-testid={testIds.session.chart}>
      <PanelRenderer
        title={`Score per iteration (${objective === 'mean_query_time' ? 'mean query time, ms' : 'throughput score'}; lower is better)`}
        pluginId="timeseries"
        width={900}
        height={300}
        data={{ series: [frame], state: LoadingState.Done, timeRange: { from, to, raw: { from, to } } }}
        options={{ legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } }}
        fieldConfig={FIELD_CONFIG}
      />
    </div>
  );
}
