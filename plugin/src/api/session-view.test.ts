import type { IterationRecord } from '@patroni-tuner/backend/contract';
import { installFakeBackend, ok, proxied } from '../test/backend-srv';
import { listedSession, sessionDetail } from '../test/fixtures';
import { SCORE_FIELDS, scoreFrame } from './score-frame';
import { bestIteration, diffAgainstBaseline, patronictlCommand, stopSession } from './session-view';

const SESSION = listedSession('11111111-0000-4000-8000-000000000001');

const iteration = (
  number: number,
  score: number | null,
  overrides: Partial<IterationRecord> = {}
): IterationRecord => ({
  ...sessionDetail(SESSION, 0).iterations[0]!,
  number,
  score,
  endedAt: score === null ? null : `2026-12-05T07:0${number}:00Z`,
  ...overrides,
});

test('the score frame has each measured iteration beside the baseline, the best so far and the comparison interval', () => {
  const comparison = { ratio: 0.8, low: 0.7, high: 0.9, statements: 12, coveredShare: 0.95, referenceMeanMs: 2 };
  const frame = scoreFrame([
    iteration(2, 1.5),
    iteration(0, 2),
    iteration(1, 1.6, {
      measurement: { windowSeconds: 60, meanQueryTimeMs: 1.6, calls: 100, transactionsPerSecond: 50, comparison },
    }),
    iteration(3, null),
  ]);
  const values = (name: string) => frame.fields.find((f) => f.name === name)!.values;
  expect(frame.length).toBe(3);
  expect(values('Iteration')).toEqual([0, 1, 2]);
  expect(values(SCORE_FIELDS.score)).toEqual([2, 1.6, 1.5]);
  expect(values(SCORE_FIELDS.baseline)).toEqual([2, 2, 2]);
  expect(values(SCORE_FIELDS.best)).toEqual([2, 1.6, 1.5]);
  expect(values(SCORE_FIELDS.low)).toEqual([null, 1.4, null]);
  expect(values(SCORE_FIELDS.high)).toEqual([null, 1.8, null]);
});

test('the best iteration is the lowest score; the diff and patronictl command name only the knobs that changed', () => {
  expect(bestIteration([iteration(0, 2), iteration(1, 1.2), iteration(2, 1.7), iteration(3, null)])?.number).toBe(1);
  expect(bestIteration([iteration(1, null)])).toBeNull();
  const diff = diffAgainstBaseline(
    { work_mem: 8192, shared_buffers: 16384, jit: 'off' },
    { work_mem: 4096, shared_buffers: 16384, jit: 'off' }
  );
  expect(diff).toEqual([{ name: 'work_mem', baseline: 4096, value: 8192 }]);
  expect(patronictlCommand('main cluster', [...diff, { name: 'search_path', baseline: null, value: "a b's" }])).toBe(
    `patronictl edit-config 'main cluster' -p work_mem=8192 -p 'search_path=a b'\\''s'`
  );
  expect(patronictlCommand('main', [])).toBe('');
});

test('stop through a replica’s agent follows the forwarded command to its end', async () => {
  const backend = installFakeBackend();
  const command = {
    id: 'c1',
    kind: 'stop' as const,
    scope: 'main',
    sessionId: SESSION.id,
    payload: {},
    receivedBy: 'pg2',
    createdAt: '2026-12-05T07:00:00Z',
    expiresAt: '2026-12-05T07:05:00Z',
    status: 'pending' as const,
    result: null,
    handledBy: null,
    handledAt: null,
  };
  backend.answer('POST', proxied(1, `/api/v1/sessions/${SESSION.id}/stop`), {
    status: 202,
    data: { command, leader: 'pg1' },
  });
  backend.answer(
    'GET',
    proxied(1, '/api/v1/commands/c1'),
    ok({ command: { ...command, status: 'rejected', result: { error: { code: 'x', message: 'no such session' } } } })
  );
  expect(await stopSession(1, SESSION.id, 1)).toEqual({ stopping: false, reason: 'no such session' });
  backend.answer('GET', proxied(1, '/api/v1/commands/c1'), ok({ command: { ...command, status: 'done', result: {} } }));
  expect(await stopSession(1, SESSION.id, 1)).toEqual({ stopping: true });
});
