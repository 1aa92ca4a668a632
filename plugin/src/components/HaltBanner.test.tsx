import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { CommandRecord, FailoverPhase } from '@patroni-tuner/backend/contract';
import { config } from '@grafana/runtime';
import { agentError, installFakeBackend, ok, proxied, type FakeBackend } from '../test/backend-srv';
import { clusterView, failoverState, listedSession, sessionDetail } from '../test/fixtures';
import { renderApp } from '../test/render-app';
import { testIds } from './testIds';

const SETTINGS = { agentUrl0: 'http://db2:8080' };
const HALTED = listedSession('a1b2c3d4-0000-4000-8000-000000000002', {
  state: 'halted',
  reason: 'topology changed: leader_changed',
});
const ACKNOWLEDGE = proxied(0, `/api/v1/sessions/${HALTED.id}/acknowledge`);

let backend: FakeBackend;
beforeEach(() => {
  config.bootData.user = { ...config.bootData.user, login: 'alice' };
  backend = installFakeBackend();
  backend.answer('GET', proxied(0, '/api/v1/cluster'), ok(clusterView('main', 'pg2', { leader: 'pg2' })));
  backend.answer('GET', proxied(0, '/api/v1/sessions'), ok({ sessions: [HALTED] }));
  inPhase('awaiting_acknowledgement');
});

/** The protocol in `phase`, ending at `phaseEndsAt` (epoch ms; the wire carries it as an ISO time). */
function inPhase(phase: FailoverPhase, phaseEndsAt: number | null = null) {
  const failover = failoverState(HALTED.id, phase, {
    phaseEndsAt: phaseEndsAt === null ? null : new Date(phaseEndsAt).toISOString(),
  });
  backend.answer('GET', proxied(0, `/api/v1/sessions/${HALTED.id}`), ok(sessionDetail(HALTED, 2, { failover })));
}

/** The agent's answer to an acknowledgement it carried out. */
const acknowledged = (force = false) =>
  ok({
    session: { ...HALTED, state: 'acknowledged' },
    failover: failoverState(HALTED.id, 'acknowledged', {
      acknowledgement: { by: 'alice', at: '2026-12-05T07:10:00Z', forced: force, unresolved: null },
    }),
  });

const acknowledgements = () => backend.requests.filter((r) => r.url === ACKNOWLEDGE).map((r) => r.data);

async function acknowledgeAndConfirm(button: string) {
  const banner = await screen.findByTestId(testIds.fleet.halt(HALTED.id));
  await userEvent.click(within(banner).getByRole('button', { name: button }));
  const dialog = await screen.findByRole('dialog');
  await userEvent.click(within(dialog).getByRole('button', { name: button }));
}

test('while the protocol runs, Acknowledge is disabled and the phase is shown with a live countdown', async () => {
  inPhase('grace', Date.now() + 125_000);
  renderApp('/', SETTINGS);
  const banner = await screen.findByTestId(testIds.fleet.halt(HALTED.id));
  expect(banner).toHaveTextContent(
    /topology changed: leader_changed — failover protocol phase grace, ends in 2m 0[45]s/
  );
  const secondsLeft = () => Number(/ends in 2m (\d\d)s/.exec(banner.textContent ?? '')?.[1]);
  const first = secondsLeft();
  await waitFor(() => expect(secondsLeft()).toBeLessThan(first), { timeout: 3000 });
  expect(within(banner).getByRole('button', { name: 'Acknowledge' })).toHaveAttribute('aria-disabled', 'true');
});

test('awaiting acknowledgement: confirmed, sent in the signed-in user’s name, and the banner goes once acknowledged', async () => {
  backend.answer('POST', ACKNOWLEDGE, acknowledged());
  renderApp('/', SETTINGS);
  expect(await screen.findByText('Session a1b2c3d4 halted: awaiting acknowledgement')).toBeInTheDocument();
  backend.answer('GET', proxied(0, '/api/v1/sessions'), ok({ sessions: [{ ...HALTED, state: 'acknowledged' }] }));
  await acknowledgeAndConfirm('Acknowledge');
  expect(acknowledgements()).toEqual([{ by: 'alice' }]);
  await waitFor(() => expect(screen.queryByTestId(testIds.fleet.halt(HALTED.id))).toBeNull());
});

test('through an agent that does not lead, the forwarded command is followed to its end', async () => {
  const command = {
    id: 'c0000000-0000-4000-8000-000000000009',
    status: 'pending',
    result: null,
  } as unknown as CommandRecord;
  backend.answer('POST', ACKNOWLEDGE, { status: 202, data: { command, leader: 'pg3' } });
  backend.answer(
    'GET',
    proxied(0, `/api/v1/commands/${command.id}`),
    ok({
      command: {
        ...command,
        status: 'rejected',
        result: { error: { code: 'session_not_halted', message: 'session is acknowledged already' } },
      },
    })
  );
  renderApp('/', SETTINGS);
  await acknowledgeAndConfirm('Acknowledge');
  expect(await screen.findByText('session is acknowledged already', {}, { timeout: 3000 })).toBeInTheDocument();
});

test('a restore the protocol gave up asks for a forced acknowledgement, confirmed separately', async () => {
  backend.answer(
    'POST',
    ACKNOWLEDGE,
    agentError(409, 'force_required', 'the baseline restore was given up: acknowledge with force')
  );
  renderApp('/', SETTINGS);
  await acknowledgeAndConfirm('Acknowledge');
  expect(
    await screen.findByText(/the baseline restore was given up: acknowledge with force \(409 force_required\)/)
  ).toBeInTheDocument();
  backend.answer('POST', ACKNOWLEDGE, acknowledged(true));
  await acknowledgeAndConfirm('Acknowledge with force');
  expect(acknowledgements()).toEqual([{ by: 'alice' }, { by: 'alice', force: true }]);
});
