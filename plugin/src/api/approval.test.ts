import { AgentRequestError } from './agent-api';
import { agentError, installFakeBackend, ok, proxied } from '../test/backend-srv';
import { pendingChange } from '../test/fixtures';
import { approveChange, fetchPendingChange, invalidChangeKnob, parseEdited, reviewRows } from './approval';

const ID = '44444444-0000-4000-8000-000000000004';
const PENDING = proxied(0, `/api/v1/sessions/${ID}/pending`);

test('no change awaiting review is null; any other failure is thrown', async () => {
  const backend = installFakeBackend();
  backend.answer('GET', PENDING, agentError(404, 'no_pending_change', `session ${ID} has no change awaiting approval`));
  expect(await fetchPendingChange(0, ID)).toBeNull();
  backend.answer('GET', PENDING, ok({ pendingChange: pendingChange(ID) }));
  expect((await fetchPendingChange(0, ID))?.id).toBe(7);
  backend.answer('GET', PENDING, agentError(401, 'unauthorized', 'bad token'));
  await expect(fetchPendingChange(0, ID)).rejects.toMatchObject({ kind: 'unauthorized' });
});

test('an approval through a replica’s agent is followed through the forwarded command', async () => {
  const backend = installFakeBackend();
  const command = {
    id: 'c9',
    kind: 'approve' as const,
    scope: 'main',
    sessionId: ID,
    payload: {},
    receivedBy: 'pg2',
    createdAt: '2026-12-05T07:00:00Z',
    expiresAt: '2026-12-05T07:05:00Z',
    status: 'pending' as const,
    result: null,
    handledBy: null,
    handledAt: null,
  };
  backend.answer('POST', `${PENDING}/approve`, { status: 202, data: { command, leader: 'pg1' } });
  backend.answer('GET', proxied(0, '/api/v1/commands/c9'), ok({ command: { ...command, status: 'done', result: {} } }));
  expect(await approveChange(0, ID, 'alice', { work_mem: 6144 }, 1)).toEqual({ decided: true, via: 'command' });
  expect(backend.requests.find((r) => r.method === 'POST')?.data).toEqual({ by: 'alice', changes: { work_mem: 6144 } });
});

test('review rows put baseline, best so far and pending side by side; edited text keeps the value’s type', () => {
  expect(reviewRows(pendingChange(ID))).toEqual([
    { name: 'jit', baseline: false, best: false, pending: false, changed: false },
    { name: 'random_page_cost', baseline: 4, best: 2, pending: 1.5, changed: true },
    { name: 'work_mem', baseline: 4096, best: 8192, pending: 8192, changed: true },
  ]);
  expect(parseEdited(' 6144 ', 8192)).toBe(6144);
  expect(parseEdited('true', false)).toBe(true);
  expect(parseEdited('8MB', 8192)).toBe('8MB');
  const invalid = new AgentRequestError('agent', 'x', 400, {
    error: { code: 'invalid_changes', message: 'body/changes/work_mem: must be <= 2147483647' },
  });
  expect(invalidChangeKnob(invalid)).toBe('work_mem');
  expect(
    invalidChangeKnob(
      new AgentRequestError('agent', 'x', 409, { error: { code: 'conflict', message: 'body/changes/x' } })
    )
  ).toBeNull();
});
