import { screen, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { agentError, badGateway, installFakeBackend, ok, proxied, type FakeBackend } from '../test/backend-srv';
import { clusterView, failoverState, listedSession, member, sessionDetail } from '../test/fixtures';
import { renderApp } from '../test/render-app';

const SETTINGS = { agentUrl0: 'http://db1:8080', agentUrl1: 'http://db2:8080', agentUrl2: 'http://other1:8080' };
const RUNNING = listedSession('6f1c2d3e-0000-4000-8000-000000000001');
const HALTED = listedSession('a1b2c3d4-0000-4000-8000-000000000002', {
  state: 'halted',
  reason: 'topology changed: leader_changed',
});

let backend: FakeBackend;
beforeEach(() => {
  backend = installFakeBackend();
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg1')));
  backend.answer('GET', proxied(1, '/api/v1/cluster'), ok(clusterView('main', 'pg2')));
  backend.answer('GET', proxied(2, '/api/v1/cluster'), ok(clusterView('billing', 'b1', { leader: null, members: [] })));
  backend.answer('GET', proxied(0, '/api/v1/sessions'), ok({ sessions: [RUNNING] }));
  backend.answer('GET', proxied(0, `/api/v1/sessions/${RUNNING.id}`), ok(sessionDetail(RUNNING, 5)));
  backend.answer('GET', proxied(2, '/api/v1/sessions'), ok({ sessions: [] }));
});

test('one card per cluster: leader, members, timeline, the answering agent and the active session’s progress', async () => {
  renderApp('/', SETTINGS);
  const card = await screen.findByTestId(testIds.fleet.card('main'));
  expect(card).toHaveTextContent('Leader pg1');
  expect(card).toHaveTextContent('3 members, 3 up');
  expect(card).toHaveTextContent('Timeline 3');
  expect(card).toHaveTextContent('Read through agent 1 (pg1)');
  expect(card).toHaveTextContent('All members up');
  expect(card).toHaveTextContent('Session 6f1c2d3e running: iteration 5 of 20');
  expect(within(card).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '5');
  expect(within(card).getByRole('link', { name: 'main' })).toHaveAttribute('href', '/a/patronituner-app/clusters/main');
  const billing = screen.getByTestId(testIds.fleet.card('billing'));
  expect(billing).toHaveTextContent('No leader');
  expect(billing).toHaveTextContent('No leader');
  expect(billing).toHaveTextContent('No active session');
});

test('a halted session awaiting acknowledgement is a red banner on its cluster’s card', async () => {
  backend.answer('GET', proxied(0, '/api/v1/sessions'), ok({ sessions: [HALTED] }));
  backend.answer(
    'GET',
    proxied(0, `/api/v1/sessions/${HALTED.id}`),
    ok(sessionDetail(HALTED, 2, { failover: failoverState(HALTED.id, 'awaiting_acknowledgement') }))
  );
  renderApp('/', SETTINGS);
  const card = await screen.findByTestId(testIds.fleet.card('main'));
  expect(await within(card).findByText('Session a1b2c3d4 halted: awaiting acknowledgement')).toBeInTheDocument();
  expect(card).toHaveTextContent('topology changed: leader_changed');
});

test('with the leader’s agent gone the cluster is read through a replica’s agent, and the lost agent is listed', async () => {
  backend.answer('GET', proxied(0, '/api/v1/cluster'), badGateway);
  backend.answer('GET', proxied(1, '/api/v1/sessions'), ok({ sessions: [] }));
  renderApp('/', SETTINGS);
  const card = await screen.findByTestId(testIds.fleet.card('main'));
  expect(card).toHaveTextContent('Read through agent 2 (pg2)');
  expect(screen.getByText('1 agent does not answer')).toBeInTheDocument();
  expect(
    screen.getByText(/Agent 1 \(http:\/\/db1:8080\): Unreachable: Grafana's proxy answered 502/)
  ).toBeInTheDocument();
});

test('sessions that cannot be read are said on the card, which still shows the cluster', async () => {
  backend.answer('GET', proxied(0, '/api/v1/sessions'), agentError(500, 'internal_error', 'internal error'));
  renderApp('/', SETTINGS);
  const card = await screen.findByTestId(testIds.fleet.card('main'));
  expect(card).toHaveTextContent('Sessions could not be read: Agent error: internal error (500 internal_error)');
  expect(card).toHaveTextContent('Leader pg1');
});

test('no agent answering, and no agent configured, are said in place', async () => {
  for (const slot of [0, 1, 2]) {
    backend.answer('GET', proxied(slot, '/api/v1/cluster'), badGateway);
  }
  const { unmount } = renderApp('/', SETTINGS);
  expect(await screen.findByText('No agent answers')).toBeInTheDocument();
  expect(screen.getByText('3 agents do not answer')).toBeInTheDocument();
  unmount();
  renderApp('/', {});
  expect(await screen.findByText('No agents configured')).toBeInTheDocument();
  expect(screen.getByRole('link', { name: /Open the configuration/ })).toHaveAttribute(
    'href',
    '/plugins/patronituner-app'
  );
});

test('a loading state while the agents are asked', async () => {
  renderApp('/', SETTINGS);
  // Shown only until the agents answer: finding it is the assertion (it may be gone a moment later).
  await screen.findByText('Asking the agents…');
  await screen.findByTestId(testIds.fleet.card('main'));
});

test('a member Patroni dropped from the cluster (its host gone) is counted as gone, not left out', async () => {
  // pg1's host is gone: its agent does not answer, and once its key expired Patroni no longer lists it.
  backend.answer('GET', proxied(0, '/api/v1/cluster'), badGateway);
  const survivors = [
    member('pg2', { role: 'primary', state: 'running', isLeader: true, lagBytes: null }),
    member('pg3', { state: 'stopped', health: 'stopped' }),
  ];
  backend.answer(
    'GET',
    proxied(1, '/api/v1/cluster'),
    ok(
      clusterView('main', 'pg2', {
        leader: 'pg2',
        members: survivors,
        recentEvents: [
          { at: '2026-12-05T07:59:00.000Z', type: 'leader_changed', from: 'pg1', to: 'pg2' },
          { at: '2026-12-05T07:59:30.000Z', type: 'member_down', member: 'pg1', health: null, wasLeader: true },
        ],
      })
    )
  );
  backend.answer('GET', proxied(1, '/api/v1/sessions'), ok({ sessions: [] }));
  renderApp('/', SETTINGS);
  const card = await screen.findByTestId(testIds.fleet.card('main'));
  expect(card).toHaveTextContent('3 members, 1 up');
  expect(card).toHaveTextContent('1 of 3 members up: pg1 gone, pg3 stopped');
  expect(card).not.toHaveTextContent('All members up');
});

test('a member that left and came back is counted once, and up', async () => {
  backend.answer(
    'GET',
    proxied(0, '/api/v1/cluster'),
    ok(
      clusterView('main', 'pg1', {
        recentEvents: [
          { at: '2026-12-05T07:50:00.000Z', type: 'member_down', member: 'pg3', health: null, wasLeader: false },
          { at: '2026-12-05T07:55:00.000Z', type: 'member_up', member: 'pg3', previousHealth: null },
        ],
      })
    )
  );
  renderApp('/', SETTINGS);
  const card = await screen.findByTestId(testIds.fleet.card('main'));
  expect(card).toHaveTextContent('3 members, 3 up');
  expect(card).toHaveTextContent('All members up');
});
