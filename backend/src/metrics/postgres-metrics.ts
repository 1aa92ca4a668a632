import type { DatabaseStats } from '../postgres/database-stats.js';
import { settingInBaseUnits } from '../postgres/settings.js';
import type { PostgresSnapshot } from '../postgres/snapshots.js';
import { OBSERVED_SETTINGS } from '../model/searched-knobs.js';
import { counter, gauge, single, type FamilySpec, type Sample } from './family.js';
import type { Scrape } from './scrape.js';

const pg = (s: Scrape): PostgresSnapshot | null => (s.postgres.ok ? s.postgres.value : null);

const perDatabase = (pick: (d: DatabaseStats) => number | null) => (s: Scrape): Sample[] =>
  (pg(s)?.databases ?? []).flatMap((d) => single(pick(d), { datname: d.datname }));

const observed = new Set<string>(OBSERVED_SETTINGS);

export const postgresFamilies: FamilySpec<Scrape>[] = [
  gauge('pgtuner_postgres_up', "Whether this node's PostgreSQL answered the last scrape (1) or not (0).", (s) => [
    { value: s.postgres.ok ? 1 : 0 },
  ]),
  gauge('pgtuner_postgres_info', 'PostgreSQL server version (server_version_num) as a label; always 1.', (s) =>
    single(pg(s) ? 1 : null, { server_version_num: pg(s)?.serverVersionNum ?? 0 }),
  ),
  gauge('pgtuner_postgres_in_recovery', 'pg_is_in_recovery(): 1 on a replica, 0 on the primary.', (s) =>
    single(pg(s) ? Number(pg(s)!.inRecovery) : null),
  ),
  gauge('pgtuner_postgres_postmaster_start_time_seconds', 'When PostgreSQL started (epoch seconds).', (s) =>
    single(pg(s) ? pg(s)!.postmasterStartTime.getTime() / 1000 : null),
  ),
  gauge('pgtuner_postgres_connections', 'Client connections by state, from pg_stat_activity.', (s) =>
    (pg(s)?.connections ?? []).map((c) => ({ labels: { state: c.state }, value: c.count })),
  ),
  counter('pgtuner_postgres_xact_commit_total', 'Transactions committed.', perDatabase((d) => d.xactCommit)),
  counter('pgtuner_postgres_xact_rollback_total', 'Transactions rolled back.', perDatabase((d) => d.xactRollback)),
  counter('pgtuner_postgres_blocks_read_total', 'Blocks read from disk (or the OS cache).', perDatabase((d) => d.blksRead)),
  counter('pgtuner_postgres_blocks_hit_total', 'Blocks found in shared buffers.', perDatabase((d) => d.blksHit)),
  counter('pgtuner_postgres_tuples_returned_total', 'Rows returned by scans.', perDatabase((d) => d.tupReturned)),
  counter('pgtuner_postgres_tuples_fetched_total', 'Rows fetched by index scans.', perDatabase((d) => d.tupFetched)),
  counter('pgtuner_postgres_tuples_inserted_total', 'Rows inserted.', perDatabase((d) => d.tupInserted)),
  counter('pgtuner_postgres_tuples_updated_total', 'Rows updated.', perDatabase((d) => d.tupUpdated)),
  counter('pgtuner_postgres_tuples_deleted_total', 'Rows deleted.', perDatabase((d) => d.tupDeleted)),
  counter('pgtuner_postgres_temp_files_total', 'Temporary files created by queries.', perDatabase((d) => d.tempFiles)),
  counter('pgtuner_postgres_temp_bytes_total', 'Bytes written to temporary files.', perDatabase((d) => d.tempBytes)),
  counter('pgtuner_postgres_deadlocks_total', 'Deadlocks detected.', perDatabase((d) => d.deadlocks)),
  counter(
    'pgtuner_postgres_block_read_time_seconds_total',
    'Time reading blocks (zero unless track_io_timing is on).',
    perDatabase((d) => d.blkReadTimeSeconds),
  ),
  counter(
    'pgtuner_postgres_block_write_time_seconds_total',
    'Time writing blocks (zero unless track_io_timing is on).',
    perDatabase((d) => d.blkWriteTimeSeconds),
  ),
  counter('pgtuner_postgres_checkpoints_timed_total', 'Checkpoints started by checkpoint_timeout.', (s) =>
    single(pg(s)?.checkpoints.timed),
  ),
  counter('pgtuner_postgres_checkpoints_requested_total', 'Checkpoints requested (max_wal_size, CHECKPOINT …).', (s) =>
    single(pg(s)?.checkpoints.requested),
  ),
  counter('pgtuner_postgres_checkpoint_write_time_seconds_total', 'Time checkpoints spent writing files.', (s) =>
    single(pg(s)?.checkpoints.writeTimeSeconds),
  ),
  counter('pgtuner_postgres_checkpoint_sync_time_seconds_total', 'Time checkpoints spent syncing files.', (s) =>
    single(pg(s)?.checkpoints.syncTimeSeconds),
  ),
  counter('pgtuner_postgres_checkpoint_buffers_written_total', 'Buffers written by checkpoints.', (s) =>
    single(pg(s)?.checkpoints.buffersWritten),
  ),
  gauge('pgtuner_postgres_replication_lag_bytes', 'On the primary: WAL bytes each standby has not replayed yet.', (s) => {
    const replication = pg(s)?.replication;
    if (replication?.role !== 'primary') return [];
    return replication.standbys.flatMap((r) => single(r.replayLagBytes, { application_name: r.applicationName }));
  }),
  gauge('pgtuner_postgres_replay_lag_seconds', 'On a replica: age of the last replayed transaction, 0 when caught up.', (s) => {
    const replication = pg(s)?.replication;
    return replication?.role === 'replica' ? single(replication.replayLagSeconds) : [];
  }),
  gauge('pgtuner_postgres_statements_available', 'Whether pg_stat_statements can be read in the connected database.', (s) =>
    single(pg(s) ? Number(pg(s)!.statements.available) : null),
  ),
  counter('pgtuner_postgres_statements_calls_total', "Statement calls in pg_stat_statements, the agent's own excluded.", (s) => {
    const statements = pg(s)?.statements;
    return statements?.available ? single(statements.calls) : [];
  }),
  counter(
    'pgtuner_postgres_statements_exec_time_seconds_total',
    "Statement execution time in pg_stat_statements, the agent's own excluded.",
    (s) => {
      const statements = pg(s)?.statements;
      return statements?.available ? single(statements.totalExecTimeSeconds) : [];
    },
  ),
  gauge(
    'pgtuner_postgres_setting',
    'Current value of a tunable setting, in base units (bytes, seconds) where it has a unit; booleans as 0/1.',
    (s) =>
      (pg(s)?.settings ?? [])
        .filter((setting) => observed.has(setting.name))
        .flatMap((setting) => {
          if (setting.vartype === 'bool') return [{ labels: { name: setting.name }, value: Number(setting.setting) }];
          if (setting.vartype !== 'integer' && setting.vartype !== 'real') return [];
          return [{ labels: { name: setting.name }, value: settingInBaseUnits(setting)?.value ?? setting.setting }];
        }),
  ),
  gauge('pgtuner_postgres_settings_pending_restart', 'Settings changed in the configuration that wait for a restart.', (s) =>
    single(pg(s)?.settings.filter((setting) => setting.pendingRestart).length),
  ),
];
