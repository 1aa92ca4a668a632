/**
 * The harness's stand-in for Grafana core's PanelRenderer, which Grafana registers at boot with
 * @grafana/runtime's setPanelRenderer (an app plugin only imports it). Core's loads the panel plugin
 * named by pluginId, fills the options and field config with the plugin's defaults, applies the field
 * config (applyFieldOverrides, with the plugin's field-config registry) and renders the plugin's panel
 * inside a PanelContext. This one does the same for the one panel the app uses, 'timeseries', whose
 * panel draws @grafana/ui's TimeSeries (GraphNG over uPlot) in PanelChrome: the defaults and the custom
 * field options below are those the time-series plugin declares. Left out: the tooltip plugin and
 * the panel's menu. Any other pluginId renders an error, so a chart the app adds fails the test here.
 */
import React from 'react';
import {
  EventBusSrv,
  FieldColorModeId,
  FieldConfigOptionsRegistry,
  applyFieldOverrides,
  identityOverrideProcessor,
  type FieldConfigPropertyItem,
  type FieldConfigSource,
} from '@grafana/data';
import type { PanelRendererProps } from '@grafana/runtime';
import { Alert, PanelChrome, PanelContextProvider, TimeSeries, useTheme2, type VizLegendOptions } from '@grafana/ui';

/** Field-config properties as the time-series plugin registers them (identity processors: values as given). */
const STANDARD_PATHS = ['unit', 'decimals', 'min', 'max', 'displayName', 'color', 'thresholds', 'mappings', 'noValue'];
const CUSTOM_PATHS = [
  'drawStyle',
  'lineInterpolation',
  'lineWidth',
  'lineStyle',
  'fillOpacity',
  'fillBelowTo',
  'gradientMode',
  'barAlignment',
  'showPoints',
  'pointSize',
  'spanNulls',
  'insertNulls',
  'stacking',
  'axisPlacement',
  'axisLabel',
  'axisSoftMin',
  'axisSoftMax',
  'axisColorMode',
  'axisBorderShow',
  'axisCenteredZero',
  'scaleDistribution',
  'hideFrom',
  'thresholdsStyle',
  'transform',
];

const property = (path: string, isCustom: boolean) =>
  ({
    id: isCustom ? `custom.${path}` : path,
    path,
    name: path,
    isCustom,
    process: identityOverrideProcessor,
    shouldApply: () => true,
    override: () => null,
    editor: () => null,
  }) as unknown as FieldConfigPropertyItem;

const REGISTRY = new FieldConfigOptionsRegistry(() => [
  ...STANDARD_PATHS.map((path) => property(path, false)),
  ...CUSTOM_PATHS.map((path) => property(path, true)),
]);

/** The time-series plugin's defaults. */
const FIELD_DEFAULTS = {
  color: { mode: FieldColorModeId.PaletteClassic },
  custom: {
    drawStyle: 'line',
    lineInterpolation: 'linear',
    lineWidth: 1,
    fillOpacity: 0,
    gradientMode: 'none',
    barAlignment: 0,
    showPoints: 'auto',
    pointSize: 5,
    spanNulls: false,
    insertNulls: false,
    stacking: { mode: 'none', group: 'A' },
    axisPlacement: 'auto',
    axisColorMode: 'text',
    axisBorderShow: false,
    axisCenteredZero: false,
    scaleDistribution: { type: 'linear' },
    hideFrom: { viz: false, legend: false, tooltip: false },
    thresholdsStyle: { mode: 'off' },
  },
};
const LEGEND_DEFAULTS: VizLegendOptions = { showLegend: true, displayMode: 'list' as VizLegendOptions['displayMode'], placement: 'bottom', calcs: [] };

const withDefaults = (fieldConfig: FieldConfigSource | undefined): FieldConfigSource => ({
  defaults: {
    ...FIELD_DEFAULTS,
    ...fieldConfig?.defaults,
    custom: { ...FIELD_DEFAULTS.custom, ...fieldConfig?.defaults?.custom },
  },
  overrides: fieldConfig?.overrides ?? [],
});

const eventBus = new EventBusSrv();

export function HarnessPanelRenderer({ pluginId, title, data, options, fieldConfig, timeZone, width, height }: PanelRendererProps) {
  const theme = useTheme2();
  if (pluginId !== 'timeseries') {
    return <Alert title={`The harness renders only the timeseries panel, not ${pluginId}`} />;
  }
  if (data === undefined) {
    return null;
  }
  const frames = applyFieldOverrides({
    data: data.series,
    fieldConfig: withDefaults(fieldConfig as FieldConfigSource | undefined),
    fieldConfigRegistry: REGISTRY,
    replaceVariables: (value) => value,
    theme,
    timeZone,
  });
  const legend = { ...LEGEND_DEFAULTS, ...(options as { legend?: Partial<VizLegendOptions> } | undefined)?.legend };
  return (
    <PanelContextProvider value={{ eventsScope: 'harness', eventBus }}>
      <PanelChrome title={title} width={width} height={height}>
        {(innerWidth, innerHeight) => (
          <TimeSeries
            frames={frames}
            timeRange={data.timeRange}
            timeZone={timeZone ?? 'browser'}
            width={innerWidth}
            height={innerHeight}
            legend={legend}
            options={options}
          />
        )}
      </PanelChrome>
    </PanelContextProvider>
  );
}
