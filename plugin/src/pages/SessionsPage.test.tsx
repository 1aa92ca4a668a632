import { screen, within } from '@testing-library/react';
import { testIds } from '../components/testIds';
import { badGateway, installFakeBackend, ok, proxied, type FakeBackend } from '../test/backend-srv';
import { clusterView, listedSession, sessionDetail } from '../test/fixtures';
import { renderApp } from '../test/render-app';

const SETTINGS = { agentUrl0: 'http://db1:8080', agentUrl1: 'http://db2:8080' };
const DONE = listedSession('11111111-0000-4000-8000-000000000001', {
  state: 'completed',
  createdAt: '2026-12-05T06:00:00Z',
  endedAt: '2026-12-05T06:42:30Z',
  result: { final: 'best', bestIteration: 7, baselineScore: 2, bestScore: 1.25, improvementRatio: 1.6 },
});
const HALTED = listedSession('22222222-0000-4000-8000-000000000002', {
  state: 'halted',
  createdAt: '2026-12-05T07:00:00Z',
  endedAt: '2026-12-05T07:05:00Z',
  reason: 'topology changed: leader_changed',
});

let backend: FakeBackend;
beforeEach(() => {
  backend = installFakeBackend();
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg1')));
  backend.answer('GET', proxied(1, '/api/v1/cluster'), ok(clusterView('main', 'pg2')));
  backend.answer('GET', proxied(0, '/api/v1/sessions'), ok({ sessions: [DONE, HALTED] }));
  backend.answer('GET', proxied(0, `/api/v1/sessions/${DONE.id}`), ok(sessionDetail(DONE, 20)));
  backend.answer('GET', proxied(0, `/api/v1/sessions/${HALTED.id}`), ok(sessionDetail(HALTED, 3)));
});

const rowOf = async (id: string) => (await screen.findByTestId(testIds.sessions.row(id))).closest('tr')!;

test('each session, newest first, with its state, start, duration, iterations done of planned and improvement', async () => {
  renderApp('/clusters/main/sessions', SETTINGS);
  const done = await rowOf(DONE.id);
  expect(within(done).getByText('completed')).toBeInTheDocument();
  expect(done).toHaveTextContent('mean query time');
  expect(done).toHaveTextContent('42m 30s');
  expect(done).toHaveTextContent('20 / 20');
  expect(done).toHaveTextContent('×1.60');
  const halted = await rowOf(HALTED.id);
  expect(within(halted).getByText('halted')).toBeInTheDocument();
  expect(halted).toHaveTextContent('3 / 20');
  expect(halted).toHaveTextContent('—');
  expect(halted).toHaveTextContent('topology changed: leader_changed');
  const rows = screen.getAllByRole('row').slice(1);
  expect(rows[0]).toHaveTextContent('22222222');
});

test('read through a replica’s agent when the leader’s does not answer', async () => {
  backend.answer('GET', proxied(0, '/api/v1/cluster'), badGateway);
  backend.answer('GET', proxied(1, '/api/v1/sessions'), ok({ sessions: [DONE] }));
  backend.answer('GET', proxied(1, `/api/v1/sessions/${DONE.id}`), ok(sessionDetail(DONE, 20)));
  renderApp('/clusters/main/sessions', SETTINGS);
  expect(await rowOf(DONE.id)).toHaveTextContent('20 / 20');
  expect(screen.getByText('1 agent does not answer')).toBeInTheDocument();
});

test('no session yet, and a cluster no agent answers for, are said in place', async () => {
  backend.answer('GET', proxied(0, '/api/v1/sessions'), ok({ sessions: [] }));
  const { unmount } = renderApp('/clusters/main/sessions', SETTINGS);
  expect(await screen.findByText('No tuning session yet on this cluster.')).toBeInTheDocument();
  unmount();
  renderApp('/clusters/other/sessions', SETTINGS);
  expect(await screen.findByText('No agent answers for cluster other')).toBeInTheDocument();
});
