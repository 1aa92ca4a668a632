import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { IterationRecord, RecommendationView } from '@patroni-tuner/backend/contract';
import { testIds } from '../components/testIds';
import { installFakeBackend, ok, proxied, type FakeBackend } from '../test/backend-srv';
import { clusterView, failoverState, listedSession, pendingChange, sessionDetail } from '../test/fixtures';
import { renderApp } from '../test/render-app';

const SETTINGS = { agentUrl0: 'http://db1:8080' };
const RUNNING = listedSession('11111111-0000-4000-8000-000000000001', { state: 'running' });
const base = sessionDetail(RUNNING, 0).iterations[0]!;
const iteration = (number: number, overrides: Partial<IterationRecord>): IterationRecord => ({
  ...base,
  number,
  ...overrides,
});
const DETAIL = sessionDetail(RUNNING, 0, {
  baseline: {
    sessionId: RUNNING.id,
    dcsParameters: {},
    effective: { work_mem: 4096, shared_buffers: 16384 },
    recordedAt: '2026-12-05T07:00:00Z',
  },
  iterations: [
    iteration(0, { candidate: { work_mem: 4096, shared_buffers: 16384 }, score: 2 }),
    iteration(1, {
      candidate: { work_mem: 8192, shared_buffers: 16384 },
      score: 1.5,
      verification: [
        { member: 'pg1', verified: true, mismatches: [], pendingRestart: [], error: null },
        {
          member: 'pg2',
          verified: false,
          mismatches: [{ name: 'work_mem', expected: 8192, actual: '4096' }],
          pendingRestart: [],
          error: null,
        },
      ],
      verdicts: [{ guardrail: 'memory', ok: true, detail: 'bound 1.2 GiB of 3 GiB' }],
      measurement: {
        windowSeconds: 60,
        meanQueryTimeMs: 1.5,
        calls: 900,
        transactionsPerSecond: 42,
        comparison: { ratio: 0.75, low: 0.7, high: 0.8, statements: 10, coveredShare: 0.9, referenceMeanMs: 2 },
      },
    }),
    iteration(2, {
      candidate: { work_mem: 16384, shared_buffers: 16384 },
      state: 'measuring',
      score: null,
      endedAt: null,
    }),
  ],
  events: [
    { id: 1, sessionId: RUNNING.id, at: '2026-12-05T07:00:05Z', type: 'baseline_recorded', member: 'pg1', detail: {} },
  ],
});
const NO_BEST: RecommendationView = {
  pgtune: {
    source: 'pgtune',
    measuredIn: null,
    parameters: {},
    patronictl: { command: '', yaml: '' },
    patch: { postgresql: { parameters: {} } },
    notes: [],
  },
  bestMeasured: null,
};

let backend: FakeBackend;
beforeEach(() => {
  backend = installFakeBackend();
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg1')));
  backend.answer('GET', proxied(0, `/api/v1/sessions/${RUNNING.id}`), ok(DETAIL));
  backend.answer('GET', proxied(0, '/api/v1/recommendation'), ok(NO_BEST));
});

const path = `/clusters/main/sessions/${RUNNING.id}`;

test('progress, chart, iterations with diff, verification, verdicts and measurement, best configuration and events', async () => {
  renderApp(path, SETTINGS);
  const progress = await screen.findByTestId(testIds.session.progress);
  expect(progress).toHaveTextContent('iteration 2 measuring');
  expect(progress).toHaveTextContent('Iteration 1 of 20');
  expect(screen.getByTestId(testIds.session.chart)).toBeInTheDocument();
  const row = screen.getByTestId(testIds.session.iteration(1)).closest('tr')!;
  expect(row).toHaveTextContent('work_mem: 4096 → 8192');
  expect(row).not.toHaveTextContent('shared_buffers');
  expect(row).toHaveTextContent('pg1: verified');
  expect(row).toHaveTextContent('pg2: not verified (work_mem is 4096, expected 8192)');
  expect(row).toHaveTextContent('memory: bound 1.2 GiB of 3 GiB');
  expect(row).toHaveTextContent('×0.750 of the baseline [0.700, 0.800]');
  expect(screen.getByText(/Best so far: iteration 1/)).toBeInTheDocument();
  expect(screen.getByTestId(testIds.session.patronictl)).toHaveTextContent(
    'patronictl edit-config main -p work_mem=8192'
  );
  expect(screen.getByText('baseline recorded')).toBeInTheDocument();
});

test('the agent’s own patronictl command is shown when its best measured configuration is this session’s', async () => {
  const command = "patronictl edit-config main -p work_mem='8MB'";
  backend.answer(
    'GET',
    proxied(0, '/api/v1/recommendation'),
    ok({
      ...NO_BEST,
      bestMeasured: {
        ...NO_BEST.pgtune,
        source: 'best_measured',
        measuredIn: { sessionId: RUNNING.id, iteration: 1, improvementRatio: 1.33, endedAt: null },
        patronictl: { command, yaml: '' },
      },
    })
  );
  renderApp(path, SETTINGS);
  expect(await screen.findByTestId(testIds.session.patronictl)).toHaveTextContent(command);
});

test('Stop asks for confirmation, then stops through the answering agent', async () => {
  backend.answer('POST', proxied(0, `/api/v1/sessions/${RUNNING.id}/stop`), {
    status: 202,
    data: { session: { ...RUNNING, state: 'finishing' }, stopping: true },
  });
  renderApp(path, SETTINGS);
  await userEvent.click(await screen.findByTestId(testIds.session.stop));
  const dialog = await screen.findByRole('dialog');
  expect(backend.requests.some((r) => r.method === 'POST')).toBe(false);
  await userEvent.click(within(dialog).getByRole('button', { name: 'Stop' }));
  await waitFor(() =>
    expect(
      backend.requests.some((r) => r.method === 'POST' && r.url === proxied(0, `/api/v1/sessions/${RUNNING.id}/stop`))
    ).toBe(true)
  );
});

test('an ended session has no Stop; the sessions page links to it', async () => {
  const ended = { ...RUNNING, state: 'completed' as const, endedAt: '2026-12-05T08:00:00Z' };
  backend.answer('GET', proxied(0, `/api/v1/sessions/${RUNNING.id}`), ok({ ...DETAIL, session: ended }));
  backend.answer('GET', proxied(0, '/api/v1/sessions'), ok({ sessions: [ended] }));
  const { unmount } = renderApp(path, SETTINGS);
  expect(await screen.findByTestId(testIds.session.progress)).toHaveTextContent('completed');
  expect(screen.queryByTestId(testIds.session.stop)).not.toBeInTheDocument();
  unmount();
  renderApp('/clusters/main/sessions', SETTINGS);
  expect(await screen.findByTestId(testIds.sessions.row(RUNNING.id))).toHaveAttribute(
    'href',
    expect.stringContaining(`/a/patronituner-app/clusters/main/sessions/${RUNNING.id}`)
  );
});

test('a halted session shows what happened, the protocol’s phase counting down, and Acknowledge waiting for it', async () => {
  const halted = { ...RUNNING, state: 'halted' as const, reason: 'leader changed from pg1 to pg2' };
  const inGrace = new Date(Date.now() + 40_000).toISOString();
  backend.answer(
    'GET',
    proxied(0, `/api/v1/sessions/${RUNNING.id}`),
    ok({
      ...DETAIL,
      session: halted,
      failover: failoverState(RUNNING.id, 'grace', { phaseEndsAt: inGrace, restore: { unverified: ['pg3'] } }),
    })
  );
  renderApp(path, SETTINGS);
  const banner = await screen.findByTestId(testIds.fleet.halt(RUNNING.id));
  expect(banner).toHaveTextContent(/leader changed from pg1 to pg2 — failover protocol phase grace, ends in (39|40)s/);
  expect(within(banner).getByRole('button', { name: 'Acknowledge' })).toHaveAttribute('aria-disabled', 'true');
  const details = screen.getByTestId(testIds.session.halt);
  expect(details).toHaveTextContent(/^Halted: .*Old leader: pg1/);
  expect(screen.queryByText(/^Reason:/)).not.toBeInTheDocument();
  expect(details).toHaveTextContent('New leader: pg2 (timeline 3)');
  expect(details).toHaveTextContent('Detection latency: 1.5 s');
  expect(details).toHaveTextContent(/Protocol phase: grace since/);
  expect(details).toHaveTextContent('Baseline restore: not attempted yet');
  expect(details).toHaveTextContent('Not verified: pg3');
  expect(screen.queryByTestId(testIds.session.stop)).not.toBeInTheDocument();
});

test('an iteration whose change waits for a person reads “awaiting approval”, with no measurement window counting down', async () => {
  const approving = { ...RUNNING, options: { ...RUNNING.options, approval: 'each' as const } };
  const proposed = iteration(2, {
    state: 'proposed',
    reason: 'model',
    score: null,
    endedAt: null,
    startedAt: new Date().toISOString(),
  });
  const change = pendingChange(RUNNING.id, { iteration: 2 });
  backend.answer(
    'GET',
    proxied(0, `/api/v1/sessions/${RUNNING.id}`),
    ok({
      ...DETAIL,
      session: approving,
      iterations: [...DETAIL.iterations.slice(0, 2), proposed],
      pendingChanges: [change],
    })
  );
  backend.answer('GET', proxied(0, `/api/v1/sessions/${RUNNING.id}/pending`), ok({ pendingChange: change }));
  renderApp(path, SETTINGS);
  const progress = await screen.findByTestId(testIds.session.progress);
  expect(progress).toHaveTextContent('iteration 2 awaiting approval');
  expect(progress).not.toHaveTextContent('proposed');
  expect(progress).not.toHaveTextContent('left in the window');
  expect(screen.getByTestId(testIds.session.iteration(2)).closest('tr')).toHaveTextContent(
    'awaiting approval (model)'
  );
});

test('a proposed iteration with no change waiting for a person keeps the record’s state', async () => {
  const proposed = iteration(2, { state: 'proposed', score: null, endedAt: null, startedAt: new Date().toISOString() });
  backend.answer(
    'GET',
    proxied(0, `/api/v1/sessions/${RUNNING.id}`),
    ok({
      ...DETAIL,
      iterations: [...DETAIL.iterations.slice(0, 2), proposed],
      // An earlier change, decided already: nothing waits.
      pendingChanges: [pendingChange(RUNNING.id, { iteration: 1, status: 'approved' })],
    })
  );
  renderApp(path, SETTINGS);
  const progress = await screen.findByTestId(testIds.session.progress);
  expect(progress).toHaveTextContent('iteration 2 proposed');
  expect(progress).not.toHaveTextContent('awaiting approval');
});
