/** Connection helpers shared by the loader, the runner and the CLI. */
import pg from 'pg';

/**
 * Where the workload connects: a URL, or a function giving the URL at each (re)connection — for a
 * client that should follow the leader of a Patroni cluster across a failover.
 */
export type DatabaseUrlSource = string | (() => string | Promise<string>);

/** `databaseUrl` with its database replaced by `database` (user, password, host, port and options kept). */
export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export async function resolveUrl(source: DatabaseUrlSource): Promise<string> {
  return typeof source === 'string' ? source : await source();
}

export interface ConnectOptions {
  applicationName: string;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/**
 * A connected client. Errors the server sends while the client is idle (a terminated backend, a
 * failover) are reported through `onError` instead of crashing the process.
 */
export async function connect(
  connectionString: string,
  options: ConnectOptions,
  onError: (error: Error) => void = () => {},
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    ...(options.statementTimeoutMs !== undefined ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  client.on('error', onError);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

/** Closes a client, never throwing (a broken connection is closed already). */
export async function closeQuietly(client: pg.Client): Promise<void> {
  await client.end().catch(() => {});
}

/**
 * Prefix of the workload's own housekeeping statements (backend pid, reading the load record,
 * statistics snapshots, cancels), so the statement statistics can leave them out.
 */
export const HOUSEKEEPING_TAG = '/* tuner-workload */';

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** SQLSTATE of a server error, or the Node error code (ECONNREFUSED, …), or null. */
export function errorCode(error: unknown): string | null {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return null;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
