import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, redact, redactError } from '../../../src/config/config.js';
import { formatDuration, parseDuration } from '../../../src/config/duration.js';
import { ConfigError } from '../../../src/config/errors.js';

const minimal = { TUNER_DATABASE_URL: 'postgres://tuner:secret@127.0.0.1:5432/postgres' };

test('durations accept ms, s, m and h and reject anything else', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5s'), 1_500);
  for (const bad of ['', '5', 's', '5 minutes', '-1s', '1d', '1s2']) assert.equal(parseDuration(bad), null, bad);
  assert.equal(formatDuration(300_000), '5m');
  assert.equal(formatDuration(1_500), '1500ms');
});

test('defaults follow DESIGN.md §3', () => {
  const config = loadConfig(minimal);
  assert.equal(config.patroni.url, 'http://127.0.0.1:8008');
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9933 });
  assert.equal(config.pollIntervalMs, 1_000);
  assert.equal(config.stabilisationMs, 30_000);
  assert.equal(config.failoverGraceMs, 300_000);
  assert.equal(config.driftIntervalMs, 30_000);
  assert.equal(config.apiToken, null);
  assert.equal(config.stateDatabaseUrl, null);
  assert.equal(config.memberName, null);
  assert.deepEqual(config.tuning, { verifyTimeoutMs: 30_000, memoryThreshold: 0.9, regressionThreshold: 2, workloadDatabases: null, createExtension: false, storage: 'auto' });
  assert.equal(config.patroni.username, null);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.patroni));
});

test('every variable is read', () => {
  const config = loadConfig({
    ...minimal,
    TUNER_PATRONI_URL: 'https://10.0.0.5:8008/',
    TUNER_LISTEN: '[::1]:19933',
    TUNER_API_TOKEN: 'tok',
    TUNER_STATE_DATABASE_URL: 'postgresql://state@db/tuner',
    TUNER_PATRONI_USERNAME: 'patroni',
    TUNER_PATRONI_PASSWORD: 'pw',
    TUNER_POLL_INTERVAL: '500ms',
    TUNER_STABILIZATION: '10s',
    TUNER_FAILOVER_GRACE: '1m',
    TUNER_DRIFT_INTERVAL: '15s',
    TUNER_PATRONI_TIMEOUT: '3s',
    TUNER_MEMBER_NAME: 'pg-1',
    TUNER_VERIFY_TIMEOUT: '45s',
    TUNER_MEMORY_THRESHOLD: '0.8',
    TUNER_REGRESSION_THRESHOLD: '1.5',
    TUNER_STORAGE: 'hdd',
    TUNER_CREATE_EXTENSION: 'true',
    TUNER_WORKLOAD_DATABASES: 'app, reports,app',
  });
  assert.deepEqual(config.tuning, {
    verifyTimeoutMs: 45_000,
    memoryThreshold: 0.8,
    regressionThreshold: 1.5,
    workloadDatabases: ['app', 'reports'],
    createExtension: true,
    storage: 'hdd',
  });
  assert.equal(config.memberName, 'pg-1');
  assert.equal(config.patroni.url, 'https://10.0.0.5:8008');
  assert.deepEqual(config.listen, { host: '::1', port: 19933 });
  assert.equal(config.apiToken, 'tok');
  assert.equal(config.stateDatabaseUrl, 'postgresql://state@db/tuner');
  assert.equal(config.patroni.username, 'patroni');
  assert.equal(config.patroni.password, 'pw');
  assert.equal(config.pollIntervalMs, 500);
  assert.equal(config.stabilisationMs, 10_000);
  assert.equal(config.failoverGraceMs, 60_000);
  assert.equal(config.driftIntervalMs, 15_000);
  assert.equal(config.patroni.requestTimeoutMs, 3_000);
});

test('TUNER_RESTORE_MAX_ATTEMPTS: failed baseline restores in a row before a forced acknowledgement is needed', () => {
  assert.equal(loadConfig(minimal).restoreMaxAttempts, 10);
  assert.equal(loadConfig({ ...minimal, TUNER_RESTORE_MAX_ATTEMPTS: '3' }).restoreMaxAttempts, 3);
  for (const bad of ['0', '2.5', 'x', '-1', '1001']) {
    assert.throws(
      () => loadConfig({ ...minimal, TUNER_RESTORE_MAX_ATTEMPTS: bad }),
      (err: unknown) => err instanceof ConfigError && err.message === `TUNER_RESTORE_MAX_ATTEMPTS: expected a whole number from 1 to 1000, got "${bad}"`,
      bad,
    );
  }
});

test('TLS files are read at start', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tuner-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
  const config = loadConfig({ ...minimal, TUNER_PATRONI_CA_FILE: join(dir, 'ca.pem') });
  assert.equal(config.patroni.ca, 'CA PEM');
});

const invalid: Array<[string, Record<string, string>, RegExp]> = [
  ['missing database URL', {}, /^TUNER_DATABASE_URL: required/],
  ['database URL not postgres', { TUNER_DATABASE_URL: 'mysql://x@y/z' }, /^TUNER_DATABASE_URL: expected a postgres:\/\//],
  ['patroni URL not http', { ...minimal, TUNER_PATRONI_URL: 'ftp://x' }, /^TUNER_PATRONI_URL: expected an http/],
  ['patroni URL garbage', { ...minimal, TUNER_PATRONI_URL: 'not a url' }, /^TUNER_PATRONI_URL: not a valid URL/],
  ['listen without port', { ...minimal, TUNER_LISTEN: '127.0.0.1' }, /^TUNER_LISTEN: expected host:port/],
  ['listen port too big', { ...minimal, TUNER_LISTEN: '127.0.0.1:70000' }, /^TUNER_LISTEN: expected host:port/],
  ['poll interval garbage', { ...minimal, TUNER_POLL_INTERVAL: 'fast' }, /^TUNER_POLL_INTERVAL: expected a positive duration.*"fast"/],
  ['zero grace', { ...minimal, TUNER_FAILOVER_GRACE: '0s' }, /^TUNER_FAILOVER_GRACE: expected a positive duration/],
  ['memory threshold above 1', { ...minimal, TUNER_MEMORY_THRESHOLD: '1.5' }, /^TUNER_MEMORY_THRESHOLD: expected a number from 0.1 to 1, got "1.5"/],
  ['regression threshold not a number', { ...minimal, TUNER_REGRESSION_THRESHOLD: 'x2' }, /^TUNER_REGRESSION_THRESHOLD: expected a number/],
  ['workload databases with an empty entry', { ...minimal, TUNER_WORKLOAD_DATABASES: 'app,,reports' }, /^TUNER_WORKLOAD_DATABASES: expected comma-separated database names, got "app,,reports"/],
  ['storage not a class', { ...minimal, TUNER_STORAGE: 'nvme' }, /^TUNER_STORAGE: expected one of auto, ssd, hdd, got "nvme"/],
  ['verify timeout garbage', { ...minimal, TUNER_VERIFY_TIMEOUT: 'soon' }, /^TUNER_VERIFY_TIMEOUT: expected a positive duration/],
  ['stabilization without unit', { ...minimal, TUNER_STABILIZATION: '30' }, /^TUNER_STABILIZATION: /],
  ['username without password', { ...minimal, TUNER_PATRONI_USERNAME: 'u' }, /^TUNER_PATRONI_PASSWORD: Patroni basic auth needs both/],
  ['missing CA file', { ...minimal, TUNER_PATRONI_CA_FILE: '/nonexistent/ca.pem' }, /^TUNER_PATRONI_CA_FILE: cannot read \/nonexistent\/ca.pem: ENOENT/],
];
for (const [name, env, message] of invalid) {
  test(`invalid configuration: ${name}`, () => {
    assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
  });
}

test('a password never appears in a configuration error', () => {
  assert.throws(
    () => loadConfig({ TUNER_DATABASE_URL: 'mysql://tuner:hunter2@db/x' }),
    (err: unknown) => err instanceof Error && !err.message.includes('hunter2') && err.message.includes('***'),
  );
  assert.equal(redact('postgres://a:b@h/d'), 'postgres://a:***@h/d');
});

test('redact hides a password containing @, and ?password= / ?sslpassword= parameters', () => {
  assert.equal(redact('http://user:p@ss@host:8008'), 'http://user:***@host:8008');
  assert.equal(redact('http://user:p@ss@host:8008/patroni?x=1'), 'http://user:***@host:8008/patroni?x=1');
  assert.equal(redact('postgres://tuner@db:5432/postgres?password=x&sslmode=require'), 'postgres://tuner@db:5432/postgres?password=***&sslmode=require');
  assert.equal(redact('postgres://db/postgres?sslmode=require&sslpassword=k3y'), 'postgres://db/postgres?sslmode=require&sslpassword=***');
  assert.equal(redact('GET http://a:b@c@10.0.0.1:8008/cluster: unreachable (ECONNREFUSED), then http://d:e@f/'), 'GET http://a:***@10.0.0.1:8008/cluster: unreachable (ECONNREFUSED), then http://d:***@f/');
  assert.equal(redact('http://127.0.0.1:8008/patroni'), 'http://127.0.0.1:8008/patroni');
});

test('credentials in TUNER_PATRONI_URL become basic auth and leave the URL', () => {
  const config = loadConfig({ ...minimal, TUNER_PATRONI_URL: 'http://patroni:p@ss@10.0.0.5:8008/' });
  assert.equal(config.patroni.url, 'http://10.0.0.5:8008');
  assert.equal(config.patroni.username, 'patroni');
  assert.equal(config.patroni.password, 'p@ss');
  const encoded = loadConfig({ ...minimal, TUNER_PATRONI_URL: 'https://u%3Ax:a%2Fb@h:8008' });
  assert.deepEqual([encoded.patroni.url, encoded.patroni.username, encoded.patroni.password], ['https://h:8008', 'u:x', 'a/b']);
  assert.throws(
    () => loadConfig({ ...minimal, TUNER_PATRONI_URL: 'http://patroni:p@ss@h:8008', TUNER_PATRONI_USERNAME: 'x', TUNER_PATRONI_PASSWORD: 'y' }),
    (err: unknown) => err instanceof ConfigError && /^TUNER_PATRONI_URL: /.test(err.message) && !err.message.includes('p@ss') && !err.message.includes('ss@h'),
  );
});

test('a password in TUNER_PATRONI_URL never appears in a configuration error', () => {
  for (const url of ['ftp://user:p@ss@host:21', 'http://user:p@ss@host:notaport']) {
    assert.throws(
      () => loadConfig({ ...minimal, TUNER_PATRONI_URL: url }),
      (err: unknown) => err instanceof ConfigError && !err.message.includes('p@ss') && !err.message.includes('ss@host') && err.message.includes('***'),
      url,
    );
  }
});

test('TUNER_DRIFT_REMOVE_OVERRIDES is false unless set to true; TUNER_COMMAND_TTL defaults to 60s', () => {
  assert.equal(loadConfig(minimal).drift.removeOverrides, false);
  assert.equal(loadConfig({ ...minimal, TUNER_DRIFT_REMOVE_OVERRIDES: 'true' }).drift.removeOverrides, true);
  assert.equal(loadConfig({ ...minimal, TUNER_DRIFT_REMOVE_OVERRIDES: 'false' }).drift.removeOverrides, false);
  assert.throws(() => loadConfig({ ...minimal, TUNER_DRIFT_REMOVE_OVERRIDES: 'yes' }), /^ConfigError: TUNER_DRIFT_REMOVE_OVERRIDES: expected true or false, got "yes"/);
  assert.equal(loadConfig(minimal).commandTtlMs, 60_000);
  assert.equal(loadConfig({ ...minimal, TUNER_COMMAND_TTL: '5m' }).commandTtlMs, 300_000);
  assert.throws(() => loadConfig({ ...minimal, TUNER_COMMAND_TTL: '0s' }), /TUNER_COMMAND_TTL: expected a positive duration/);
});

test('a logged error shows no password, in its message, stack or cause', () => {
  const error = new Error('GET http://u:p@ss@h:8008/cluster failed', { cause: new Error('postgres://t:s3cret@db/x refused') });
  const logged = JSON.stringify(redactError(error));
  assert.ok(!logged.includes('p@ss') && !logged.includes('s3cret'), logged);
  assert.match(logged, /"message":"GET http:\/\/u:\*\*\*@h:8008\/cluster failed"/);
});
