import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { describeStoreContract, FakeClock, newSession, T0 } from './store-contract.js';

describeStoreContract('MemoryStore', async (clock) => new MemoryStore({ clock }));

describe('MemoryStore copies as jsonb would', () => {
  it('drops undefined properties and turns non-finite numbers in JSON fields into null', async () => {
    const store = new MemoryStore({ clock: new FakeClock().now });
    await store.createSession(newSession('s1'));
    const event = await store.appendEvent({
      sessionId: 's1',
      at: new Date(T0),
      type: 'x',
      member: null,
      detail: { kept: 1, dropped: undefined, ratio: Number.NaN, when: new Date(T0) },
    });
    assert.deepEqual(event.detail, { kept: 1, ratio: null, when: '2025-03-01T10:00:00.000Z' });
    assert.deepEqual((await store.listEvents('s1'))[0]?.detail, event.detail);
  });

  it('defaults to the real clock', async () => {
    const before = Date.now();
    const session = await new MemoryStore().createSession(newSession('s1'));
    assert.ok(session.createdAt.getTime() >= before && session.createdAt.getTime() <= Date.now());
    assert.deepEqual(session.updatedAt, session.createdAt);
  });
});
