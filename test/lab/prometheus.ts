/**
 * A real Prometheus (Debian's package) with the project's provisioning/prometheus configuration and
 * rules, scraping a lab's agents and Patroni: for the alert integration test and the demo. Its own
 * folder, a port of its own, stopped by pid.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, stopPid } from './processes.js';
import { waitFor } from './wait.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
const PROVISIONING = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'provisioning', 'prometheus');

/** One scrape target: host:port, and the member it stands beside. */
export interface ScrapeTarget {
  address: string;
  member: string;
}

export interface PrometheusOptions {
  port: number;
  scope: string;
  agents: ScrapeTarget[];
  patroni: ScrapeTarget[];
  /** Scrape and rule evaluation interval, e.g. `1s` in tests (provisioning's is 15s). */
  interval?: string;
  /** Replaces every rule's `for` (short in tests, so alerts fire within seconds). */
  ruleFor?: string;
  /** Prometheus' own log goes here (default: its folder, removed on stop). */
  logFile?: string;
}

export interface PrometheusProcess {
  pid: number;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/** The file service discovery format of provisioning/prometheus/targets/*.yml (JSON is YAML). */
function targetsFile(scope: string, targets: ScrapeTarget[]): string {
  return JSON.stringify(targets.map((t) => ({ targets: [t.address], labels: { scope, member: t.member } })), null, 2);
}

/** The project's prometheus.yml and rules.yml, with the intervals and `for`s of `options`. */
export function writePrometheusConfig(dir: string, options: PrometheusOptions): string {
  let config = readFileSync(join(PROVISIONING, 'prometheus.yml'), 'utf8');
  let rules = readFileSync(join(PROVISIONING, 'rules.yml'), 'utf8');
  if (options.interval) config = config.replace(/^(\s+(?:scrape|evaluation)_interval:) \S+$/gm, `$1 ${options.interval}`);
  if (options.ruleFor) rules = rules.replace(/^(\s+for:) \S+$/gm, `$1 ${options.ruleFor}`);
  mkdirSync(join(dir, 'targets'), { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config);
  writeFileSync(join(dir, 'rules.yml'), rules);
  writeFileSync(join(dir, 'targets', 'agents.yml'), targetsFile(options.scope, options.agents));
  writeFileSync(join(dir, 'targets', 'patroni.yml'), targetsFile(options.scope, options.patroni));
  return configFile;
}

/** Starts Prometheus and waits until it is ready and every target has been scraped once. */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusProcess> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} is missing: bash scripts/install-deps installs Debian's prometheus`);
  const dir = mkdtempSync(join(tmpdir(), 'patroni-tuner-prometheus-'));
  const configFile = writePrometheusConfig(dir, options);
  const log = openSync(options.logFile ?? join(dir, 'prometheus.log'), 'a');
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--storage.tsdb.retention.time=1d',
    ],
    { cwd: dir, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${PROMETHEUS_BIN}`);
  child.on('exit', () => undefined);
  const pid = child.pid;
  const url = `http://127.0.0.1:${options.port}`;
  const prometheus: PrometheusProcess = {
    pid,
    url,
    dir,
    async stop() {
      await stopPid(pid, 'SIGTERM', 15_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      async () => {
        if (!isAlive(pid)) throw new Error(`prometheus exited: ${readLog(options.logFile ?? join(dir, 'prometheus.log'))}`);
        const { data } = await prometheusGet<{ activeTargets: Array<{ health: string; scrapeUrl: string }> }>(url, '/api/v1/targets');
        const expected = options.agents.length + options.patroni.length;
        return data.activeTargets.length === expected && data.activeTargets.every((t) => t.health === 'up');
      },
      { what: `Prometheus on port ${options.port} to scrape every agent and Patroni`, timeoutMs: 60_000, intervalMs: 500 },
    );
  } catch (error) {
    await prometheus.stop();
    throw error;
  }
  return prometheus;
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

/** GET on Prometheus' HTTP API; throws on anything but `status: success`. */
export async function prometheusGet<T>(url: string, path: string, params: Record<string, string> = {}): Promise<{ data: T }> {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${url}${path}${query ? `?${query}` : ''}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data: T; error?: string; errorType?: string };
  if (body.status !== 'success') throw new Error(`Prometheus ${path} ${params.query ?? ''}: ${body.errorType}: ${body.error}`);
  return { data: body.data };
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

export async function activeAlerts(url: string): Promise<PrometheusAlert[]> {
  return (await prometheusGet<{ alerts: PrometheusAlert[] }>(url, '/api/v1/alerts')).data.alerts;
}
