import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preloadedLibraries } from '../../../src/postgres/statements-status.js';
import { selectObjective } from '../../../src/tuning/objective-selection.js';
import { workloadDatabases } from '../../../src/tuning/workload-databases.js';

const COUNTED = workloadDatabases(['app'], 'patroni_tuner').description;

test('throughput asked for is throughput, whatever pg_stat_statements can do', () => {
  const selection = selectObjective('throughput', { available: true, database: 'app', created: false }, COUNTED);
  assert.deepEqual([selection.objective, selection.source, selection.action], ['throughput', 'pg_stat_database', null]);
});

test('the mean statement time when pg_stat_statements is usable, saying where and whether the agent created it', () => {
  assert.equal(selectObjective('mean_query_time', { available: true, database: 'app', created: false }, COUNTED).reason, 'pg_stat_statements in database "app"');
  assert.equal(
    selectObjective('mean_query_time', { available: true, database: 'app', created: true }, COUNTED).reason,
    'pg_stat_statements in database "app", created by the agent (TUNER_CREATE_EXTENSION=true)',
  );
});

test('each reason pg_stat_statements cannot measure falls back to ms per transaction, with what to do', () => {
  const notPreloaded = selectObjective('mean_query_time', { available: false, database: 'app', cause: 'not_preloaded', message: 'pg_stat_statements is not in shared_preload_libraries' }, COUNTED);
  assert.equal(notPreloaded.objective, 'throughput');
  assert.equal(notPreloaded.reason, 'pg_stat_statements is not in shared_preload_libraries: measuring ms per transaction in databases app (TUNER_WORKLOAD_DATABASES) instead, the agent\'s own left out');
  assert.match(notPreloaded.action ?? '', /^add pg_stat_statements to shared_preload_libraries .*restart.*CREATE EXTENSION pg_stat_statements; -- as a superuser, in database "app" on the leader$/);
  const missing = selectObjective('mean_query_time', { available: false, database: 'app', cause: 'extension_missing', message: 'missing' }, COUNTED);
  assert.match(missing.action ?? '', /or set TUNER_CREATE_EXTENSION=true$/);
  const unusable = selectObjective('mean_query_time', { available: false, database: 'app', cause: 'unusable', message: 'permission denied for view pg_stat_statements' }, COUNTED);
  assert.deepEqual([unusable.objective, unusable.action], ['throughput', null]);
  assert.match(unusable.reason, /^permission denied/);
});

test('the fallback counts the named databases, else every one but the state store', () => {
  const named = workloadDatabases(['app', 'reports'], 'patroni_tuner');
  assert.deepEqual(['app', 'reports', 'postgres', 'patroni_tuner'].map((d) => named.includes(d)), [true, true, false, false]);
  const all = workloadDatabases(null, 'patroni_tuner');
  assert.deepEqual(['app', 'postgres', 'patroni_tuner'].map((d) => all.includes(d)), [true, true, false]);
  assert.equal(all.description, 'every database but patroni_tuner (the state store)');
  assert.equal(workloadDatabases(null, null).includes('patroni_tuner'), true, 'an external state store is not in this cluster');
});

test('shared_preload_libraries entries are split on commas, trimmed and unquoted', () => {
  assert.deepEqual(preloadedLibraries(''), []);
  assert.deepEqual(preloadedLibraries('pg_stat_statements'), ['pg_stat_statements']);
  assert.deepEqual(preloadedLibraries(' auto_explain , "pg_stat_statements",timescaledb'), ['auto_explain', 'pg_stat_statements', 'timescaledb']);
});
