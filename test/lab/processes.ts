import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { waitFor } from './wait.js';

export interface OsUser {
  uid: number;
  gid: number;
  home: string;
}

/** Looks an OS user up in /etc/passwd (the lab runs PostgreSQL, which refuses root, as `postgres`). */
export function lookupUser(name: string): OsUser {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid, , home] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { uid: Number(uid), gid: Number(gid), home: home ?? '/' };
    }
  }
  throw new Error(`OS user ${name} not found in /etc/passwd; is the postgresql package installed?`);
}

export interface StartOptions {
  command: string;
  args: string[];
  logFile: string;
  user: OsUser;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Detached processes outlive the Node process that started them (`npm run lab -- up`). */
  detached: boolean;
}

/** Starts a process as `user` with stdout and stderr appended to `logFile`; returns its pid. */
export function startProcess(options: StartOptions): number {
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      uid: options.user.uid,
      gid: options.user.gid,
      stdio: ['ignore', log, log],
      detached: options.detached,
    });
    if (child.pid === undefined) throw new Error(`could not start ${options.command}`);
    // Reap the child when it exits so its pid does not linger as a zombie that looks alive.
    child.on('exit', () => undefined);
    child.on('error', () => undefined);
    if (options.detached) child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0; /proc tells it apart.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Sends `sig`, waits for the process to exit, and escalates to SIGKILL after `graceMs`. */
export async function stopPid(pid: number, sig: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<void> {
  if (!isAlive(pid)) return;
  signal(pid, sig);
  try {
    await waitFor(() => !isAlive(pid), { what: `pid ${pid} to exit after ${sig}`, timeoutMs: graceMs, intervalMs: 100 });
  } catch {
    signal(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), { what: `pid ${pid} to exit after SIGKILL`, timeoutMs: 10_000, intervalMs: 100 });
  }
}
