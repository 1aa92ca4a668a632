/**
 * Patroni configuration for one lab node. Patroni reads YAML, and JSON is YAML, so the lab writes
 * these objects with JSON.stringify and needs no YAML library.
 */

export const PG_BIN_DIR = '/usr/lib/postgresql/15/bin';

export interface LabCredentials {
  /** restapi.authentication: protects Patroni's mutating calls (PATCH /config, switchover …). */
  restApi: { username: string; password: string };
  superuser: { username: string; password: string };
  replication: { username: string; password: string };
  rewind: { username: string; password: string };
}

export interface NodeConfigInput {
  scope: string;
  name: string;
  etcdPort: number;
  restPort: number;
  pgPort: number;
  nodeDir: string;
  credentials: LabCredentials;
}

/** Short timings so failovers take seconds; 3.2+ requires loop_wait + 2 × retry_timeout ≤ ttl. */
export const LAB_DCS_TIMINGS = { ttl: 20, loop_wait: 2, retry_timeout: 3 } as const;

export function patroniNodeConfig(input: NodeConfigInput): Record<string, unknown> {
  const { credentials: c } = input;
  return {
    scope: input.scope,
    namespace: '/service/',
    name: input.name,
    restapi: {
      listen: `127.0.0.1:${input.restPort}`,
      connect_address: `127.0.0.1:${input.restPort}`,
      authentication: c.restApi,
    },
    // etcd 3.4 disables the v2 API, so Patroni must use the etcd3 client.
    etcd3: { hosts: `127.0.0.1:${input.etcdPort}` },
    bootstrap: {
      dcs: {
        ...LAB_DCS_TIMINGS,
        maximum_lag_on_failover: 1048576,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            shared_preload_libraries: 'pg_stat_statements',
            'pg_stat_statements.track': 'top',
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }],
      pg_hba: [
        'local all all trust',
        `host replication ${c.replication.username} 127.0.0.1/32 scram-sha-256`,
        'host all all 127.0.0.1/32 scram-sha-256',
      ],
    },
    postgresql: {
      listen: `127.0.0.1:${input.pgPort}`,
      connect_address: `127.0.0.1:${input.pgPort}`,
      data_dir: `${input.nodeDir}/data`,
      bin_dir: PG_BIN_DIR,
      // The default ~/pgpass would be shared by every node of the lab.
      pgpass: `${input.nodeDir}/pgpass`,
      authentication: {
        superuser: c.superuser,
        replication: c.replication,
        rewind: c.rewind,
      },
      parameters: { unix_socket_directories: input.nodeDir },
    },
  };
}
