import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { config } from '@grafana/runtime';
import { agentError, installFakeBackend, ok, proxied, type FakeBackend } from '../../test/backend-srv';
import { clusterView, listedSession, pendingChange, sessionDetail } from '../../test/fixtures';
import { renderApp } from '../../test/render-app';
import { testIds } from '../testIds';

const SETTINGS = { agentUrl0: 'http://db1:8080' };
const RUNNING = listedSession('55555555-0000-4000-8000-000000000005', {
  options: { ...listedSession('x').options, approval: 'each', approvalTimeoutMs: 3_600_000 },
});
const PENDING = proxied(0, `/api/v1/sessions/${RUNNING.id}/pending`);

let backend: FakeBackend;
beforeEach(() => {
  config.bootData.user = { ...config.bootData.user, login: 'alice' };
  backend = installFakeBackend();
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg1')));
  backend.answer('GET', proxied(0, '/api/v1/sessions'), ok({ sessions: [RUNNING] }));
  backend.answer('GET', proxied(0, `/api/v1/sessions/${RUNNING.id}`), ok(sessionDetail(RUNNING, 3)));
  backend.answer('GET', PENDING, ok({ pendingChange: pendingChange(RUNNING.id) }));
});

const decisions = (what: 'approve' | 'reject') =>
  backend.requests.filter((r) => r.method === 'POST' && r.url === `${PENDING}/${what}`).map((r) => r.data);

async function openReview() {
  const banner = await screen.findByTestId(testIds.approval.banner(RUNNING.id));
  expect(banner).toHaveTextContent('2 knobs off the baseline (model)');
  await userEvent.click(within(banner).getByRole('button', { name: 'Review' }));
  return screen.findByRole('dialog');
}

test('the fleet page’s banner opens the review: three columns, values off the baseline marked, prediction and memory', async () => {
  renderApp('/', SETTINGS);
  const dialog = await openReview();
  const row = within(dialog).getByTestId(testIds.approval.row('random_page_cost'));
  expect(
    within(row)
      .getAllByRole('cell')
      .map((c) => c.textContent)
  ).toEqual(['random_page_cost', '4', '2', '1.5']);
  expect(row).toHaveAttribute('data-changed', 'true');
  expect(within(dialog).getByTestId(testIds.approval.row('jit'))).toHaveAttribute('data-changed', 'false');
  expect(dialog).toHaveTextContent('Predicted effect: score 1.234 ± 0.056');
  expect(dialog).toHaveTextContent('Memory guardrail: ok: bound 1.1 GiB of 3.0 GiB');
  expect(dialog).toHaveTextContent('Iteration 4 (model)');
  await userEvent.click(within(dialog).getByRole('button', { name: 'Approve' }));
  await waitFor(() => expect(decisions('approve')).toEqual([{ by: 'alice' }]));
});

test('approve with changes: only the edited value is sent, and the agent’s refusal shown beside that knob', async () => {
  backend.answer(
    'POST',
    `${PENDING}/approve`,
    agentError(400, 'invalid_changes', 'body/changes/work_mem: the memory guardrail refuses it: bound 5 GiB')
  );
  renderApp(`/clusters/main/sessions/${RUNNING.id}`, SETTINGS);
  const dialog = await openReview();
  await userEvent.click(within(dialog).getByRole('button', { name: 'Approve with changes' }));
  const workMem = within(dialog).getByLabelText('pending work_mem');
  await userEvent.clear(workMem);
  await userEvent.type(workMem, '999999');
  await userEvent.click(within(dialog).getByRole('button', { name: 'Approve with these changes' }));
  const row = within(dialog).getByTestId(testIds.approval.row('work_mem'));
  expect(await within(row).findByText(/the memory guardrail refuses it/)).toBeInTheDocument();
  expect(decisions('approve')).toEqual([{ by: 'alice', changes: { work_mem: 999999 } }]);
});

test('reject with a reason, from the cluster page', async () => {
  backend.answer('POST', `${PENDING}/reject`, ok({ pendingChange: pendingChange(RUNNING.id, { status: 'rejected' }) }));
  renderApp('/clusters/main', SETTINGS);
  const dialog = await openReview();
  await userEvent.click(within(dialog).getByRole('button', { name: 'Reject' }));
  await userEvent.type(within(dialog).getByLabelText('reject reason'), 'too close to the month-end batch');
  await userEvent.click(within(dialog).getByRole('button', { name: 'Confirm rejection' }));
  await waitFor(() =>
    expect(decisions('reject')).toEqual([{ by: 'alice', reason: 'too close to the month-end batch' }])
  );
  await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
});

test('no banner when nothing awaits review', async () => {
  backend.answer('GET', PENDING, agentError(404, 'no_pending_change', 'none'));
  renderApp(`/clusters/main/sessions/${RUNNING.id}`, SETTINGS);
  await screen.findByTestId(testIds.session.progress);
  await waitFor(() => expect(backend.requests.some((r) => r.url === PENDING)).toBe(true));
  expect(screen.queryByTestId(testIds.approval.banner(RUNNING.id))).not.toBeInTheDocument();
});
