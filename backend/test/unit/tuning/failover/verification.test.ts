/**
 * Verifying a configuration on a member (safety rule 3): a parameter the tuner set that waits for a
 * restart fails verification; one it never touched (a person's change of shared_buffers, say) does
 * not keep the tuner's verification, and so a failover restore, from ever succeeding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PgSetting } from '../../../../src/postgres/settings.js';
import { settingMatches } from '../../../../src/tuning/knobs/validate.js';
import { verifyMember } from '../../../../src/tuning/session/verification.js';
import { fixtureSettings } from '../session/fakes.js';

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
