/** The systemd unit: systemd-analyze accepts it without a warning, with the hardening the README promises. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_VARIABLES } from '@patroni-tuner/backend/harness';
import { REPO } from '../lab/queries.js';

const UNIT = join(REPO, 'deploy', 'systemd', 'patroni-tuner-agent.service');

test('systemd-analyze verify accepts the unit without warnings', () => {
  const result = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr.trim(), '', 'no warnings');
});

test('the unit runs the built agent as its own user, restarts on failure, and is hardened', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const settings = new Map<string, string[]>();
  for (const [, key, value] of unit.matchAll(/^(\w+)=(.*)$/gm)) settings.set(key!, [...(settings.get(key!) ?? []), value!]);
  const one = (key: string) => settings.get(key)?.at(-1);
  assert.equal(one('User'), 'patroni-tuner');
  assert.equal(one('EnvironmentFile'), '/etc/patroni-tuner/agent.env');
  assert.match(one('ExecStart') ?? '', /node \/opt\/patroni-tuner\/backend\/dist\/main\.js$/);
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('RestartPreventExitStatus'), '2', 'a configuration error is not retried');
  for (const [key, value] of Object.entries({ ProtectSystem: 'strict', ProtectHome: 'yes', NoNewPrivileges: 'yes', PrivateTmp: 'yes' })) {
    assert.equal(one(key), value, key);
  }
  assert.ok(!settings.has('ProcSubset'), '/proc/stat, /proc/meminfo and /proc/diskstats stay readable');
});

test('the example environment file sets only variables the agent reads', () => {
  const example = readFileSync(join(REPO, 'deploy', 'systemd', 'agent.env.example'), 'utf8');
  const names = [...example.matchAll(/^#?(TUNER_\w+)=/gm)].map((m) => m[1]!);
  assert.ok(names.includes('TUNER_DATABASE_URL') && names.includes('TUNER_API_TOKEN'));
  assert.deepEqual(names.filter((n) => !(n in CONFIG_VARIABLES)), []);
});
