/**
 * The built agent: `npm run build` compiles the backend to backend/dist, which runs on plain Node —
 * no tsx, no TypeScript — and answers --version and --help (the table loadConfig reads).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { CONFIG_VARIABLES } from '@patroni-tuner/backend/harness';
import { BUILT_AGENT_MAIN } from '../lab/agent-process.js';
import { REPO } from '../lab/queries.js';

const DIST = join(REPO, 'backend', 'dist');
/** Node alone: no NODE_OPTIONS (--import tsx), no node_modules/.bin on the PATH. */
const PLAIN_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin' };
const runBuilt = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BUILT_AGENT_MAIN, ...args], { cwd: '/', env: { ...PLAIN_ENV, ...env }, encoding: 'utf8', timeout: 30_000 });

before(() => {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}${build.stderr}`);
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

test('the root build script builds every workspace that has one, and the backend to backend/dist', () => {
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.equal(root.scripts.build, 'npm run build --workspaces --if-present');
  const backend = JSON.parse(readFileSync(join(REPO, 'backend', 'package.json'), 'utf8'));
  assert.equal(backend.bin['patroni-tuner-agent'], 'dist/main.js');
  assert.ok(readFileSync(BUILT_AGENT_MAIN, 'utf8').startsWith('#!/usr/bin/env node\n'), 'the bin starts with a node shebang');
});

test('backend/dist is JavaScript only and imports no TypeScript or tsx', () => {
  const built = files(DIST);
  assert.ok(built.some((f) => f.endsWith('tuning/failover/machine.js')), 'the whole backend is compiled');
  assert.deepEqual(built.filter((f) => !/\.js(\.map)?$/.test(f)), []);
  const offenders = built
    .filter((f) => f.endsWith('.js'))
    .filter((f) => /from ['"][^'"]+\.ts['"]|['"]tsx['"]/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('--version prints the package version', () => {
  const result = runBuilt(['--version']);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), JSON.parse(readFileSync(join(REPO, 'backend', 'package.json'), 'utf8')).version);
});

test('--help prints every configuration variable with its default', () => {
  const result = runBuilt(['--help']);
  assert.equal(result.status, 0, result.stderr);
  for (const [name, variable] of Object.entries(CONFIG_VARIABLES)) {
    const line = result.stdout.split('\n').find((l) => l.trim().startsWith(`${name} `));
    assert.ok(line, `--help lists ${name}`);
    const shown = 'defaultNote' in variable ? variable.defaultNote : variable.default ?? '-';
    assert.ok(line.includes(` ${shown} `), `${name}: default ${shown} in "${line}"`);
  }
});

test('an invalid configuration exits 2 with one line naming the variable; an unknown argument exits 2', () => {
  const missing = runBuilt([]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^patroni-tuner: invalid configuration: TUNER_DATABASE_URL: required/);
  const bad = runBuilt([], { TUNER_DATABASE_URL: 'postgres://u@127.0.0.1/db', TUNER_POLL_INTERVAL: 'often' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /TUNER_POLL_INTERVAL: expected a positive duration/);
  const unknown = runBuilt(['--frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown argument --frobnicate/);
});
