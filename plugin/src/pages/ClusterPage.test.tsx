import { act, screen, waitFor, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { badGateway, installFakeBackend, ok, proxied, type FakeBackend } from '../test/backend-srv';
import membersDashboard from '../dashboards/members.json';
import { MEMBER_PANEL_TITLES } from '../api/member-metrics';
import { clusterView, promSeriesFrame } from '../test/fixtures';
import { renderApp } from '../test/render-app';

const SETTINGS = { agentUrl0: 'http://db1:8080', agentUrl1: 'http://db2:8080', agentUrl2: 'http://db3:8080' };
const EVENTS = [
  { at: '2026-12-05T07:58:00.000Z', type: 'leader_changed' as const, from: 'pg2', to: 'pg1' },
  { at: '2026-12-05T07:58:01.000Z', type: 'timeline_changed' as const, from: 2, to: 3 },
];

let backend: FakeBackend;
beforeEach(() => {
  backend = installFakeBackend();
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg1', { recentEvents: EVENTS })));
  backend.answer('GET', proxied(1, '/api/v1/cluster'), ok(clusterView('main', 'pg2')));
  backend.answer('GET', proxied(2, '/api/v1/cluster'), ok(clusterView('main', 'pg3')));
});

const rowOf = async (member: string) => (await screen.findByTestId(testIds.cluster.member(member))).closest('tr')!;

test('every member with role, state, timeline, lag, pending restart, the leader marked and its agent', async () => {
  renderApp('/clusters/main', SETTINGS);
  const leader = await rowOf('pg1');
  expect(within(leader).getByText('Leader')).toBeInTheDocument();
  expect(leader).toHaveTextContent('primary');
  expect(leader).toHaveTextContent('running');
  expect(leader).toHaveTextContent('agent 1 (http://db1:8080)');
  const pg2 = await rowOf('pg2');
  expect(within(pg2).queryByText('Leader')).toBeNull();
  expect(pg2).toHaveTextContent('replica');
  expect(pg2).toHaveTextContent('streaming');
  expect(pg2).toHaveTextContent('2.0 KiB');
  expect(pg2).toHaveTextContent('agent 2 (http://db2:8080)');
  expect(await rowOf('pg3')).toHaveTextContent('Pending restart');
  expect(screen.getByText(/Read through agent 1 \(pg1, http:\/\/db1:8080\)/)).toBeInTheDocument();
});

test('recent topology events, newest first', async () => {
  renderApp('/clusters/main', SETTINGS);
  const items = await screen.findAllByRole('listitem');
  expect(items.map((item) => item.textContent)).toEqual([
    expect.stringMatching(/timeline 2 → 3$/),
    expect.stringMatching(/leader changed from pg2 to pg1$/),
  ]);
});

test('a member whose agent does not answer says so, and the cluster is read through another agent', async () => {
  backend.answer('GET', proxied(0, '/api/v1/cluster'), badGateway);
  renderApp('/clusters/main', SETTINGS);
  expect(await rowOf('pg1')).toHaveTextContent('no agent answering');
  expect(screen.getByText(/Read through agent [23]/)).toBeInTheDocument();
  expect(screen.getByText('1 agent does not answer')).toBeInTheDocument();
});

test('a cluster no agent answers for is an error in place, with the agents that do not answer', async () => {
  for (const slot of [0, 1, 2]) {
    backend.answer('GET', proxied(slot, '/api/v1/cluster'), badGateway);
  }
  renderApp('/clusters/main', SETTINGS);
  expect(await screen.findByText('No agent answers for cluster main')).toBeInTheDocument();
  expect(screen.getByText('3 agents do not answer')).toBeInTheDocument();
});

const WITH_PROMETHEUS = { ...SETTINGS, prometheusDatasourceUid: 'prom-uid' };
const DS_QUERY = '/api/ds/query';
const MEMBERS = ['pg1', 'pg2', 'pg3'];

/** Grafana's answer for these refIds: one series per member, with the member as legend. */
function perMemberResults(refIds: string[]) {
  return Object.fromEntries(
    refIds.map((refId) => [
      refId,
      {
        status: 200,
        frames: MEMBERS.map((name, i) =>
          promSeriesFrame({ member: name, scope: 'main' }, name, [
            [1_764_921_600_000, i],
            [1_764_921_605_000, i + 0.5],
          ])
        ),
      },
    ])
  );
}
const ALL_REF_IDS = MEMBER_PANEL_TITLES.map((_, index) => `p${index}A`);

const dsQueries = () =>
  backend.requests
    .filter((r) => r.url === DS_QUERY)
    .map(
      (r) =>
        r.data as {
          from: string;
          to: string;
          queries: Array<{ refId: string; datasource: unknown; expr: string; range: boolean; legendFormat: string }>;
        }
    );
const panel = (title: string) => screen.findByTestId(testIds.cluster.metricsPanel(title));

test('without a Prometheus data source the panels are off, said in place, and the members are still shown', async () => {
  renderApp('/clusters/main', SETTINGS);
  expect(await screen.findByTestId(testIds.cluster.metricsOff)).toHaveTextContent(
    'No Prometheus data source chosen on the configuration page: host and PostgreSQL panels are off.'
  );
  expect(await rowOf('pg1')).toHaveTextContent('primary');
  expect(dsQueries()).toHaveLength(0);
  expect(screen.getByRole('link', { name: 'Host and PostgreSQL per member dashboard' })).toHaveAttribute(
    'href',
    '/d/patroni-tuner-members?var-scope=main'
  );
});

test("the panels query the chosen data source with the bundled dashboard's expressions, scoped to the cluster", async () => {
  backend.answer('POST', DS_QUERY, ok({ results: perMemberResults(ALL_REF_IDS) }));
  renderApp('/clusters/main', WITH_PROMETHEUS);
  await panel('CPU busy');
  const [request] = dsQueries();
  expect(Number(request!.to) - Number(request!.from)).toBe(15 * 60_000);
  const dashboardPanels = membersDashboard.panels as Array<{ title: string; targets?: Array<{ expr: string; legendFormat: string }> }>;
  expect(request!.queries).toEqual(
    MEMBER_PANEL_TITLES.map((title, index) => {
      const target = dashboardPanels.find((p) => p.title === title)!.targets![0]!;
      return expect.objectContaining({
        refId: `p${index}A`,
        datasource: { uid: 'prom-uid', type: 'prometheus' },
        expr: target.expr.replaceAll('$scope', 'main').replaceAll('$member', '.*'),
        legendFormat: target.legendFormat,
        range: true,
      });
    })
  );
  // Grafana expands its own macros with the data source's scrape interval: they are sent as they are.
  expect(request!.queries[0]!.expr).toContain('scope=~"main", member=~".*"');
  expect(request!.queries[0]!.expr).toContain('[$__rate_interval]');
});

test("each panel draws the members' series with Grafana's time-series panel", async () => {
  backend.answer('POST', DS_QUERY, ok({ results: perMemberResults(ALL_REF_IDS) }));
  renderApp('/clusters/main', WITH_PROMETHEUS);
  for (const title of MEMBER_PANEL_TITLES) {
    const shown = await panel(title);
    await waitFor(() => expect(shown).toHaveAttribute('data-series', 'pg1,pg2,pg3'));
    // Outside Grafana, PanelRenderer is @grafana/runtime's placeholder: what matters is it was given frames.
    expect(shown).toHaveTextContent('PanelRenderer can only be used after Grafana instance has been started.');
  }
});

test("a query Grafana reports as failed is shown on its panel; the others are drawn", async () => {
  const results = perMemberResults(ALL_REF_IDS.slice(1));
  backend.answer('POST', DS_QUERY, {
    status: 400,
    data: { results: { ...results, p0A: { status: 400, error: 'bad_data: invalid parameter "query": parse error' } } },
  });
  renderApp('/clusters/main', WITH_PROMETHEUS);
  const cpu = await panel('CPU busy');
  await waitFor(() => expect(cpu).toHaveTextContent('CPU busy: the query failed'));
  expect(cpu).toHaveTextContent('bad_data: invalid parameter "query": parse error');
  await waitFor(async () => expect(await panel('Memory available')).toHaveAttribute('data-series', 'pg1,pg2,pg3'));
});

test('a data source Grafana does not find is an error in place; the members are still shown', async () => {
  backend.answer('POST', DS_QUERY, { status: 404, data: { message: 'Data source not found' } });
  renderApp('/clusters/main', WITH_PROMETHEUS);
  expect(await screen.findByText('Prometheus could not be queried')).toBeInTheDocument();
  expect(screen.getByText('Grafana answered 404: Data source not found')).toBeInTheDocument();
  expect(await rowOf('pg2')).toHaveTextContent('replica');
});

test('a cluster with no series yet says so on each panel', async () => {
  backend.answer('POST', DS_QUERY, ok({ results: Object.fromEntries(ALL_REF_IDS.map((refId) => [refId, { status: 200, frames: [] }])) }));
  renderApp('/clusters/main', WITH_PROMETHEUS);
  await waitFor(async () => expect(await panel('Disk busy')).toHaveTextContent('No series for this cluster in the last 15 minutes'));
});

test('the panels refresh on their own, over a window that moves with the clock', async () => {
  jest.useFakeTimers({ advanceTimers: true });
  try {
    backend.answer('POST', DS_QUERY, ok({ results: perMemberResults(ALL_REF_IDS) }));
    renderApp('/clusters/main', WITH_PROMETHEUS);
    await waitFor(() => expect(dsQueries()).toHaveLength(1));
    await act(async () => {
      jest.advanceTimersByTime(5_000);
    });
    await waitFor(() => expect(dsQueries()).toHaveLength(2));
    const [first, second] = dsQueries();
    expect(Number(second!.to) - Number(first!.to)).toBeGreaterThanOrEqual(5_000);
  } finally {
    jest.useRealTimers();
  }
});
