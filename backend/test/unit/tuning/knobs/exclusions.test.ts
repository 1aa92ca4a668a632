import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SettingContext } from '../../../../src/postgres/settings.js';
import { buildKnobCatalogue } from '../../../../src/tuning/knobs/catalogue.js';
import {
  classifySetting,
  EXCLUSION_REASONS,
  missingSearchSpaceKnobs,
  policyExclusion,
} from '../../../../src/tuning/knobs/exclusions.js';
import { SEARCH_SPACE_KNOBS } from '../../../../src/model/searched-knobs.js';
import { HOST_16G, settings15, settingsWith } from './fixtures.js';

/** DESIGN.md §4 rule 4, verbatim (recovery_* represented by the PG 15 recovery parameters). */
const RULE_4 = [
  'listen_addresses',
  'port',
  'cluster_name',
  'wal_level',
  'hot_standby',
  'max_connections',
  'max_wal_senders',
  'max_prepared_transactions',
  'max_locks_per_transaction',
  'track_commit_timestamp',
  'max_replication_slots',
  'max_worker_processes',
  'wal_log_hints',
  'wal_keep_segments',
  'wal_keep_size',
  'primary_conninfo',
  'primary_slot_name',
  'recovery_target',
  'recovery_target_action',
  'recovery_target_inclusive',
  'recovery_target_lsn',
  'recovery_target_name',
  'recovery_target_time',
  'recovery_target_timeline',
  'recovery_target_xid',
  'recovery_end_command',
  'recovery_min_apply_delay',
  'recovery_prefetch',
  'recovery_init_sync_method',
  'restore_command',
  'archive_cleanup_command',
  'synchronous_standby_names',
  'hba_file',
  'ident_file',
  'data_directory',
  'config_file',
];

const RULE_5: Record<string, string> = {
  fsync: 'durability',
  full_page_writes: 'durability',
  synchronous_commit: 'durability',
  wal_sync_method: 'durability',
  archive_command: 'durability',
  archive_mode: 'durability',
  zero_damaged_pages: 'durability',
  data_sync_retry: 'durability',
  ssl: 'security',
  ssl_ciphers: 'security',
  ssl_min_protocol_version: 'security',
  password_encryption: 'security',
  authentication_timeout: 'security',
  krb_server_keyfile: 'security',
  db_user_namespace: 'security',
  row_security: 'security',
  log_min_duration_statement: 'logging',
  log_checkpoints: 'logging',
  log_autovacuum_min_duration: 'logging',
  log_line_prefix: 'logging',
  logging_collector: 'logging',
  debug_print_plan: 'logging',
  trace_sort: 'logging',
  syslog_ident: 'logging',
  client_min_messages: 'logging',
  application_name: 'logging',
  superuser_reserved_connections: 'connection',
  unix_socket_directories: 'connection',
  unix_socket_permissions: 'connection',
  tcp_keepalives_idle: 'connection',
  tcp_keepalives_interval: 'connection',
  tcp_keepalives_count: 'connection',
  tcp_user_timeout: 'connection',
  client_connection_check_interval: 'connection',
  bonjour: 'connection',
};

describe('exclusion rules', () => {
  const settings = settings15();
  const catalogue = buildKnobCatalogue(settings, HOST_16G);
  const reasonOf = (name: string) => catalogue.excluded.find((entry) => entry.name === name)?.reason;

  it('excludes every name of DESIGN §4 rule 4 as patroni_managed, by name and in the PG 15 catalogue', () => {
    for (const name of RULE_4) {
      assert.equal(policyExclusion(name)?.reason, 'patroni_managed', name);
      // Present on PG 15 except wal_keep_segments (PG ≤ 12): the catalogue must agree.
      if (name !== 'wal_keep_segments') assert.equal(reasonOf(name), 'patroni_managed', name);
    }
    assert.equal(reasonOf('wal_keep_segments'), undefined);
  });

  it('treats recovery_* by prefix, and Patroni-owned extras, as patroni_managed', () => {
    for (const name of ['recovery_target_future_param', 'promote_trigger_file', 'trigger_file', 'standby_mode', 'hot_standby_feedback']) {
      assert.equal(policyExclusion(name)?.reason, 'patroni_managed', name);
    }
  });

  it('excludes durability, security, logging and connection parameters (rule 5) with their own reasons', () => {
    for (const [name, reason] of Object.entries(RULE_5)) {
      assert.equal(reasonOf(name), reason, name);
      assert.equal(policyExclusion(name)?.reason, reason, name);
    }
  });

  it('gives every pg_settings name exactly one verdict, with a known reason and a detail', () => {
    const tunable = new Set<string>(catalogue.tunable.map((knob) => knob.name));
    for (const setting of settings) {
      const excluded = catalogue.excluded.filter((entry) => entry.name === setting.name);
      assert.equal(excluded.length + (tunable.has(setting.name) ? 1 : 0), 1, setting.name);
    }
    for (const entry of catalogue.excluded) {
      assert.ok(EXCLUSION_REASONS.includes(entry.reason), entry.reason);
      assert.ok(entry.detail.length > 0, entry.name);
    }
    assert.equal(catalogue.tunable.length + catalogue.excluded.length, settings.length);
  });

  it('counts the reasons of the PG 15 fixture exactly', () => {
    const counts: Record<string, number> = {};
    for (const entry of catalogue.excluded) counts[entry.reason] = (counts[entry.reason] ?? 0) + 1;
    assert.deepEqual(counts, {
      patroni_managed: 37,
      durability: 15,
      security: 34,
      logging: 53,
      connection: 11,
      restart_required: 36,
      not_reloadable: 2,
      not_in_search_space: 148,
    });
  });

  it('excludes restart-only and per-session parameters by context', () => {
    assert.equal(reasonOf('shared_buffers'), 'restart_required');
    assert.equal(reasonOf('wal_buffers'), 'restart_required');
    assert.equal(reasonOf('autovacuum_max_workers'), 'restart_required');
    assert.equal(reasonOf('block_size'), 'restart_required'); // internal
    assert.equal(reasonOf('server_version_num'), 'restart_required'); // internal
    assert.equal(reasonOf('jit_debugging_support'), 'not_reloadable'); // superuser-backend
    assert.equal(reasonOf('jit_profiling_support'), 'not_reloadable');
    assert.equal(reasonOf('max_connections'), 'patroni_managed'); // policy beats context
  });

  it('puts reload-only parameters outside DESIGN §5 in not_in_search_space', () => {
    for (const name of ['maintenance_work_mem', 'hash_mem_multiplier', 'cpu_tuple_cost', 'wal_writer_delay', 'temp_buffers', 'vacuum_cost_limit']) {
      assert.equal(reasonOf(name), 'not_in_search_space', name);
    }
  });

  it('applies the precedence policy > context > search space > overridden', () => {
    const classify = (name: string, context: SettingContext, source = 'default') => classifySetting({ name, context, source });
    assert.deepEqual(classify('work_mem', 'user'), { tunable: true });
    const fsync = classify('fsync', 'postmaster');
    assert.equal(fsync.tunable ? null : fsync.reason, 'durability');
    const port = classify('port', 'user');
    assert.equal(port.tunable ? null : port.reason, 'patroni_managed'); // also a connection setting
    const listen = classify('listen_addresses', 'postmaster');
    assert.equal(listen.tunable ? null : listen.reason, 'patroni_managed');
    const postmasterKnob = classify('work_mem', 'postmaster');
    assert.equal(postmasterKnob.tunable ? null : postmasterKnob.reason, 'restart_required');
    const backendKnob = classify('work_mem', 'backend');
    assert.equal(backendKnob.tunable ? null : backendKnob.reason, 'not_reloadable');
    const superuserBackend = classify('work_mem', 'superuser-backend');
    assert.equal(superuserBackend.tunable ? null : superuserBackend.reason, 'not_reloadable');
    const overridden = classify('work_mem', 'user', 'command line');
    assert.equal(overridden.tunable ? null : overridden.reason, 'overridden');
    const outside = classify('cpu_tuple_cost', 'user', 'command line');
    assert.equal(outside.tunable ? null : outside.reason, 'not_in_search_space');
    const upper = classify('FSYNC', 'sighup');
    assert.equal(upper.tunable ? null : upper.reason, 'durability'); // names are case-insensitive
  });

  it('classifies settings of newer versions (16, 17) by the same rules', () => {
    const newer = settingsWith({
      reserved_connections: { context: 'postmaster' },
      scram_iterations: { context: 'user' },
      allow_alter_system: { vartype: 'bool', setting: 'on', boot_val: 'on', reset_val: 'on', min_val: null, max_val: null, context: 'sighup' },
      event_triggers: { vartype: 'bool', setting: 'on', boot_val: 'on', reset_val: 'on', min_val: null, max_val: null, context: 'superuser' },
      io_combine_limit: { context: 'user', unit: '8kB' },
      summarize_wal: { vartype: 'bool', setting: 'off', boot_val: 'off', reset_val: 'off', min_val: null, max_val: null, context: 'sighup' },
    });
    const newCatalogue = buildKnobCatalogue(newer, HOST_16G);
    const reason = (name: string) => newCatalogue.excluded.find((entry) => entry.name === name)?.reason;
    assert.equal(reason('reserved_connections'), 'connection');
    assert.equal(reason('scram_iterations'), 'security');
    assert.equal(reason('allow_alter_system'), 'security');
    assert.equal(reason('event_triggers'), 'security');
    assert.equal(reason('io_combine_limit'), 'not_in_search_space');
    assert.equal(reason('summarize_wal'), 'not_in_search_space');
  });

  it('lists search-space knobs the server lacks as not_available', () => {
    assert.deepEqual(missingSearchSpaceKnobs(settings15()), []);
    const old = settingsWith({ jit: null, jit_above_cost: null, wal_compression: null });
    assert.deepEqual(missingSearchSpaceKnobs(old), ['jit', 'jit_above_cost', 'wal_compression']);
    const oldCatalogue = buildKnobCatalogue(old, HOST_16G);
    for (const name of ['jit', 'jit_above_cost', 'wal_compression']) {
      const entry = oldCatalogue.excluded.find((e) => e.name === name);
      assert.deepEqual(entry, { name, reason: 'not_available', detail: "not in this server's pg_settings" });
    }
    assert.equal(oldCatalogue.tunable.length, SEARCH_SPACE_KNOBS.length - 3);
  });
});
