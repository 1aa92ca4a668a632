/**
 * Connections to other members' PostgreSQL, with the credentials of this agent's own connection
 * string: verification reads pg_settings on every member, and a replica's agent writes commands to
 * the leader's state database. Pools are kept per address and database and closed together.
 */
import { PostgresPool } from '../postgres/connection.js';
import type { Member } from '../topology/model.js';

export interface MemberAddress {
  host: string;
  port: number;
}

/** Where a member's PostgreSQL listens, or null when /cluster gives no address for it (or no member). */
export function addressOf(member: Member | null): MemberAddress | null {
  return member === null || member.host === null || member.port === null ? null : { host: member.host, port: member.port };
}

/** `base` with its host, port and (optionally) database replaced. */
export function databaseUrlFor(base: string, address: MemberAddress | null, database?: string): string {
  const url = new URL(base);
  if (address !== null) {
    url.hostname = address.host.includes(':') && !address.host.startsWith('[') ? `[${address.host}]` : address.host;
    url.port = String(address.port);
  }
  if (database !== undefined) url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export class MemberDatabases {
  readonly #base: string;
  readonly #pools = new Map<string, PostgresPool>();

  constructor(baseDatabaseUrl: string) {
    this.#base = baseDatabaseUrl;
  }

  /** A pool for `database` (default: the one in the base URL) on the member at `address`. */
  pool(address: MemberAddress, database?: string): PostgresPool {
    const key = `${address.host}:${address.port}/${database ?? ''}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new PostgresPool({ connectionString: databaseUrlFor(this.#base, address, database), maxConnections: 2, connectTimeoutMs: 3_000 });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  async closeAll(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }
}
