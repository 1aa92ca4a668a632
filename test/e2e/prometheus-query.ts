/**
 * What Grafana's server does with POST /api/ds/query for a Prometheus data source, reduced to range
 * queries: each query's step and `$__rate_interval` worked out as Grafana's promlib does
 * (pkg/promlib/models/query.go: the step is the larger of intervalMs, range/maxDataPoints and
 * range/11000; the rate interval max(interval + scrape interval, 4 × scrape interval)), the query sent
 * to the real Prometheus's /api/v1/query_range, and the answer put in Grafana's response format:
 * `results[refId].frames` in the data-plane JSON frame format (one frame per series, its labels on the
 * value field and the legend as displayNameFromDS, pkg/promlib/querydata/response.go), or
 * `results[refId].error` with status 400 when a query fails, as Grafana does without multi-status.
 */

export interface PrometheusDataSource {
  uid: string;
  name: string;
  url: string;
  /** The data source's scrape interval (jsonData.timeInterval), e.g. `1s`. */
  scrapeInterval: string;
}

export interface DataSourceQuery {
  refId: string;
  datasource?: { uid?: string; type?: string };
  expr: string;
  legendFormat?: string;
  range?: boolean;
  intervalMs?: number;
  maxDataPoints?: number;
}

export interface DataSourceQueryRequest {
  queries: DataSourceQuery[];
  from: string;
  to: string;
}

type QueryResult = { status: number; frames: unknown[] } | { status: number; error: string };

const SAFE_RESOLUTION = 11_000;
/** Grafana's roundInterval up to an hour: [upper bound, interval] in ms, e.g. up to 7.5 s → 5 s. */
const ROUNDING_MS: Array<[number, number]> = [
  [10, 1], [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1500, 1000], [3500, 2000],
  [7500, 5000], [12_500, 10_000], [17_500, 15_000], [25_000, 20_000], [45_000, 30_000], [90_000, 60_000],
  [210_000, 120_000], [450_000, 300_000], [750_000, 600_000], [1_050_000, 900_000], [1_500_000, 1_200_000],
  [2_700_000, 1_800_000], [5_400_000, 3_600_000],
];

export async function queryPrometheusDataSource(
  dataSources: PrometheusDataSource[],
  request: DataSourceQueryRequest,
): Promise<{ status: number; body: unknown }> {
  const from = Number(request.from);
  const to = Number(request.to);
  const results: Record<string, QueryResult> = {};
  for (const query of request.queries) {
    const dataSource = dataSources.find((ds) => ds.uid === query.datasource?.uid);
    if (!dataSource) return { status: 404, body: { message: 'Data source not found' } };
    results[query.refId] = await rangeQuery(dataSource, query, from, to);
  }
  const failed = Object.values(results).some((result) => 'error' in result);
  return { status: failed ? 400 : 200, body: { results } };
}

async function rangeQuery(ds: PrometheusDataSource, query: DataSourceQuery, from: number, to: number): Promise<QueryResult> {
  const rangeMs = to - from;
  const scrapeMs = durationMs(ds.scrapeInterval);
  const minMs = query.intervalMs || scrapeMs;
  const calculated = rangeMs / (query.maxDataPoints || 1);
  const stepMs = Math.max(calculated < minMs ? minMs : roundInterval(calculated), roundInterval(rangeMs / SAFE_RESOLUTION));
  const rateIntervalMs = Math.max((query.intervalMs ?? 0) + scrapeMs, 4 * scrapeMs);
  const expr = query.expr
    .replaceAll('$__rate_interval', `${rateIntervalMs / 1000}s`)
    .replaceAll('$__interval', `${stepMs / 1000}s`)
    .replaceAll('$__range', `${Math.round(rangeMs / 1000)}s`);
  // Grafana aligns the range to the step so Prometheus can cache it.
  const start = Math.floor(from / stepMs) * stepMs;
  const end = Math.floor(to / stepMs) * stepMs;
  const params = new URLSearchParams({ query: expr, start: String(start / 1000), end: String(end / 1000), step: String(stepMs / 1000) });
  let body: { status: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }; errorType?: string; error?: string };
  try {
    const response = await fetch(`${ds.url}/api/v1/query_range`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params,
      signal: AbortSignal.timeout(10_000),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    return { status: 500, error: `Post "${ds.url}/api/v1/query_range": ${(error as Error).message}` };
  }
  if (body.status !== 'success' || !body.data) return { status: 400, error: `${body.errorType}: ${body.error}` };
  const executed = `Expr: ${expr}\nStep: ${stepMs / 1000}s`;
  const meta = { type: 'timeseries-multi', typeVersion: [0, 1], custom: { resultType: 'matrix' } };
  if (body.data.result.length === 0) return { status: 200, frames: [{ schema: { refId: query.refId, meta: { ...meta, executedQueryString: executed }, fields: [] }, data: { values: [] } }] };
  const frames = body.data.result.map((series, index) => {
    const legend = legendOf(query, series.metric);
    const values = series.values.map(([, value]) => Number(value));
    return {
      schema: {
        name: legend,
        refId: query.refId,
        meta: index === 0 ? { ...meta, executedQueryString: executed } : meta,
        fields: [
          { name: 'Time', type: 'time', typeInfo: { frame: 'time.Time' }, config: { interval: stepMs } },
          { name: 'Value', type: 'number', typeInfo: { frame: 'float64' }, labels: series.metric, config: { displayNameFromDS: legend } },
        ],
      },
      data: {
        values: [series.values.map(([time]) => Math.round(time * 1000)), values.map((v) => (Number.isFinite(v) ? v : null))],
        // JSON has no NaN or ±Inf: the frame format lists their rows as entities.
        ...(values.every(Number.isFinite) ? {} : { entities: [null, nonFinite(values)] }),
      },
    };
  });
  return { status: 200, frames };
}

/** Grafana's legend: `{{label}}` replaced by the label's value (empty when absent); none: the series name. */
function legendOf(query: DataSourceQuery, labels: Record<string, string>): string {
  if (query.legendFormat === '__auto') return '';
  if (query.legendFormat) return query.legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
  const { __name__: name = '', ...rest } = labels;
  const pairs = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`).sort();
  if (pairs.length === 0) return name || query.expr;
  return `${name}{${pairs.join(', ')}}`;
}

function nonFinite(values: number[]): { NaN?: number[]; Inf?: number[]; NegInf?: number[] } {
  const rows = (test: (v: number) => boolean) => values.flatMap((v, i) => (test(v) ? [i] : []));
  return { NaN: rows(Number.isNaN), Inf: rows((v) => v === Infinity), NegInf: rows((v) => v === -Infinity) };
}

function roundInterval(ms: number): number {
  return ROUNDING_MS.find(([upTo]) => ms <= upTo)?.[1] ?? 3_600_000;
}

function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}
