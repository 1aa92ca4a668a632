/**
 * The alerting provisioning: promtool validates the Prometheus configuration and rules and runs their
 * unit tests (one firing and one silent case per alert); the Grafana-managed rules are the same
 * alerts with the same queries, thresholds and waits; every alert says what to do and links to the app.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { grafanaAlertRules, PROMETHEUS_RULES_FILE, REPO } from '../lab/queries.js';
import { readYaml } from '../lab/yaml.js';

const PROMETHEUS_DIR = join(REPO, 'provisioning', 'prometheus');
const GRAFANA_DIR = join(REPO, 'provisioning', 'grafana');
const APP_PAGE = /\/a\/patronituner-app\/.*(sessions|clusters)\/\{\{/;

interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const prometheusRules = () => readYaml<{ groups: Array<{ rules: PrometheusRule[] }> }>(PROMETHEUS_RULES_FILE).groups.flatMap((g) => g.rules);

function promtool(...args: string[]) {
  const result = spawnSync('/usr/bin/promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8' });
  assert.equal(result.status, 0, `promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

test('promtool check config: prometheus.yml and the rules it loads are valid', () => {
  assert.match(promtool('check', 'config', 'prometheus.yml'), /SUCCESS: 1 rule files found/);
});

test('promtool check rules: rules.yml is valid', () => {
  assert.match(promtool('check', 'rules', 'rules.yml'), new RegExp(`SUCCESS: ${prometheusRules().length} rules found`));
});

test('promtool test rules: every alert fires in one case and stays silent in another', () => {
  promtool('test', 'rules', 'rules.test.yml');
  const cases = readYaml<{ tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> }>(
    join(PROMETHEUS_DIR, 'rules.test.yml'),
  ).tests.flatMap((t) => t.alert_rule_test);
  for (const rule of prometheusRules()) {
    const mine = cases.filter((c) => c.alertname === rule.alert);
    assert.ok(mine.some((c) => c.exp_alerts.length > 0), `${rule.alert}: a case where it fires`);
    assert.ok(mine.some((c) => c.exp_alerts.length === 0), `${rule.alert}: a case where it must not fire`);
  }
});

test('every Prometheus alert has a summary, a description saying what to do, and the app page', () => {
  for (const rule of prometheusRules()) {
    assert.ok(rule.annotations.summary, `${rule.alert}: summary`);
    assert.ok((rule.annotations.description ?? '').length > 80, `${rule.alert}: description`);
    assert.match(rule.annotations.grafana_path ?? '', APP_PAGE, `${rule.alert}: link to the app`);
    assert.ok(['critical', 'warning', 'info'].includes(rule.labels.severity ?? ''), `${rule.alert}: severity`);
  }
});

test('the Grafana-managed rules are the Prometheus alerts: same query, threshold, wait and severity', () => {
  const datasource = readYaml<{ datasources: Array<{ uid: string; type: string }> }>(join(GRAFANA_DIR, 'datasources', 'prometheus.yaml'))
    .datasources[0]!;
  const grafana = new Map(grafanaAlertRules().map((r) => [r.title, r]));
  const prometheus = prometheusRules();
  assert.deepEqual([...grafana.keys()].sort(), prometheus.map((r) => r.alert).sort());
  const comparisons: Record<string, string> = { '>': 'gt', '<': 'lt' };
  for (const rule of prometheus) {
    const match = /^(.*) ([<>]) ([0-9.e+]+)$/.exec(rule.expr);
    assert.ok(match, `${rule.alert}: "<query> <comparison> <threshold>"`);
    const g = grafana.get(rule.alert)!;
    const query = g.data.find((d) => d.refId === 'A')!;
    assert.equal(query.datasourceUid, datasource.uid, `${rule.alert}: the provisioned Prometheus`);
    assert.equal(query.model.expr, match[1], `${rule.alert}: query`);
    const condition = g.data.find((d) => d.refId === g.condition)!;
    assert.equal(condition.model.type, 'threshold');
    assert.equal(condition.model.expression, 'A');
    assert.deepEqual(condition.model.conditions?.[0]?.evaluator, { type: comparisons[match[2]!], params: [Number(match[3])] }, rule.alert);
    assert.equal(g.for ?? '0s', rule.for ?? '0s', `${rule.alert}: for`);
    assert.equal(g.labels.severity, rule.labels.severity);
    assert.ok(g.annotations.summary && g.annotations.description, `${rule.alert}: summary and description`);
    assert.match(g.annotations.app_url ?? '', new RegExp(`^\\$\\{GF_SERVER_ROOT_URL\\}${APP_PAGE.source}`), `${rule.alert}: link`);
    // Provisioning expands $VARIABLES: templates must use .Labels/.Values, never $labels.
    const dollars = Object.values(g.annotations).join(' ').replaceAll('${GF_SERVER_ROOT_URL}', '');
    assert.ok(!dollars.includes('$'), `${rule.alert}: no $ in Grafana templates`);
  }
});

test('the app is provisioned enabled, with agent URLs in its route slots and its token from the environment only', () => {
  const { apps } = readYaml<{ apps: Array<{ type: string; disabled: boolean; jsonData: Record<string, string>; secureJsonData: Record<string, string> }> }>(
    join(GRAFANA_DIR, 'plugins', 'patroni-tuner.yaml'),
  );
  assert.equal(apps.length, 1);
  assert.equal(apps[0]!.type, 'patronituner-app');
  assert.equal(apps[0]!.disabled, false);
  // plugin.json's routes read one jsonData key per slot: agentUrl<n> is proxied only if agents/<n>/* exists.
  const routes = new Set((JSON.parse(readFileSync(join(REPO, 'plugin', 'src', 'plugin.json'), 'utf8')) as { routes: Array<{ path: string }> }).routes.map((r) => r.path));
  const slots = Object.entries(apps[0]!.jsonData).filter(([key]) => key.startsWith('agentUrl'));
  assert.deepEqual(slots.map(([key]) => key), ['agentUrl0', 'agentUrl1', 'agentUrl2']);
  for (const [key, url] of slots) {
    assert.ok(routes.has(`agents/${key.slice('agentUrl'.length)}/*`), `${key}: a route for its slot`);
    assert.match(url, /^\$\{\w+\}$/, `${key}: from the environment`);
  }
  assert.match(apps[0]!.secureJsonData.apiToken ?? '', /^\$\{\w+\}$/, 'the token from the environment');
});

test('contact point and notification policy placeholders route to the same receiver', () => {
  const file = readYaml<{ contactPoints: Array<{ name: string }>; policies: Array<{ receiver: string; routes: Array<{ receiver: string }> }> }>(
    join(GRAFANA_DIR, 'alerting', 'contact-points.yaml'),
  );
  const names = file.contactPoints.map((c) => c.name);
  for (const policy of file.policies) {
    assert.ok(names.includes(policy.receiver));
    for (const route of policy.routes) assert.ok(names.includes(route.receiver));
  }
});
