/**
 * The cluster page's host and PostgreSQL panels: the bundled "Host and PostgreSQL per member" dashboard's
 * own panels (one source for their PromQL), scoped to one cluster and queried through Grafana's
 * `/api/ds/query` — the data source API an app uses — so Grafana adds the data source's URL and
 * credentials and expands `$__rate_interval` with the data source's scrape interval, as for a dashboard.
 */
import { lastValueFrom } from 'rxjs';
import type { DataFrame, DataQueryError } from '@grafana/data';
import { getBackendSrv, isFetchError, toDataQueryResponse, type BackendDataSourceResponse } from '@grafana/runtime';
import membersDashboard from '../dashboards/members.json';

/** The dashboard panels the cluster page shows, by title: CPU, memory, disk, TPS, connections. */
export const MEMBER_PANEL_TITLES = [
  'CPU busy',
  'Memory available',
  'Disk busy',
  'Transactions per second',
  'Connections by state',
] as const;

/** What the page shows: the last 15 minutes, one point per 5 s (Grafana's step and rate window follow). */
export const METRICS_RANGE_MS = 15 * 60_000;
const MAX_DATA_POINTS = 180;
const INTERVAL_MS = METRICS_RANGE_MS / MAX_DATA_POINTS;

interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
}

export interface MemberPanel {
  title: string;
  /** The panel's unit (percentunit, ops …), from the dashboard. */
  unit: string | undefined;
  targets: DashboardTarget[];
}

interface DashboardPanel {
  type: string;
  title: string;
  targets?: Array<Partial<DashboardTarget>>;
  fieldConfig?: { defaults?: { unit?: string } };
}

/** The dashboard's panels named in MEMBER_PANEL_TITLES, in that order; a renamed panel fails loudly. */
export function memberPanels(): MemberPanel[] {
  const panels = membersDashboard.panels as DashboardPanel[];
  return MEMBER_PANEL_TITLES.map((title) => {
    const panel = panels.find((p) => p.type === 'timeseries' && p.title === title);
    if (!panel) {
      throw new Error(`dashboards/members.json has no time-series panel "${title}"`);
    }
    const targets = (panel.targets ?? []).map((target) => {
      if (!target.refId || !target.expr) {
        throw new Error(`dashboards/members.json: panel "${title}" has a query without refId or expr`);
      }
      return { refId: target.refId, expr: target.expr, legendFormat: target.legendFormat };
    });
    return { title, unit: panel.fieldConfig?.defaults?.unit, targets };
  });
}

/** A string matched literally by the dashboard's `scope=~"$scope"`: regex-escaped, then PromQL-quoted. */
function literalRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/**
 * The dashboard's expression for one cluster and every member: its variables replaced as Grafana
 * replaces them for a dashboard; Grafana's own macros (`$__rate_interval`) are left to Grafana.
 */
export function scopedExpr(expr: string, scope: string): string {
  return expr.split('$scope').join(literalRegex(scope)).split('$member').join('.*');
}

/** A query's refId in the page's single request: the panel's index and the dashboard's refId. */
const refIdOf = (panelIndex: number, refId: string) => `p${panelIndex}${refId}`;

export interface PanelResult {
  panel: MemberPanel;
  frames: DataFrame[];
  /** Why this panel's queries failed, as Grafana reported it. */
  error: string | null;
}

export interface MemberMetrics {
  from: number;
  to: number;
  panels: PanelResult[];
}

/** One request for every panel; a query that fails is reported on its panel, the others still drawn. */
export async function loadMemberMetrics(datasourceUid: string, scope: string, now: number): Promise<MemberMetrics> {
  const panels = memberPanels();
  const from = now - METRICS_RANGE_MS;
  const queries = panels.flatMap((panel, index) =>
    panel.targets.map((target) => ({
      refId: refIdOf(index, target.refId),
      datasource: { uid: datasourceUid, type: 'prometheus' },
      expr: scopedExpr(target.expr, scope),
      legendFormat: target.legendFormat,
      range: true,
      instant: false,
      intervalMs: INTERVAL_MS,
      maxDataPoints: MAX_DATA_POINTS,
    }))
  );
  const response = await queryDataSource({ queries, from: String(from), to: String(now) });
  const { data, errors } = toDataQueryResponse(response);
  const frames = data as DataFrame[];
  return {
    from,
    to: now,
    panels: panels.map((panel, index) => {
      const refIds = new Set(panel.targets.map((target) => refIdOf(index, target.refId)));
      return {
        panel,
        frames: frames.filter((frame) => frame.refId !== undefined && refIds.has(frame.refId)),
        error: describeErrors((errors ?? []).filter((error) => error.refId !== undefined && refIds.has(error.refId))),
      };
    }),
  };
}

function describeErrors(errors: DataQueryError[]): string | null {
  return errors.length === 0 ? null : errors.map((error) => error.message ?? 'query failed').join('; ');
}

/** Thrown when Grafana refused the request as a whole (no data source with that uid, no permission …). */
export class DataSourceQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataSourceQueryError';
  }
}

/**
 * POST /api/ds/query. Grafana answers a failed query with an error status and the per-query results
 * in the body; those are handed on (each error lands on its panel). Anything else is thrown.
 */
async function queryDataSource(body: unknown): Promise<{ data: BackendDataSourceResponse }> {
  try {
    return await lastValueFrom(
      getBackendSrv().fetch<BackendDataSourceResponse>({
        url: '/api/ds/query',
        method: 'POST',
        data: body,
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
  } catch (error) {
    if (isFetchError<BackendDataSourceResponse | { message?: string }>(error)) {
      if (error.data && 'results' in error.data && error.data.results) {
        return { data: error.data };
      }
      const message = error.data && 'message' in error.data ? error.data.message : undefined;
      throw new DataSourceQueryError(`Grafana answered ${error.status}${message ? `: ${message}` : ''}`);
    }
    throw error;
  }
}
