/**
 * Which pg_settings parameters the tuner may touch (DESIGN.md §4 rules 3–5, §5). Every name gets
 * either "tunable" or one exclusion reason with a stable code. Precedence, first match wins:
 *
 *   1. policy (by name): patroni_managed, then durability, security, logging, connection — these are
 *      never tuned whatever their context;
 *   2. context: restart_required (postmaster, internal), not_reloadable (backend, superuser-backend);
 *   3. search space: not_in_search_space (reload-only but not one of DESIGN §5's knobs);
 *   4. overridden: a search-space knob whose value is fixed on the server's command line (or by an
 *      override), where a change in postgresql.conf — all Patroni can write — never takes effect.
 *
 * `not_available` is for search-space knobs this server does not have (or cannot search, e.g. an
 * unexpected type or an empty range); the catalogue reports those. Names are compared in lower case
 * (PostgreSQL's parameter names are case-insensitive).
 */
import type { PgSetting, SettingContext } from '../../postgres/settings.js';
import { isSearchSpaceKnob, SEARCH_SPACE_KNOBS } from '../../model/searched-knobs.js';

export const EXCLUSION_REASONS = [
  'patroni_managed',
  'durability',
  'security',
  'logging',
  'connection',
  'restart_required',
  'not_reloadable',
  'not_in_search_space',
  'overridden',
  'not_available',
] as const;

export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export type Classification = { tunable: true } | { tunable: false; reason: ExclusionReason; detail: string };

/** Contexts in which a change reaches running sessions through a configuration reload (rule 3). */
export const RELOADABLE_CONTEXTS: ReadonlySet<SettingContext> = new Set<SettingContext>(['user', 'superuser', 'sighup']);

interface NameRule {
  exact: readonly string[];
  prefixes: readonly string[];
  detail: string;
}

/**
 * DESIGN §4 rule 4, plus what patroni-api.md §4 found Patroni owning: its command-line options, the
 * recovery parameters it moves to recovery_conf (recovery_*, restore_command, archive_cleanup_command,
 * primary_conninfo, primary_slot_name, promote_trigger_file, trigger_file, standby_mode), the
 * synchronous_standby_names it writes in synchronous mode, hba/ident files it writes, and
 * hot_standby_feedback, which it forces on when permanent logical slots exist.
 */
const PATRONI_MANAGED: NameRule = {
  exact: [
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
    'restore_command',
    'archive_cleanup_command',
    'promote_trigger_file',
    'trigger_file',
    'standby_mode',
    'pause_at_recovery_target',
    'synchronous_standby_names',
    'hot_standby_feedback',
    'hba_file',
    'ident_file',
    'data_directory',
    'config_file',
  ],
  prefixes: ['recovery_'],
  detail: 'managed by Patroni (DESIGN §4 rule 4)',
};

/** Rule 5: settings that trade crash safety, WAL archiving or corruption checks for speed. */
const DURABILITY: NameRule = {
  exact: [
    'fsync',
    'full_page_writes',
    'synchronous_commit',
    'wal_sync_method',
    'data_sync_retry',
    'zero_damaged_pages',
    'ignore_checksum_failure',
    'ignore_invalid_pages',
    'ignore_system_indexes',
    'archive_mode',
    'archive_command',
    'archive_library',
    'archive_timeout',
    'restart_after_crash',
    'remove_temp_files_after_crash',
  ],
  prefixes: [],
  detail: 'durability or crash safety (DESIGN §4 rule 5)',
};

/** Rule 5: authentication, SSL, privileges and loading code into the server. */
const SECURITY: NameRule = {
  exact: [
    'password_encryption',
    'scram_iterations',
    'authentication_timeout',
    'db_user_namespace',
    'gss_accept_delegation',
    'row_security',
    'allow_system_table_mods',
    'allow_alter_system',
    'allow_in_place_tablespaces',
    'lo_compat_privileges',
    'session_replication_role',
    'event_triggers',
    'restrict_nonsystem_relation_kind',
    'shared_preload_libraries',
    'session_preload_libraries',
    'local_preload_libraries',
    'dynamic_library_path',
    'extension_destdir',
    'jit_provider',
    'pre_auth_delay',
    'post_auth_delay',
  ],
  prefixes: ['ssl', 'krb_'],
  detail: 'authentication, SSL or security (DESIGN §4 rule 5)',
};

/** Rule 5: PostgreSQL docs §20.8 "Error Reporting and Logging" and developer tracing/debug options. */
const LOGGING: NameRule = {
  exact: [
    'logging_collector',
    'event_source',
    'application_name',
    'client_min_messages',
    'update_process_title',
    'backtrace_functions',
  ],
  prefixes: ['log_', 'debug_', 'trace_', 'syslog_'],
  detail: 'logging (DESIGN §4 rule 5)',
};

/** Rule 5: PostgreSQL docs §20.3.1–2 "Connection Settings" and "TCP Settings". */
const CONNECTION: NameRule = {
  exact: [
    'superuser_reserved_connections',
    'reserved_connections',
    'unix_socket_directories',
    'unix_socket_group',
    'unix_socket_permissions',
    'bonjour',
    'bonjour_name',
    'tcp_user_timeout',
    'client_connection_check_interval',
  ],
  prefixes: ['tcp_keepalives_'],
  detail: 'connection settings (DESIGN §4 rule 5)',
};

const POLICY_RULES: readonly (readonly [ExclusionReason, NameRule])[] = [
  ['patroni_managed', PATRONI_MANAGED],
  ['durability', DURABILITY],
  ['security', SECURITY],
  ['logging', LOGGING],
  ['connection', CONNECTION],
];

function matches(rule: NameRule, name: string): boolean {
  return rule.exact.includes(name) || rule.prefixes.some((prefix) => name.startsWith(prefix));
}

/** The by-name exclusion (precedence step 1), or null when the name is not excluded by policy. */
export function policyExclusion(name: string): { reason: ExclusionReason; detail: string } | null {
  const lower = name.toLowerCase();
  for (const [reason, rule] of POLICY_RULES) if (matches(rule, lower)) return { reason, detail: rule.detail };
  return null;
}

/**
 * Sources that fix a value above postgresql.conf: a reload of the file (which is what Patroni's PATCH
 * /config writes) cannot change them.
 */
const OVERRIDING_SOURCES: ReadonlySet<string> = new Set(['command line', 'environment variable', 'override']);

/** Tunable or excluded, by the precedence above. */
export function classifySetting(setting: Pick<PgSetting, 'name' | 'context' | 'source'>): Classification {
  const policy = policyExclusion(setting.name);
  if (policy !== null) return { tunable: false, ...policy };
  if (setting.context === 'postmaster' || setting.context === 'internal') {
    return {
      tunable: false,
      reason: 'restart_required',
      detail: `context ${setting.context}: ${setting.context === 'internal' ? 'fixed at build or initdb time' : 'needs a restart'} (DESIGN §4 rule 3)`,
    };
  }
  if (!RELOADABLE_CONTEXTS.has(setting.context)) {
    return {
      tunable: false,
      reason: 'not_reloadable',
      detail: `context ${setting.context}: a reload does not reach existing sessions (DESIGN §4 rule 3)`,
    };
  }
  if (!isSearchSpaceKnob(setting.name.toLowerCase())) {
    return { tunable: false, reason: 'not_in_search_space', detail: 'reload-only but not in the search space (DESIGN §5)' };
  }
  if (OVERRIDING_SOURCES.has(setting.source)) {
    return {
      tunable: false,
      reason: 'overridden',
      detail: `set by ${setting.source}, which a change to postgresql.conf through Patroni cannot override`,
    };
  }
  return { tunable: true };
}

/** Search-space knobs absent from this server's pg_settings (older or newer versions, build options). */
export function missingSearchSpaceKnobs(settings: readonly Pick<PgSetting, 'name'>[]): string[] {
  const present = new Set(settings.map((setting) => setting.name.toLowerCase()));
  return SEARCH_SPACE_KNOBS.filter((name) => !present.has(name));
}
