/**
 * The bundled dashboards (plugin/src/dashboards): a Prometheus data source variable and a cluster
 * (scope) variable on each, and only metric names the agent exports. The Prometheus integration test
 * runs every query against real data.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dashboardFiles, dashboardQueries, grafanaAlertQueries, REPO } from '../lab/queries.js';

/** Every metric name the agent's families declare. */
function exportedMetrics(): Set<string> {
  const dir = join(REPO, 'backend', 'src', 'metrics');
  const names = new Set<string>();
  for (const file of readdirSync(dir)) {
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/'(pgtuner_[a-z0-9_]+)'/g)) names.add(match[1]!);
  }
  return names;
}

test('each dashboard has a unique uid, a Prometheus data source variable used by every panel, and a scope variable', () => {
  const uids = new Set<string>();
  for (const file of dashboardFiles()) {
    const dashboard = JSON.parse(readFileSync(file, 'utf8'));
    assert.ok(!uids.has(dashboard.uid), `${file}: uid ${dashboard.uid} is unique`);
    uids.add(dashboard.uid);
    const variables = dashboard.templating.list as Array<{ name: string; type: string; query: unknown }>;
    assert.ok(variables.some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'), `${file}: datasource variable`);
    assert.ok(variables.some((v) => v.name === 'scope' && v.type === 'query'), `${file}: scope variable`);
    for (const panel of dashboard.panels.filter((p: { type: string }) => p.type !== 'row')) {
      assert.equal(panel.datasource?.uid, '${datasource}', `${file}: panel ${panel.title}`);
      assert.ok(panel.targets.length > 0, `${file}: panel ${panel.title} has queries`);
    }
  }
  assert.ok(uids.size >= 3);
});

test('every dashboard and Grafana alert query uses metrics the agent exports, filtered by cluster', () => {
  const exported = exportedMetrics();
  for (const { source, expr } of [...dashboardQueries(), ...grafanaAlertQueries()]) {
    for (const [name] of expr.matchAll(/pgtuner_[a-z0-9_]+/g)) assert.ok(exported.has(name), `${source}: ${name} is not an agent metric`);
    if (source.includes('/ variable scope') || source.startsWith('Grafana alert')) continue;
    assert.match(expr, /scope=~"\$scope"/, `${source}: filtered by the scope variable`);
  }
});
