import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { CommandRecord } from '@patroni-tuner/backend/contract';
import { agentError, installFakeBackend, ok, proxied, type FakeBackend } from '../test/backend-srv';
import { clusterView, knobsView, listedSession, member, sessionDetail } from '../test/fixtures';
import { renderApp } from '../test/render-app';
import { testIds } from './testIds';

const SETTINGS = { agentUrl0: 'http://db1:8080' };
const SESSIONS = proxied(0, '/api/v1/sessions');
const STARTED = listedSession('33333333-0000-4000-8000-000000000003');

let backend: FakeBackend;
beforeEach(() => {
  backend = installFakeBackend();
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg1')));
  backend.answer('GET', SESSIONS, ok({ sessions: [] }));
});

const startButton = () => screen.findByTestId(testIds.sessions.start);
const posts = () => backend.requests.filter((r) => r.method === 'POST' && r.url === SESSIONS);

async function fill(label: string, value: string) {
  const input = await screen.findByLabelText(label);
  await userEvent.clear(input);
  await userEvent.type(input, value);
}

test('a session is started with the values given, and the outcome shown', async () => {
  backend.answer('POST', SESSIONS, { status: 201, data: { session: STARTED } });
  renderApp('/clusters/main/sessions', SETTINGS);
  await fill('Iterations', '30');
  await fill('Iteration window (seconds)', '120');
  await fill('Warm-up (seconds)', '10');
  await userEvent.click(screen.getByRole('radio', { name: 'Throughput' }));
  await userEvent.click(await startButton());
  expect(await screen.findByText('Session 33333333 started')).toBeInTheDocument();
  expect(posts().map((r) => r.data)).toEqual([
    { iterations: 30, iterationSeconds: 120, warmupSeconds: 10, objective: 'throughput' },
  ]);
});

test('through a replica’s agent, the forwarded command is followed until the leader’s agent started it', async () => {
  const command = {
    id: 'c0000000-0000-4000-8000-000000000001',
    status: 'pending',
    result: null,
  } as unknown as CommandRecord;
  backend.answer('POST', SESSIONS, { status: 202, data: { command, leader: 'pg1' } });
  backend.answer(
    'GET',
    proxied(0, `/api/v1/commands/${command.id}`),
    ok({ command: { ...command, status: 'done', result: { sessionId: STARTED.id } } })
  );
  renderApp('/clusters/main/sessions', SETTINGS);
  await userEvent.click(await startButton());
  expect(await screen.findByText('Session 33333333 started', {}, { timeout: 3000 })).toBeInTheDocument();
  expect(screen.getByText("Forwarded to the leader's agent, which started it.")).toBeInTheDocument();
});

test('values out of the agent’s limits are named beside their field, and nothing is sent', async () => {
  renderApp('/clusters/main/sessions', SETTINGS);
  await fill('Iterations', '0');
  await fill('Warm-up (seconds)', '1.5');
  await userEvent.click(await startButton());
  expect(await screen.findByText('a whole number from 1 to 200')).toBeInTheDocument();
  expect(screen.getByText('a whole number from 0 to 3600')).toBeInTheDocument();
  expect(posts()).toHaveLength(0);
});

test('a 400 is shown beside the field it names, a 409 with the agent’s reason', async () => {
  backend.answer('POST', SESSIONS, agentError(400, 'invalid_request', 'body/iterationSeconds must be <= 3600'));
  renderApp('/clusters/main/sessions', SETTINGS);
  await userEvent.click(await startButton());
  expect(await screen.findByText('body/iterationSeconds must be <= 3600')).toBeInTheDocument();

  backend.answer('POST', SESSIONS, agentError(409, 'cluster_unhealthy', 'cluster is not healthy: pg3 is stopped'));
  await userEvent.click(await startButton());
  expect(await screen.findByText('The agent refused to start a session')).toBeInTheDocument();
  expect(screen.getByText(/cluster is not healthy: pg3 is stopped \(409 cluster_unhealthy\)/)).toBeInTheDocument();
});

test('the button is disabled, with the reasons, while a session runs, a halt awaits acknowledgement or a member is down', async () => {
  const running = listedSession('44444444-0000-4000-8000-000000000004', { state: 'running' });
  const halted = listedSession('55555555-0000-4000-8000-000000000005', { state: 'halted' });
  backend.answer('GET', SESSIONS, ok({ sessions: [running, halted] }));
  backend.answer('GET', proxied(0, `/api/v1/sessions/${running.id}`), ok(sessionDetail(running, 1)));
  backend.answer('GET', proxied(0, `/api/v1/sessions/${halted.id}`), ok(sessionDetail(halted, 1)));
  backend.answer(
    'GET',
    proxied(0, '/api/v1/cluster'),
    ok(
      clusterView('main', 'pg1', {
        members: [member('pg1', { isLeader: true }), member('pg2', { health: 'stopped', state: 'stopped' })],
      })
    )
  );
  renderApp('/clusters/main/sessions', SETTINGS);
  expect(await screen.findByText('A session cannot start now')).toBeInTheDocument();
  expect(screen.getByText('session 44444444 is running')).toBeInTheDocument();
  expect(screen.getByText('session 55555555 is halted and awaits acknowledgement')).toBeInTheDocument();
  expect(screen.getByText('pg2 is stopped')).toBeInTheDocument();
  expect(await startButton()).toHaveAttribute('aria-disabled', 'true');
  await userEvent.click(await startButton());
  await waitFor(() => expect(posts()).toHaveLength(0));
});

test('approval mode is sent with its timeout; a timeout the agent cannot read is named beside its field', async () => {
  backend.answer('POST', SESSIONS, { status: 201, data: { session: STARTED } });
  renderApp('/clusters/main/sessions', SETTINGS);
  await userEvent.click(await screen.findByRole('radio', { name: 'Approve each change' }));
  await fill('Approval timeout', 'soon');
  await userEvent.click(await startButton());
  expect(await screen.findByText('a duration such as 30m, 1h or 90s, or milliseconds')).toBeInTheDocument();
  expect(posts()).toHaveLength(0);
  await fill('Approval timeout', '30m');
  await userEvent.click(await startButton());
  expect(await screen.findByText('Session 33333333 started')).toBeInTheDocument();
  expect(posts().map((r) => r.data)).toEqual([
    {
      iterations: 20,
      iterationSeconds: 300,
      warmupSeconds: 60,
      objective: 'mean_query_time',
      approval: 'each',
      approvalTimeout: '30m',
    },
  ]);
});

test('a knob subset is chosen from the agent’s catalogue, each with its range; excluded knobs say why', async () => {
  backend.answer('GET', proxied(0, '/api/v1/knobs'), ok(knobsView()));
  backend.answer('POST', SESSIONS, { status: 201, data: { session: STARTED } });
  renderApp('/clusters/main/sessions', SETTINGS);
  expect(await screen.findByText('All 3 tunable knobs are tuned; choose some to tune only those.')).toBeInTheDocument();
  await userEvent.click(screen.getByText('Knobs (3 tunable, 2 excluded)'));
  expect(screen.getByText('fsync: durability (turning it off risks data loss)')).toBeInTheDocument();
  expect(screen.getByText('shared_buffers: restart required')).toBeInTheDocument();
  expect(screen.getByText('jit: on, searched true | false')).toBeInTheDocument();
  await userEvent.click(screen.getByText('work_mem: 4MB, searched 1MB … 256MB'));
  await userEvent.click(screen.getByText('random_page_cost: 4, searched 1 … 4'));
  expect(screen.getByText('2 of 3 tunable knobs chosen.')).toBeInTheDocument();
  await userEvent.click(await startButton());
  expect(await screen.findByText('Session 33333333 started')).toBeInTheDocument();
  expect(posts().map((r) => (r.data as { knobs?: string[] }).knobs)).toEqual([['work_mem', 'random_page_cost']]);
});
