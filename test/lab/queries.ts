/**
 * Every PromQL query the project ships outside rules.yml: each bundled dashboard's panel queries and
 * variable selectors, and each Grafana-managed alert rule's query (its condition without the
 * threshold). Shared by the deployment tests and the Prometheus integration test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readYaml } from './yaml.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DASHBOARDS_DIR = join(REPO, 'plugin', 'src', 'dashboards');
export const GRAFANA_ALERTS_FILE = join(REPO, 'provisioning', 'grafana', 'alerting', 'patroni-tuner.yaml');
export const PROMETHEUS_RULES_FILE = join(REPO, 'provisioning', 'prometheus', 'rules.yml');

export interface ShippedQuery {
  /** Where it comes from, for failure messages: file and panel, variable or rule. */
  source: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}
interface Dashboard {
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string } }> };
}

export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(DASHBOARDS_DIR, f));
}

export function dashboardQueries(): ShippedQuery[] {
  const queries: ShippedQuery[] = [];
  for (const file of dashboardFiles()) {
    const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
    const walk = (panels: Panel[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr) queries.push({ source: `${dashboard.title} / ${panel.title}`, expr: target.expr });
        }
        walk(panel.panels ?? []);
      }
    };
    walk(dashboard.panels);
    for (const variable of dashboard.templating.list) {
      if (variable.type !== 'query') continue;
      const text = typeof variable.query === 'string' ? variable.query : variable.query?.query ?? '';
      // label_values(<selector>, <label>): the selector must find series.
      const selector = /^label_values\((.+),\s*\w+\)$/.exec(text)?.[1];
      if (selector) queries.push({ source: `${dashboard.title} / variable ${variable.name}`, expr: selector });
    }
  }
  return queries;
}

export interface GrafanaAlertRule {
  uid: string;
  title: string;
  condition: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: Array<{ refId: string; datasourceUid: string; model: { expr?: string; type?: string; expression?: string; conditions?: Array<{ evaluator: { type: string; params: number[] } }> } }>;
}

export function grafanaAlertRules(): GrafanaAlertRule[] {
  const file = readYaml<{ groups: Array<{ rules: GrafanaAlertRule[] }> }>(GRAFANA_ALERTS_FILE);
  return file.groups.flatMap((g) => g.rules);
}

export function grafanaAlertQueries(): ShippedQuery[] {
  return grafanaAlertRules().flatMap((rule) =>
    rule.data.filter((d) => d.model.expr).map((d) => ({ source: `Grafana alert ${rule.title} / ${d.refId}`, expr: d.model.expr! })),
  );
}

/** Dashboard variables and Grafana macros replaced so Prometheus can run the query. */
export function substituteVariables(expr: string, values: { scope: string; rateInterval: string; range: string }): string {
  return expr
    .replaceAll('$__rate_interval', values.rateInterval)
    .replaceAll('$__range', values.range)
    .replaceAll('$scope', values.scope)
    .replaceAll('$member', '.*')
    .replaceAll('$session', '.*');
}
