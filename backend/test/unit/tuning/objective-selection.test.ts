import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preloadedLibraries } from '../../../src/postgres/statements-status.js';
import { selectObjective } from '../../../src/tuning/objective-selection.js';

test('throughput asked for is throughput, whatever pg_stat_statements can do', () => {
  const selection = selectObjective('throughput', { available: true, database: 'app', created: false });
  assert.deepEqual([selection.objective, selection.source, selection.action], ['throughput', 'pg_stat_database', null]);
});

test('the mean statement time when pg_stat_statements is usable, saying where and whether the agent created it', () => {
  assert.equal(selectObjective('mean_query_time', { available: true, database: 'app', created: false }).reason, 'pg_stat_statements in database "app"');
  assert.equal(
    selectObjective('mean_query_time', { available: true, database: 'app', created: true }).reason,
    'pg_stat_statements in database "app", created by the agent (TUNER_CREATE_EXTENSION=true)',
  );
});

test('each reason pg_stat_statements cannot measure falls back to ms per transaction, with what to do', () => {
  const notPreloaded = selectObjective('mean_query_time', { available: false, database: 'app', cause: 'not_preloaded', message: 'pg_stat_statements is not in shared_preload_libraries' });
  assert.equal(notPreloaded.objective, 'throughput');
  assert.equal(notPreloaded.reason, 'pg_stat_statements is not in shared_preload_libraries: measuring ms per transaction instead');
  assert.match(notPreloaded.action ?? '', /^add pg_stat_statements to shared_preload_libraries .*restart.*CREATE EXTENSION pg_stat_statements; -- as a superuser, in database "app" on the leader$/);
  const missing = selectObjective('mean_query_time', { available: false, database: 'app', cause: 'extension_missing', message: 'missing' });
  assert.match(missing.action ?? '', /or set TUNER_CREATE_EXTENSION=true$/);
  const unusable = selectObjective('mean_query_time', { available: false, database: 'app', cause: 'unusable', message: 'permission denied for view pg_stat_statements' });
  assert.deepEqual([unusable.objective, unusable.action], ['throughput', null]);
  assert.match(unusable.reason, /^permission denied/);
});

test('shared_preload_libraries entries are split on commas, trimmed and unquoted', () => {
  assert.deepEqual(preloadedLibraries(''), []);
  assert.deepEqual(preloadedLibraries('pg_stat_statements'), ['pg_stat_statements']);
  assert.deepEqual(preloadedLibraries(' auto_explain , "pg_stat_statements",timescaledb'), ['auto_explain', 'pg_stat_statements', 'timescaledb']);
});
