/**
 * Verifying a configuration on a member (safety rule 3): a parameter the tuner set that waits for a
 * restart fails verification; one it never touched (a person's change of shared_buffers, say) does
 * not keep the tuner's verification, and so a failover restore, from ever succeeding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PgSetting } from '../../../../src/postgres/settings.js';
import { settingMatches } from '../../../../src/tuning/knobs/validate.js';
import { awaitVerification, verifyMember } from '../../../../src/tuning/apply/verification.js';
import { FakeClock, FakeCluster, fixtureSettings } from '../session/fakes.js';

function rows(pendingRestart: readonly string[]): PgSetting[] {
  return fixtureSettings()
    .filter((s) => ['work_mem', 'random_page_cost', 'shared_buffers'].includes(s.name))
    .map((s) => (pendingRestart.includes(s.name) ? { ...s, pendingRestart: true } : s));
}

const expected = { work_mem: 4096, random_page_cost: 4 };

describe('verifyMember and pending_restart', () => {
  it('a parameter the tuner never touched waiting for a restart does not fail verification', () => {
    const v = verifyMember({ member: 'node2', ok: true, settings: rows(['shared_buffers']) }, expected, settingMatches);
    assert.deepEqual(v, { member: 'node2', verified: true, mismatches: [], pendingRestart: [], error: null });
  });

  it('a parameter the tuner set waiting for a restart still fails it', () => {
    const v = verifyMember({ member: 'node2', ok: true, settings: rows(['shared_buffers', 'work_mem']) }, expected, settingMatches);
    assert.deepEqual(v, { member: 'node2', verified: false, mismatches: [], pendingRestart: ['work_mem'], error: 'pending restart: work_mem' });
  });
});

describe('awaitVerification and the wall clock', () => {
  for (const [what, wallStep] of [
    ['back', -3_600_000],
    ['forward', 3_600_000],
  ] as const) {
    it(`gives up after the timeout of real time even when the wall clock steps ${what} an hour during the wait`, async () => {
      const clock = new FakeClock();
      // No member will ever show work_mem 8192 (the DCS keeps 4MB): the wait can only end on its deadline.
      const cluster = new FakeCluster(clock);
      let sleeps = 0;
      clock.onSleep = () => {
        sleeps += 1;
        if (sleeps === 2) clock.stepWall(wallStep);
        if (sleeps > 100) throw new Error('still polling after 100 sleeps: the deadline never came');
      };
      const results = await awaitVerification({
        cluster,
        clock,
        expected: { work_mem: 8192 },
        matches: settingMatches,
        timeoutMs: 2_000,
        pollMs: 500,
        signal: new AbortController().signal,
        skipUnreachable: false,
      });
      assert.equal(clock.monotonic(), 2_000, 'polled for the 2 s timeout, no more, no less');
      assert.deepEqual(results.map((r) => r.verified), [false, false, false]);
    });
  }
});
