/**
 * Starts a throwaway PostgreSQL for a test: a fresh data directory under the OS temp dir, a free
 * loopback port, pg_stat_statements preloaded, trust authentication for the `postgres` role. PostgreSQL
 * refuses to run as root, so under root the server runs as the `postgres` OS user.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';

export interface ThrowawayPostgres {
  /** Superuser `postgres`, database `postgres`, over TCP on 127.0.0.1. */
  connectionString: string;
  port: number;
  /** Fast shutdown (SIGINT), waiting for the server to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

const POSTGRES_LIB_ROOT = '/usr/lib/postgresql';
const READY_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 30_000;
const READY_POLL_INTERVAL_MS = 100;
/** Keep the end of the server log for error messages; the beginning rarely says what went wrong. */
const LOG_TAIL_CHARS = 4_000;

/** The newest installed PostgreSQL's bin directory that can preload pg_stat_statements, or null. */
export function findPostgresBinDir(): string | null {
  if (!existsSync(POSTGRES_LIB_ROOT)) return null;
  const versions = readdirSync(POSTGRES_LIB_ROOT)
    .filter((entry) => /^\d+$/.test(entry))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const root = join(POSTGRES_LIB_ROOT, version);
    if (existsSync(join(root, 'bin', 'postgres')) && existsSync(join(root, 'lib', 'pg_stat_statements.so'))) {
      return join(root, 'bin');
    }
  }
  return null;
}

/** Under root, the `postgres` OS user's ids (PostgreSQL will not run as root); otherwise none needed. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (entry === undefined) throw new Error('running as root, but there is no postgres user in /etc/passwd to run PostgreSQL as');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not learn the port of a bound socket');
  return address.port;
}

function run(command: string, args: string[], options: { cwd: string; user: { uid: number; gid: number } | null }) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...options.user });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} exited with ${code ?? signal}:\n${output.slice(-LOG_TAIL_CHARS)}`));
    });
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForExit(child: ChildProcess, deadlineMs: number): Promise<boolean> {
  if (hasExited(child)) return true;
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), deadlineMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Tries one connection and a trivial query; returns why it failed, or null once the server answers. */
async function connectionProblem(connectionString: string): Promise<string | null> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1_000 });
  client.on('error', () => {}); // a server still starting may drop the connection; the query reports it
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || String((error as { code?: unknown }).code) : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const binDir = findPostgresBinDir();
  if (binDir === null) throw new Error(`no PostgreSQL with pg_stat_statements under ${POSTGRES_LIB_ROOT}`);
  const user = serverUser();
  const root = await mkdtemp(join(tmpdir(), 'patroni-tuner-pg-'));
  if (user !== null) await chown(root, user.uid, user.gid);
  const dataDir = join(root, 'data');

  let server: ChildProcess | null = null;
  const stop = async () => {
    if (server === null || hasExited(server)) return;
    server.kill('SIGINT');
    if (!(await waitForExit(server, STOP_DEADLINE_MS))) {
      server.kill('SIGKILL');
      throw new Error(`PostgreSQL (pid ${server.pid}) did not exit within ${STOP_DEADLINE_MS} ms of SIGINT; killed`);
    }
  };
  const destroy = async () => {
    try {
      await stop();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };

  try {
    await run(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      cwd: root,
      user,
    });
    const port = await freeLoopbackPort();
    const settings = {
      listen_addresses: '127.0.0.1',
      shared_preload_libraries: 'pg_stat_statements',
      fsync: 'off', // a throwaway server need not survive a crash
    };
    const args = ['-D', dataDir, '-p', String(port), '-k', root];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const child = spawn(join(binDir, 'postgres'), args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    server = child;
    let log = '';
    const keepLog = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-LOG_TAIL_CHARS));
    child.stdout?.on('data', keepLog);
    child.stderr?.on('data', keepLog);
    const failedToSpawn: { error?: Error } = {};
    child.once('error', (error) => (failedToSpawn.error = error));

    const connectionString = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const deadline = Date.now() + READY_DEADLINE_MS;
    for (;;) {
      if (failedToSpawn.error !== undefined || hasExited(child)) {
        const how = failedToSpawn.error?.message ?? `exit ${child.exitCode ?? child.signalCode}`;
        throw new Error(`PostgreSQL exited before accepting connections on 127.0.0.1:${port} (${how}):\n${log}`);
      }
      const problem = await connectionProblem(connectionString);
      if (problem === null) return { connectionString, port, stop, destroy };
      if (Date.now() > deadline) {
        throw new Error(
          `PostgreSQL did not accept connections on 127.0.0.1:${port} within ${READY_DEADLINE_MS} ms (last error: ${problem}):\n${log}`,
        );
      }
      await delay(READY_POLL_INTERVAL_MS);
    }
  } catch (error) {
    await destroy();
    throw error;
  }
}
