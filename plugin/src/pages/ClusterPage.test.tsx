import { screen, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { badGateway, installFakeBackend, ok, proxied, type FakeBackend } from '../test/backend-srv';
import { clusterView } from '../test/fixtures';
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

test('the per-member host and PostgreSQL metrics point to the bundled dashboard for this cluster', async () => {
  renderApp('/clusters/main', SETTINGS);
  expect(await screen.findByRole('link', { name: 'Host and PostgreSQL per member' })).toHaveAttribute(
    'href',
    '/d/patroni-tuner-members?var-scope=main'
  );
});
