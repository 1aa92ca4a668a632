/**
 * The Store contract, written once and run against every implementation (memory-store.test.ts,
 * pg-store.test.ts). `makeStore` is called at the start of each test and must return an empty store
 * whose session timestamps come from the given clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  CommandRecord,
  IterationRecord,
  SessionOptions,
  SessionRecord,
  SessionState,
} from '../../../src/model/records.js';
import { TERMINAL_SESSION_STATES } from '../../../src/model/records.js';
import { ACTIVE_SESSION_STATES, SESSION_STATES } from '../../../src/model/record-states.js';
import {
  DuplicateRecordError,
  type NewPendingChange,
  type NewSession,
  PendingChangeDecidedError,
  RecordNotFoundError,
  SessionConflictError,
  SessionStateError,
  StaleRecordError,
  type Store,
} from '../../../src/store/store.js';
import { step, startFailover } from '../../../src/tuning/failover/index.js';

export type MakeStore = (clock: () => Date) => Promise<Store>;

export const T0 = Date.parse('2025-03-01T10:00:00.000Z');

/** A clock that moves only when told to. */
export class FakeClock {
  #now: number;
  constructor(start: number = T0) {
    this.#now = start;
  }
  readonly now = (): Date => new Date(this.#now);
  advance(ms: number): Date {
    this.#now += ms;
    return this.now();
  }
}

const at = (offsetMs: number) => new Date(T0 + offsetMs);

export const OPTIONS: SessionOptions = {
  iterations: 20,
  iterationSeconds: 300,
  warmupSeconds: 30,
  objective: 'mean_query_time',
  knobs: ['work_mem', 'random_page_cost'],
  seed: 42,
};

export function newSession(id: string, scope = 'demo', executor = 'node1'): NewSession {
  return { id, scope, executor, options: structuredClone(OPTIONS) };
}

function iteration(sessionId: string, number: number, overrides: Partial<IterationRecord> = {}): IterationRecord {
  return {
    sessionId,
    number,
    state: 'proposed',
    reason: number === 0 ? 'baseline' : 'model',
    candidate: { work_mem: 4096 * number, random_page_cost: 1.1, jit: false, wal_compression: 'lz4' },
    parameters: { work_mem: `${4 * number}MB`, random_page_cost: '1.1' },
    verification: [],
    measurement: null,
    score: null,
    verdicts: [],
    startedAt: at(number * 60_000),
    endedAt: null,
    error: null,
    ...overrides,
  };
}

async function rejectsWith<E extends Error>(
  promise: Promise<unknown>,
  ErrorClass: new (...args: never[]) => E,
  check: (error: E) => void = () => {},
): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${String(error)}`);
    check(error);
    return true;
  });
}

const conflictNaming = (activeSessionId: string) => (error: SessionConflictError) => {
  assert.equal(error.activeSessionId, activeSessionId);
  assert.equal(error.code, 'PGT_STORE_SESSION_CONFLICT');
  assert.equal(error.message, `session ${activeSessionId} is already active for this cluster`);
};

const ids = (sessions: readonly SessionRecord[]) => sessions.map((session) => session.id);

export function describeStoreContract(name: string, makeStore: MakeStore): void {
  describe(`${name} — Store contract`, () => {
    describe('sessions', () => {
      it('creates a pending session stamped by the clock and reads it back', async () => {
        const clock = new FakeClock();
        const store = await makeStore(clock.now);
        const created = await store.createSession(newSession('s1'));
        const expected: SessionRecord = {
          id: 's1',
          scope: 'demo',
          state: 'pending',
          options: OPTIONS,
          executor: 'node1',
          createdAt: at(0),
          updatedAt: at(0),
          endedAt: null,
          result: null,
          reason: null,
        };
        assert.deepEqual(created, expected);
        assert.deepEqual(await store.getSession('s1'), expected);
        assert.equal(await store.getSession('nope'), null);
      });

      it('refuses a second session with the same id', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1', 'a'));
        await rejectsWith(store.createSession(newSession('s1', 'b')), DuplicateRecordError, (error) => {
          assert.equal(error.code, 'PGT_STORE_DUPLICATE');
          assert.equal(error.message, 'session s1 already exists');
        });
        assert.equal((await store.getSession('s1'))?.scope, 'a');
      });

      it('lists a scope’s sessions newest first, with a limit, breaking equal timestamps by creation order', async () => {
        const clock = new FakeClock();
        const store = await makeStore(clock.now);
        for (const id of ['s1', 's2', 's3']) {
          const session = await store.createSession(newSession(id));
          await store.updateSession(session.id, { state: 'completed', endedAt: clock.now() });
          clock.advance(1_000);
        }
        // Same millisecond as each other:
        await store.updateSession((await store.createSession(newSession('s4'))).id, { state: 'stopped' });
        await store.createSession(newSession('s5'));
        await store.createSession(newSession('other', 'elsewhere'));

        assert.deepEqual(ids(await store.listSessions('demo')), ['s5', 's4', 's3', 's2', 's1']);
        assert.deepEqual(ids(await store.listSessions('demo', 2)), ['s5', 's4']);
        assert.deepEqual(ids(await store.listSessions('demo', 0)), []);
        assert.deepEqual(ids(await store.listSessions('elsewhere')), ['other']);
        assert.deepEqual(await store.listSessions('unknown'), []);
        const [newest] = await store.listSessions('demo', 1);
        assert.deepEqual(newest, await store.getSession('s5'));
        await assert.rejects(store.listSessions('demo', -1), RangeError);
        await assert.rejects(store.listSessions('demo', 1.5), RangeError);
      });

      it('allows one active session per scope and names the active one in the conflict', async () => {
        const clock = new FakeClock();
        const store = await makeStore(clock.now);
        await store.createSession(newSession('s1'));
        await rejectsWith(store.createSession(newSession('s2')), SessionConflictError, conflictNaming('s1'));
        assert.equal(await store.getSession('s2'), null);

        // Another cluster is not affected.
        await store.createSession(newSession('x1', 'other'));
        assert.equal((await store.activeSession('other'))?.id, 'x1');

        assert.equal((await store.activeSession('demo'))?.id, 's1');
        await store.updateSession('s1', { state: 'running' });
        await rejectsWith(store.createSession(newSession('s2')), SessionConflictError, conflictNaming('s1'));

        clock.advance(5_000);
        await store.updateSession('s1', { state: 'completed', endedAt: clock.now() });
        assert.equal(await store.activeSession('demo'), null);
        const s2 = await store.createSession(newSession('s2'));
        assert.equal(s2.state, 'pending');
        assert.deepEqual(await store.activeSession('demo'), s2);
        assert.equal(await store.activeSession('unknown'), null);
      });

      it('counts halted as active until the session reaches a terminal state', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await store.updateSession('s1', { state: 'halted', reason: 'leader changed from node1 to node2' });
        await rejectsWith(store.createSession(newSession('s2')), SessionConflictError, conflictNaming('s1'));
        assert.equal((await store.activeSession('demo'))?.state, 'halted');
        await store.updateSession('s1', { state: 'aborted' });
        assert.equal((await store.createSession(newSession('s2'))).id, 's2');
      });

      it('blocks a new session in exactly the non-terminal states', async () => {
        const store = await makeStore(new FakeClock().now);
        const blocking: SessionState[] = [];
        for (const state of SESSION_STATES) {
          const scope = `scope-${state}`;
          await store.createSession(newSession(`${state}-1`, scope));
          assert.equal((await store.updateSession(`${state}-1`, { state })).state, state);
          try {
            await store.createSession(newSession(`${state}-2`, scope));
          } catch (error) {
            assert.ok(error instanceof SessionConflictError, `got ${String(error)}`);
            assert.equal(error.activeSessionId, `${state}-1`);
            blocking.push(state);
          }
        }
        assert.deepEqual(blocking, ['pending', 'preparing', 'running', 'finishing', 'halted']);
        assert.deepEqual(blocking, [...ACTIVE_SESSION_STATES]);
        assert.deepEqual(
          SESSION_STATES.filter((state) => TERMINAL_SESSION_STATES.has(state)),
          ['completed', 'stopped', 'failed', 'aborted', 'acknowledged'],
        );
      });

      it('refuses any change to a terminal session with SessionStateError, and changes nothing', async () => {
        const clock = new FakeClock();
        const store = await makeStore(clock.now);
        for (const state of SESSION_STATES.filter((s) => TERMINAL_SESSION_STATES.has(s))) {
          const id = `${state}-1`;
          await store.createSession(newSession(id, `scope-${state}`));
          const ended = await store.updateSession(id, { state, endedAt: at(1_000), reason: 'ended' });
          clock.advance(1_000);
          for (const update of [{ state: 'running' as const }, { state: 'halted' as const }, { reason: 'rewritten' }, { state }]) {
            await rejectsWith(store.updateSession(id, update), SessionStateError, (error) => {
              assert.equal(error.code, 'PGT_STORE_SESSION_STATE');
              assert.equal(error.sessionId, id);
              assert.equal(error.actual, state);
              assert.equal(error.message, `session ${id} is ${state}, a terminal state: it cannot change`);
            });
          }
          assert.deepEqual(await store.getSession(id), ended);
        }
      });

      it('checks the expected state: a stale writer cannot overwrite a halted session', async () => {
        const clock = new FakeClock();
        const store = await makeStore(clock.now);
        await store.createSession(newSession('s1'));
        const running = await store.updateSession('s1', { state: 'running' }, { from: ['pending'] });
        assert.equal(running.state, 'running');
        // The failover protocol halts it; the runner, still believing it runs, tries to complete it.
        const halted = await store.updateSession('s1', { state: 'halted', reason: 'leader changed' }, { from: ['running', 'finishing'] });
        clock.advance(1_000);
        await rejectsWith(store.updateSession('s1', { state: 'completed', endedAt: clock.now() }, { from: ['running'] }), SessionStateError, (error) => {
          assert.deepEqual([error.sessionId, error.actual, error.expected], ['s1', 'halted', ['running']]);
          assert.equal(error.message, 'session s1 is halted, not running: it was changed by another writer');
        });
        assert.deepEqual(await store.getSession('s1'), halted);
        await rejectsWith(store.updateSession('missing', { state: 'running' }, { from: ['pending'] }), RecordNotFoundError);
      });

      it('lists the sessions in given states, oldest first', async () => {
        const clock = new FakeClock();
        const store = await makeStore(clock.now);
        await store.createSession(newSession('s1'));
        await store.updateSession('s1', { state: 'completed' });
        clock.advance(1_000);
        await store.createSession(newSession('s2'));
        await store.updateSession('s2', { state: 'aborted' });
        clock.advance(1_000);
        await store.createSession(newSession('s3'));
        await store.updateSession('s3', { state: 'running' });
        await store.createSession(newSession('x1', 'other'));
        await store.updateSession('x1', { state: 'completed' });

        assert.deepEqual(ids(await store.sessionsInState('demo', ['completed', 'aborted', 'running'])), ['s1', 's2', 's3']);
        assert.deepEqual(ids(await store.sessionsInState('demo', ['running', 'halted'])), ['s3']);
        assert.deepEqual(ids(await store.sessionsInState('demo', ['completed'])), ['s1']);
        assert.deepEqual(ids(await store.sessionsInState('demo', [])), []);
        const [s3] = await store.sessionsInState('demo', ['running']);
        assert.deepEqual(s3, await store.getSession('s3'));
      });

      it('updates only the given fields, stamps updatedAt, and can clear nullable ones', async () => {
        const clock = new FakeClock();
        const store = await makeStore(clock.now);
        await store.createSession(newSession('s1'));
        clock.advance(60_000);
        const finished = await store.updateSession('s1', {
          state: 'finishing',
          endedAt: at(59_000),
          result: { final: 'best', bestIteration: 7, baselineScore: 2.5, bestScore: 1.25, improvementRatio: 2 },
          reason: 'all iterations done',
        });
        const expected: SessionRecord = {
          id: 's1',
          scope: 'demo',
          state: 'finishing',
          options: OPTIONS,
          executor: 'node1',
          createdAt: at(0),
          updatedAt: at(60_000),
          endedAt: at(59_000),
          result: { final: 'best', bestIteration: 7, baselineScore: 2.5, bestScore: 1.25, improvementRatio: 2 },
          reason: 'all iterations done',
        };
        assert.deepEqual(finished, expected);
        assert.deepEqual(await store.getSession('s1'), expected);

        clock.advance(1_000);
        const changed = await store.updateSession('s1', { executor: 'node2', result: null, reason: null, endedAt: null });
        assert.deepEqual(changed, { ...expected, executor: 'node2', result: null, reason: null, endedAt: null, updatedAt: at(61_000) });

        clock.advance(1_000);
        // undefined means "not given", null means "clear".
        const untouched = await store.updateSession('s1', { state: undefined, executor: undefined });
        assert.deepEqual(untouched, { ...changed, updatedAt: at(62_000) });
        assert.deepEqual(await store.getSession('s1'), untouched);

        const withNulls = await store.updateSession('s1', {
          result: { final: 'baseline', bestIteration: null, baselineScore: null, bestScore: null, improvementRatio: null },
        });
        assert.deepEqual(withNulls.result, { final: 'baseline', bestIteration: null, baselineScore: null, bestScore: null, improvementRatio: null });
      });

      it('throws RecordNotFoundError when updating an unknown session', async () => {
        const store = await makeStore(new FakeClock().now);
        await rejectsWith(store.updateSession('missing', { state: 'running' }), RecordNotFoundError, (error) => {
          assert.equal(error.code, 'PGT_STORE_NOT_FOUND');
          assert.equal(error.message, 'session missing not found');
        });
        assert.equal(await store.getSession('missing'), null);
      });

      it('keeps its own copy: mutating what went in or came out changes nothing stored', async () => {
        const store = await makeStore(new FakeClock().now);
        const input = newSession('s1');
        const created = await store.createSession(input);
        input.options.knobs.push('from-input');
        created.options.knobs.push('from-output');
        created.createdAt.setTime(0);
        const fetched = await store.getSession('s1');
        assert.ok(fetched);
        assert.deepEqual(fetched.options.knobs, ['work_mem', 'random_page_cost']);
        assert.deepEqual(fetched.createdAt, at(0));
        fetched.options.seed = 7;
        assert.equal((await store.getSession('s1'))?.options.seed, 42);
      });
    });

    describe('baselines and auto.conf removals', () => {
      it('round-trips a baseline with string, integer, fractional and boolean values', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        const baseline = {
          sessionId: 's1',
          dcsParameters: { work_mem: '4MB', max_connections: 100, random_page_cost: 1.1, jit: false, wal_compression: 'on' },
          effective: {
            work_mem: 4096,
            random_page_cost: 4,
            seq_page_cost: 0.5,
            jit: true,
            effective_io_concurrency: 0,
            default_statistics_target: -1,
            wal_compression: 'off',
            checkpoint_completion_target: 0.9,
            search_path: '"$user", public',
          },
          recordedAt: at(1_234),
        };
        await store.saveBaseline(baseline);
        assert.deepEqual(await store.getBaseline('s1'), baseline);
        assert.equal(await store.getBaseline('s2'), null);
      });

      it('keeps the first baseline and refuses a second for the same session', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        const first = { sessionId: 's1', dcsParameters: { work_mem: '4MB' }, effective: { work_mem: 4096 }, recordedAt: at(0) };
        await store.saveBaseline(first);
        await rejectsWith(
          store.saveBaseline({ ...first, dcsParameters: { work_mem: '64MB' }, recordedAt: at(1) }),
          DuplicateRecordError,
          (error) => assert.equal(error.message, 'baseline of session s1 already exists'),
        );
        assert.deepEqual(await store.getBaseline('s1'), first);
      });

      it('refuses a baseline or removal of an unknown session', async () => {
        const store = await makeStore(new FakeClock().now);
        const baseline = { sessionId: 'ghost', dcsParameters: {}, effective: {}, recordedAt: at(0) };
        await rejectsWith(store.saveBaseline(baseline), RecordNotFoundError, (error) =>
          assert.equal(error.message, 'session ghost not found'),
        );
        await rejectsWith(
          store.recordAutoconfRemoval({ sessionId: 'ghost', member: 'node1', name: 'work_mem', setting: '8MB', removedAt: at(0) }),
          RecordNotFoundError,
        );
      });

      it('lists a session’s auto.conf removals in the order they were recorded', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await store.createSession(newSession('s2', 'other'));
        const removals = [
          { sessionId: 's1', member: 'node2', name: 'work_mem', setting: '8MB', removedAt: at(2_000) },
          { sessionId: 's1', member: 'node1', name: 'work_mem', setting: '16MB', removedAt: at(1_000) },
          { sessionId: 's1', member: 'node1', name: 'random_page_cost', setting: '1.1', removedAt: at(1_000) },
        ];
        for (const removal of removals) await store.recordAutoconfRemoval(removal);
        await store.recordAutoconfRemoval({ sessionId: 's2', member: 'node3', name: 'jit', setting: 'off', removedAt: at(0) });
        assert.deepEqual(await store.listAutoconfRemovals('s1'), removals);
        assert.deepEqual(await store.listAutoconfRemovals('s2'), [
          { sessionId: 's2', member: 'node3', name: 'jit', setting: 'off', removedAt: at(0) },
        ]);
        assert.deepEqual(await store.listAutoconfRemovals('none'), []);
      });
    });

    describe('iterations', () => {
      it('lists iterations in number order with every JSON field intact', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await store.createSession(newSession('s2', 'other'));
        const measured = iteration('s1', 2, {
          state: 'measured',
          reason: 'initial',
          verification: [
            { member: 'node1', verified: true, mismatches: [], pendingRestart: [], error: null },
            {
              member: 'node2',
              verified: false,
              mismatches: [
                { name: 'work_mem', expected: 8192, actual: '4096' },
                { name: 'jit', expected: false, actual: null },
              ],
              pendingRestart: ['shared_buffers'],
              error: 'connection refused',
            },
          ],
          measurement: { windowSeconds: 300, meanQueryTimeMs: 0.375, calls: 123456, transactionsPerSecond: 411.52, comparison: null },
          score: 0.375,
          verdicts: [
            { guardrail: 'memory', ok: true, detail: 'bound 3.2 GiB of 8 GiB' },
            { guardrail: 'regression', ok: true, detail: '0.375 ms ≤ 2 × 0.5 ms' },
          ],
          endedAt: at(500_000),
        });
        const baseline = iteration('s1', 0, { state: 'measured', score: 0.5, parameters: {} });
        const proposed = iteration('s1', 1, {
          measurement: { windowSeconds: 60, meanQueryTimeMs: null, calls: null, transactionsPerSecond: 0, comparison: null },
        });
        await store.insertIteration(measured);
        await store.insertIteration(baseline);
        await store.insertIteration(proposed);
        await store.insertIteration(iteration('s2', 0));

        assert.deepEqual(await store.listIterations('s1'), [baseline, proposed, measured]);
        assert.deepEqual(await store.listIterations('s2'), [iteration('s2', 0)]);
        assert.deepEqual(await store.listIterations('none'), []);
      });

      it('refuses a duplicate iteration number and an iteration of an unknown session', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await store.insertIteration(iteration('s1', 1));
        await rejectsWith(store.insertIteration(iteration('s1', 1, { state: 'measured' })), DuplicateRecordError, (error) =>
          assert.equal(error.message, 'iteration 1 of session s1 already exists'),
        );
        await rejectsWith(store.insertIteration(iteration('ghost', 1)), RecordNotFoundError, (error) =>
          assert.equal(error.message, 'session ghost not found'),
        );
        assert.deepEqual(await store.listIterations('s1'), [iteration('s1', 1)]);
      });

      it('updates only the given fields of an iteration', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        const original = iteration('s1', 3);
        await store.insertIteration(original);
        await store.insertIteration(iteration('s1', 4));

        // A reviewer's adjusted candidate replaces the proposed one (approval mode).
        assert.deepEqual((await store.updateIteration('s1', 3, { candidate: { work_mem: 12288 } })).candidate, { work_mem: 12288 });
        const applying = await store.updateIteration('s1', 3, { state: 'applying', parameters: { work_mem: '12MB' } });
        assert.deepEqual(applying, { ...original, candidate: { work_mem: 12288 }, state: 'applying', parameters: { work_mem: '12MB' } });

        const update = {
          state: 'reverted' as const,
          verification: [{ member: 'node1', verified: true, mismatches: [], pendingRestart: [], error: null }],
          measurement: { windowSeconds: 300, meanQueryTimeMs: 2.5, calls: 10, transactionsPerSecond: 1.5, comparison: null },
          score: 2.5,
          verdicts: [{ guardrail: 'regression' as const, ok: false, detail: '2.5 ms > 2 × 0.5 ms' }],
          endedAt: at(900_000),
          error: 'regression: 5× the baseline',
        };
        const reverted = await store.updateIteration('s1', 3, update);
        const expected: IterationRecord = { ...original, candidate: { work_mem: 12288 }, parameters: { work_mem: '12MB' }, ...update };
        assert.deepEqual(reverted, expected);

        const cleared = await store.updateIteration('s1', 3, { measurement: null, score: null, error: null, endedAt: null });
        assert.deepEqual(cleared, { ...expected, measurement: null, score: null, error: null, endedAt: null });
        assert.deepEqual(await store.listIterations('s1'), [cleared, iteration('s1', 4)]);
      });

      it('throws RecordNotFoundError when updating an unknown iteration', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await store.insertIteration(iteration('s1', 0));
        await rejectsWith(store.updateIteration('s1', 1, { state: 'failed' }), RecordNotFoundError, (error) =>
          assert.equal(error.message, 'iteration 1 of session s1 not found'),
        );
        await rejectsWith(store.updateIteration('ghost', 0, { state: 'failed' }), RecordNotFoundError);
        assert.deepEqual(await store.listIterations('s1'), [iteration('s1', 0)]);
      });
    });

    describe('patches', () => {
      it('records a PATCH body before it is sent, then its outcome', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        const body = { postgresql: { parameters: { work_mem: '64MB', random_page_cost: 1.1, jit: false, old_knob: null } } };
        const first = await store.recordPatch({ sessionId: 's1', iteration: 1, body, sentAt: at(1_000) });
        const second = await store.recordPatch({ sessionId: 's1', iteration: null, body: { postgresql: { parameters: {} } }, sentAt: at(2_000) });
        const unrelated = await store.recordPatch({ sessionId: null, iteration: null, body: { pause: true }, sentAt: at(3_000) });
        assert.ok(Number.isSafeInteger(first) && second > first && unrelated > second, `ids ${first}, ${second}, ${unrelated}`);

        assert.deepEqual(await store.listPatches('s1'), [
          { id: first, sessionId: 's1', iteration: 1, body, sentAt: at(1_000), outcome: null, error: null },
          { id: second, sessionId: 's1', iteration: null, body: { postgresql: { parameters: {} } }, sentAt: at(2_000), outcome: null, error: null },
        ]);

        await store.completePatch(first, 'ok', null);
        await store.completePatch(second, 'error', 'HTTP 503: no leader');
        const patches = await store.listPatches('s1');
        assert.deepEqual(
          patches.map((patch) => [patch.id, patch.outcome, patch.error]),
          [
            [first, 'ok', null],
            [second, 'error', 'HTTP 503: no leader'],
          ],
        );
        assert.deepEqual(patches[0]?.body, body);
      });

      it('throws RecordNotFoundError for an unknown patch or session', async () => {
        const store = await makeStore(new FakeClock().now);
        await rejectsWith(store.completePatch(999_999, 'ok', null), RecordNotFoundError, (error) =>
          assert.equal(error.message, 'patch 999999 not found'),
        );
        await rejectsWith(store.recordPatch({ sessionId: 'ghost', iteration: 1, body: {}, sentAt: at(0) }), RecordNotFoundError);
        assert.deepEqual(await store.listPatches('ghost'), []);
      });
    });

    describe('events', () => {
      it('appends events and lists a session’s oldest first', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await store.createSession(newSession('s2', 'other'));
        const e1 = await store.appendEvent({ sessionId: 's1', at: at(5_000), type: 'session_started', member: 'node1', detail: {} });
        const e2 = await store.appendEvent({
          sessionId: 's1',
          at: at(4_000),
          type: 'topology_changed',
          member: null,
          detail: { from: { leader: 'node1', timeline: 3 }, to: { leader: 'node2', timeline: 4 }, members: ['node1', 'node2'] },
        });
        await store.appendEvent({ sessionId: 's2', at: at(6_000), type: 'session_started', member: 'node3', detail: {} });
        await store.appendEvent({ sessionId: null, at: at(7_000), type: 'agent_started', member: 'node1', detail: { version: '0.1.0' } });

        assert.deepEqual(e1, { id: e1.id, sessionId: 's1', at: at(5_000), type: 'session_started', member: 'node1', detail: {} });
        assert.ok(e2.id > e1.id);
        assert.deepEqual(await store.listEvents('s1'), [e1, e2]);
        assert.deepEqual(
          (await store.listEvents('s2')).map((event) => [event.type, event.member]),
          [['session_started', 'node3']],
        );
        assert.deepEqual(await store.listEvents('none'), []);
        await rejectsWith(
          store.appendEvent({ sessionId: 'ghost', at: at(0), type: 'x', member: null, detail: {} }),
          RecordNotFoundError,
        );
      });
    });

    describe('pending changes', () => {
      const change = (sessionId: string, overrides: Partial<NewPendingChange> = {}): NewPendingChange => ({
        sessionId,
        iteration: 1,
        reason: 'model',
        replaces: null,
        configuration: { work_mem: 8192, random_page_cost: 1.1 },
        parameters: { work_mem: '8192kB', random_page_cost: '1.1' },
        vsBaseline: { work_mem: { from: 4096, to: 8192 }, random_page_cost: { from: 4, to: 1.1 } },
        vsBest: { work_mem: { from: 4096, to: 8192 } },
        memory: { ok: true, detail: 'worst-case memory 1.00 GiB vs 90 % of 16.00 GiB', boundBytes: 2 ** 30, limitBytes: 0.9 * 16 * 2 ** 30, hostMemoryBytes: 16 * 2 ** 30, boundBy: 'member node2' },
        prediction: { score: 8.5, sd: 1.25 },
        context: {
          current: { work_mem: 4096, random_page_cost: 4 },
          best: { configuration: { work_mem: 4096, random_page_cost: 4 }, score: 12.5, iteration: 0 },
          baselineScore: 12.5,
          timeline: 3,
          ending: false,
          sent: false,
          verified: true,
          unconfirmed: false,
          objective: 'mean_query_time',
          referenceStatements: { '42': { calls: 10, execMs: 125 } },
        },
        createdAt: at(1_000),
        expiresAt: at(3_601_000),
        ...overrides,
      });
      const event = (type: string, detail: Record<string, unknown> = {}) => ({ sessionId: 's1', at: at(2_000), type, member: 'node1', detail });

      it('stores a pending change as given, one per session at a time, and lists every change oldest first', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await store.createSession(newSession('s2', 'other'));
        assert.equal(await store.getPendingChange('s1'), null);
        const first = await store.insertPendingChange(change('s1'));
        assert.deepEqual(first, { ...change('s1'), id: first.id, status: 'pending', decidedBy: null, decidedAt: null, changes: null, decisionReason: null });
        assert.deepEqual(await store.getPendingChange('s1'), first);
        await rejectsWith(store.insertPendingChange(change('s1', { iteration: 2 })), DuplicateRecordError);
        // Another session's change is its own.
        const other = await store.insertPendingChange(change('s2', { memory: null, prediction: null }));
        assert.equal(other.memory, null);
        assert.equal(other.prediction, null);
        await rejectsWith(store.insertPendingChange(change('ghost')), RecordNotFoundError);

        await store.decidePendingChange(first.id, { status: 'expired', by: 'tuner', at: at(3_601_000), reason: 'not decided within 1h', event: event('approval_expired') });
        assert.equal(await store.getPendingChange('s1'), null);
        const fallback = await store.insertPendingChange(change('s1', { iteration: null, reason: 'revert_to_baseline', replaces: first.id, prediction: null }));
        assert.equal(fallback.replaces, first.id);
        assert.deepEqual(
          (await store.listPendingChanges('s1')).map((p) => [p.id, p.status, p.reason]),
          [
            [first.id, 'expired', 'model'],
            [fallback.id, 'pending', 'revert_to_baseline'],
          ],
        );
        assert.deepEqual(await store.listPendingChanges('none'), []);
      });

      it('records a decision with its event in one write, once', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        const pending = await store.insertPendingChange(change('s1'));
        const approved = await store.decidePendingChange(pending.id, {
          status: 'approved',
          by: 'alice',
          at: at(2_000),
          changes: { work_mem: 16384 },
          event: event('approval_approved', { by: 'alice', changes: { work_mem: 16384 } }),
        });
        assert.deepEqual(approved, { ...pending, status: 'approved', decidedBy: 'alice', decidedAt: at(2_000), changes: { work_mem: 16384 }, decisionReason: null });
        assert.deepEqual(await store.listPendingChanges('s1'), [approved]);
        assert.deepEqual(
          (await store.listEvents('s1')).map((e) => [e.type, e.member, e.detail]),
          [['approval_approved', 'node1', { by: 'alice', changes: { work_mem: 16384 } }]],
        );

        // A second decision is refused and writes nothing, not even its event.
        await rejectsWith(
          store.decidePendingChange(pending.id, { status: 'rejected', by: 'bob', at: at(3_000), reason: 'no', event: event('approval_rejected') }),
          PendingChangeDecidedError,
          (error) => assert.equal(error.status, 'approved'),
        );
        assert.equal((await store.listEvents('s1')).length, 1);
        assert.deepEqual(await store.listPendingChanges('s1'), [approved]);
        await rejectsWith(
          store.decidePendingChange(pending.id + 1000, { status: 'dropped', by: 'tuner', at: at(3_000), event: event('approval_dropped') }),
          RecordNotFoundError,
        );

        const rejected = await store.decidePendingChange((await store.insertPendingChange(change('s1', { iteration: 2 }))).id, {
          status: 'rejected',
          by: 'bob',
          at: at(4_000),
          reason: 'not during business hours',
          event: event('approval_rejected', { by: 'bob' }),
        });
        assert.equal(rejected.status, 'rejected');
        assert.equal(rejected.decisionReason, 'not during business hours');
        assert.equal(rejected.changes, null);
      });
    });

    describe('failover states', () => {
      const halt = (sessionId: string) =>
        startFailover({ sessionId, haltedAt: T0 + 10_000, reason: 'topology changed: leader_lost', changedAt: T0 + 9_500 });
      const asEvents = (sessionId: string, count: number) =>
        Array.from({ length: count }, (_, i) => ({ sessionId, at: at(10_000 + i), type: `failover_${i}`, member: i % 2 ? 'node2' : null, detail: { i } }));

      it('halts an active session and stores its failover state and first events together', async () => {
        const clock = new FakeClock();
        const store = await makeStore(clock.now);
        await store.createSession(newSession('s1'));
        await store.updateSession('s1', { state: 'running' });
        clock.advance(10_000);
        const { state } = halt('s1');
        const record = await store.beginFailover({ state, reason: 'topology changed: leader_lost', events: asEvents('s1', 3) });
        assert.deepEqual(record, { state, revision: 1 });
        assert.deepEqual(await store.getFailoverState('s1'), { state, revision: 1 });
        const session = await store.getSession('s1');
        assert.equal(session?.state, 'halted');
        assert.equal(session?.reason, 'topology changed: leader_lost');
        assert.deepEqual(session?.updatedAt, at(10_000));
        assert.deepEqual(
          (await store.listEvents('s1')).map((event) => [event.type, event.member, event.detail, event.at.getTime()]),
          [
            ['failover_0', null, { i: 0 }, T0 + 10_000],
            ['failover_1', 'node2', { i: 1 }, T0 + 10_001],
            ['failover_2', null, { i: 2 }, T0 + 10_002],
          ],
        );
      });

      it('starts the protocol once: a second start, a terminal or an unknown session writes nothing', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await store.updateSession('s1', { state: 'running' });
        const first = halt('s1').state;
        assert.ok(await store.beginFailover({ state: first, reason: 'first', events: [] }));
        const second = { ...first, halt: { ...first.halt, reason: 'second' } };
        assert.equal(await store.beginFailover({ state: second, reason: 'second', events: asEvents('s1', 1) }), null);
        assert.deepEqual(await store.getFailoverState('s1'), { state: first, revision: 1 });
        assert.equal((await store.getSession('s1'))?.reason, 'first');
        assert.deepEqual(await store.listEvents('s1'), []);

        await store.createSession(newSession('s2', 'other'));
        await store.updateSession('s2', { state: 'completed', endedAt: at(1) });
        assert.equal(await store.beginFailover({ state: halt('s2').state, reason: 'late', events: asEvents('s2', 1) }), null);
        assert.equal((await store.getSession('s2'))?.state, 'completed');
        assert.equal(await store.getFailoverState('s2'), null);
        assert.deepEqual(await store.listEvents('s2'), []);
        assert.equal(await store.beginFailover({ state: halt('ghost').state, reason: 'x', events: [] }), null);
        assert.equal(await store.getFailoverState('ghost'), null);
      });

      it('saves a new state only over the revision it read, with its events, and can end the session', async () => {
        const clock = new FakeClock();
        const store = await makeStore(clock.now);
        await store.createSession(newSession('s1'));
        await store.updateSession('s1', { state: 'running' });
        const started = halt('s1').state;
        await store.beginFailover({ state: started, reason: 'r', events: [] });
        const recovering = step(started, { now: T0 + 11_000, topology: null, self: 'node2' }).state;
        assert.notEqual(recovering, started);

        const saved = await store.saveFailoverState({ state: recovering, expectedRevision: 1, events: asEvents('s1', 2) });
        assert.deepEqual(saved, { state: recovering, revision: 2 });
        await rejectsWith(store.saveFailoverState({ state: started, expectedRevision: 1, events: asEvents('s1', 1) }), StaleRecordError, (error) =>
          assert.equal(error.expectedRevision, 1),
        );
        assert.deepEqual(await store.getFailoverState('s1'), { state: recovering, revision: 2 });
        assert.equal((await store.listEvents('s1')).length, 2, 'a stale save stores none of its events');

        clock.advance(60_000);
        const ended = await store.saveFailoverState({
          state: recovering,
          expectedRevision: 2,
          events: [],
          endSession: { state: 'acknowledged', endedAt: at(60_000) },
        });
        assert.equal(ended.revision, 3);
        const session = await store.getSession('s1');
        assert.equal(session?.state, 'acknowledged');
        assert.deepEqual(session?.endedAt, at(60_000));
        assert.equal(await store.activeSession('demo'), null, 'an acknowledged session no longer blocks a new one');
        await store.createSession(newSession('s3'));

        await rejectsWith(store.saveFailoverState({ state: { ...recovering, sessionId: 'ghost' }, expectedRevision: 1, events: [] }), RecordNotFoundError);
      });

      it('refuses events of another session with the state', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await assert.rejects(store.beginFailover({ state: halt('s1').state, reason: 'r', events: asEvents('s2', 1) }), RangeError);
        assert.equal(await store.getFailoverState('s1'), null);
        assert.equal((await store.getSession('s1'))?.state, 'pending');
      });

      it('lists every value the tuner sent per parameter within a scope, removals excluded', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.createSession(newSession('s1'));
        await store.updateSession('s1', { state: 'completed', endedAt: at(1) });
        await store.createSession(newSession('s2'));
        await store.createSession(newSession('x1', 'other'));
        const patch = (sessionId: string | null, parameters: Record<string, unknown>) =>
          store.recordPatch({ sessionId, iteration: 1, body: { postgresql: { parameters } }, sentAt: at(0) });
        await patch('s1', { work_mem: '8MB', random_page_cost: '1.1' });
        await patch('s2', { work_mem: '16MB', jit: 'off', old_knob: null });
        await patch('s2', { work_mem: '8MB' });
        await patch('x1', { work_mem: '1GB' });
        await patch(null, { work_mem: '2GB' });
        await store.recordPatch({ sessionId: 's2', iteration: null, body: { pause: true }, sentAt: at(0) });
        assert.deepEqual(
          [...(await store.listPatchedValues('demo')).entries()],
          [
            ['jit', ['off']],
            ['random_page_cost', ['1.1']],
            ['work_mem', ['16MB', '8MB']],
          ],
        );
        assert.deepEqual([...(await store.listPatchedValues('nobody')).entries()], []);
      });
    });

    describe('commands', () => {
      /** Commands live 60 s unless told otherwise. */
      const command = (id: string, createdAtMs: number, kind: CommandRecord['kind'] = 'start', scope = 'demo', ttlMs = 60_000) => ({
        id,
        kind,
        scope,
        sessionId: kind === 'start' ? null : 's1',
        payload: kind === 'start' ? { options: { ...OPTIONS, knobs: [] } } : {},
        receivedBy: 'node2',
        createdAt: at(createdAtMs),
        expiresAt: at(createdAtMs + ttlMs),
      });

      it("lists only its scope's pending commands: a leader of one cluster never sees another's", async () => {
        const store = await makeStore(new FakeClock().now);
        await store.insertCommand(command('a1', 0, 'start', 'alpha'));
        await store.insertCommand(command('b1', 1_000, 'stop', 'beta'));
        await store.insertCommand(command('a2', 2_000, 'acknowledge', 'alpha'));
        assert.deepEqual((await store.pendingCommands('alpha', at(3_000))).map((c) => c.id), ['a1', 'a2']);
        assert.deepEqual((await store.pendingCommands('beta', at(3_000))).map((c) => c.id), ['b1']);
        assert.deepEqual(await store.pendingCommands('gamma', at(3_000)), []);
        assert.equal((await store.getCommand('b1'))?.scope, 'beta');
      });

      it('never lists an expired command; expireCommands rejects the scope\'s expired ones as command_expired', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.insertCommand(command('a1', 0, 'start', 'alpha', 60_000));
        await store.insertCommand(command('a2', 30_000, 'stop', 'alpha', 60_000));
        await store.insertCommand(command('b1', 0, 'start', 'beta', 60_000));
        assert.deepEqual((await store.pendingCommands('alpha', at(59_999))).map((c) => c.id), ['a1', 'a2']);
        // At its expiry a command is expired.
        assert.deepEqual((await store.pendingCommands('alpha', at(60_000))).map((c) => c.id), ['a2']);

        const expired = await store.expireCommands('alpha', at(61_000), 'node1');
        assert.deepEqual(expired.map((c) => c.id), ['a1']);
        const a1 = await store.getCommand('a1');
        assert.deepEqual(a1, {
          ...command('a1', 0, 'start', 'alpha'),
          status: 'rejected',
          result: { error: { code: 'command_expired', message: 'command a1 expired at 2025-03-01T10:01:00.000Z before a leader\'s agent executed it' } },
          handledBy: 'node1',
          handledAt: at(61_000),
        });
        assert.deepEqual(expired[0], a1);
        // Another scope's expired command is its own leader's to expire; a live one is untouched.
        assert.equal((await store.getCommand('b1'))?.status, 'pending');
        assert.equal((await store.getCommand('a2'))?.status, 'pending');
        assert.deepEqual(await store.expireCommands('alpha', at(61_000), 'node1'), []);
      });

      it('refuses a command that expires before it is created', async () => {
        const store = await makeStore(new FakeClock().now);
        await assert.rejects(store.insertCommand(command('c1', 1_000, 'start', 'demo', 0)), RangeError);
        await assert.rejects(store.insertCommand(command('c1', 1_000, 'start', 'demo', -5)), RangeError);
        assert.equal(await store.getCommand('c1'), null);
      });

      it('inserts pending commands and lists them oldest first', async () => {
        const store = await makeStore(new FakeClock().now);
        const c1 = await store.insertCommand(command('c1', 2_000));
        await store.insertCommand(command('c2', 1_000, 'stop'));
        await store.insertCommand(command('c3', 2_000, 'acknowledge'));
        assert.deepEqual(c1, { ...command('c1', 2_000), status: 'pending', result: null, handledBy: null, handledAt: null });
        assert.deepEqual(
          (await store.pendingCommands('demo', at(2_000))).map((c) => c.id),
          ['c2', 'c1', 'c3'],
        );
        assert.deepEqual((await store.pendingCommands('demo', at(2_000)))[1], c1);
        assert.deepEqual(await store.getCommand('c1'), c1);
        assert.equal(await store.getCommand('none'), null);
      });

      it('completes a command with its result and takes it off the pending list', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.insertCommand(command('c1', 0));
        await store.insertCommand(command('c2', 1_000, 'stop'));
        const done = await store.completeCommand('c1', {
          status: 'done',
          result: { sessionId: 's9' },
          handledBy: 'node1',
          handledAt: at(1_500),
        });
        const expected: CommandRecord = {
          ...command('c1', 0),
          status: 'done',
          result: { sessionId: 's9' },
          handledBy: 'node1',
          handledAt: at(1_500),
        };
        assert.deepEqual(done, expected);
        assert.deepEqual(await store.getCommand('c1'), expected);
        const rejected = await store.completeCommand('c2', {
          status: 'rejected',
          result: { error: { code: 'no_active_session', message: 'no session is running' } },
          handledBy: 'node1',
          handledAt: at(2_000),
        });
        assert.equal(rejected.status, 'rejected');
        assert.deepEqual(rejected.result, { error: { code: 'no_active_session', message: 'no session is running' } });
        assert.deepEqual(await store.pendingCommands('demo', at(2_000)), []);
      });

      it('refuses a duplicate command id and throws RecordNotFoundError completing an unknown one', async () => {
        const store = await makeStore(new FakeClock().now);
        await store.insertCommand(command('c1', 0));
        await rejectsWith(store.insertCommand(command('c1', 5, 'stop')), DuplicateRecordError, (error) =>
          assert.equal(error.message, 'command c1 already exists'),
        );
        await rejectsWith(
          store.completeCommand('missing', { status: 'done', result: {}, handledBy: 'node1', handledAt: at(0) }),
          RecordNotFoundError,
          (error) => assert.equal(error.message, 'command missing not found'),
        );
        assert.equal((await store.getCommand('c1'))?.kind, 'start');
      });
    });
  });
}
