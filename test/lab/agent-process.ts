import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from './lab.js';
import { freePort } from './ports.js';
import { isAlive, stopPid } from './processes.js';
import { waitFor } from './wait.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AGENT_MAIN = join(REPO, 'backend', 'src', 'main.ts');
/** The agent `npm run build` compiles: plain JavaScript, no tsx. */
export const BUILT_AGENT_MAIN = join(REPO, 'backend', 'dist', 'main.js');

export interface AgentProcess {
  pid: number;
  url: string;
  /** Everything the agent printed, for assertions and for failure messages. */
  output(): string;
  exitCode(): number | null;
  stop(): Promise<void>;
  /** SIGKILL, as a crash: the agent gets no chance to clean up. Resolves once it is gone. */
  kill(): Promise<void>;
}

/** Environment for an agent beside `node` of the lab (fast polling unless overridden). */
export function agentEnvFor(lab: Lab, node: string, extra: Record<string, string> = {}): Record<string, string> {
  const { restApi } = lab.state.credentials;
  return {
    TUNER_PATRONI_URL: lab.restUrl(node),
    TUNER_DATABASE_URL: lab.databaseUrl(node),
    TUNER_PATRONI_USERNAME: restApi.username,
    TUNER_PATRONI_PASSWORD: restApi.password,
    TUNER_POLL_INTERVAL: '500ms',
    ...extra,
  };
}

export interface StartAgentOptions {
  /** false: return at once (for agents expected to exit). */
  waitReady?: boolean;
  inheritOutput?: boolean;
  /** Run the built agent (`backend/dist/main.js`, after `npm run build`) instead of the sources through tsx. */
  built?: boolean;
  /** A fixed port (the demo's); default a free one. */
  port?: number;
}

/**
 * Starts the real agent (`backend/src/main.ts`, or the built one) as a child process on a free port
 * and waits until it answers /healthz.
 */
export async function startAgent(
  env: Record<string, string>,
  { waitReady = true, inheritOutput = false, built = false, port: fixedPort }: StartAgentOptions = {},
): Promise<AgentProcess> {
  const port = fixedPort ?? (await freePort());
  const args = built ? [BUILT_AGENT_MAIN] : ['--import', 'tsx', AGENT_MAIN];
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { PATH: process.env.PATH, TUNER_LISTEN: `127.0.0.1:${port}`, TUNER_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', inheritOutput ? 'inherit' : 'pipe', inheritOutput ? 'inherit' : 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start the agent');
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) => child.on('exit', (code) => ((exitCode = code ?? -1), resolve())));
  const pid = child.pid;
  const agent: AgentProcess = {
    pid,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exitCode: () => exitCode,
    async stop() {
      if (exitCode === null && isAlive(pid)) {
        await stopPid(pid, 'SIGTERM', 15_000);
        await exited;
      }
    },
    async kill() {
      if (exitCode === null && isAlive(pid)) {
        await stopPid(pid, 'SIGKILL', 15_000);
        await exited;
      }
    },
  };
  if (waitReady) {
    try {
      await waitFor(
        async () => {
          if (exitCode !== null) throw new Error(`agent exited with ${exitCode}: ${output.trim()}`);
          return (await fetch(`${agent.url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
        },
        { what: `the agent on port ${port} to answer /healthz`, timeoutMs: 30_000 },
      );
    } catch (error) {
      await agent.stop();
      throw error;
    }
  }
  return agent;
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as T };
}

/** POSTs `body` as JSON with the bearer `token` (no Authorization header when null); the answer's status and JSON body. */
export async function postJson(url: string, body: unknown, token: string | null): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export async function getText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.text();
}
