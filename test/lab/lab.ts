import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseSettingRow, SETTINGS_SQL, type PgSetting, type PgSettingRow } from '@patroni-tuner/backend/harness';
import { patroniNodeConfig, type LabCredentials } from './patroni-config.js';
import { patroniExecutable, type PatroniFlavour } from './patroni-flavour.js';
import { freePorts } from './ports.js';
import { isAlive, lookupUser, signal, startProcess, stopPid, type OsUser } from './processes.js';
import { waitFor } from './wait.js';

/** Everything needed to find and stop a lab again, also from another process (`npm run lab`). */
export interface LabState {
  dir: string;
  scope: string;
  flavour: PatroniFlavour;
  detached: boolean;
  etcd: { clientPort: number; peerPort: number; pid: number };
  credentials: LabCredentials;
  nodes: LabNodeState[];
}

export interface LabNodeState {
  name: string;
  restPort: number;
  pgPort: number;
  dir: string;
  patroniPid: number | null;
}

export interface LabStartOptions {
  flavour: PatroniFlavour;
  /** Processes outlive this Node process (for `npm run lab -- up`). */
  detached?: boolean;
  nodeCount?: number;
  /** Progress lines, e.g. console.log for the CLI. */
  log?: (line: string) => void;
}

/** A member as Patroni's GET /cluster reports it (only the fields the lab reads). */
interface ClusterMemberJson {
  name: string;
  role: string;
  state: string;
  lag?: number | string;
  timeline?: number;
}

const ETCD_BIN = '/usr/bin/etcd';
const STARTUP_TIMEOUT_MS = 180_000;

/**
 * A real etcd + N Patroni/PostgreSQL nodes on loopback, in a temporary folder, on free ports.
 * Only the processes it started are ever signalled, by pid.
 */
export class Lab {
  private readonly user: OsUser = lookupUser('postgres');

  private constructor(readonly state: LabState) {}

  static attach(state: LabState): Lab {
    return new Lab(state);
  }

  static async start(options: LabStartOptions): Promise<Lab> {
    const log = options.log ?? (() => undefined);
    const nodeCount = options.nodeCount ?? 3;
    const patroniBin = patroniExecutable(options.flavour);
    const user = lookupUser('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'patroni-tuner-lab-'));
    chownSync(dir, user.uid, user.gid);
    const [clientPort, peerPort, ...nodePorts] = await freePorts(2 + 2 * nodeCount);
    const secret = () => randomBytes(12).toString('hex');
    const credentials: LabCredentials = {
      restApi: { username: 'patroni', password: secret() },
      superuser: { username: 'postgres', password: secret() },
      replication: { username: 'replicator', password: secret() },
      rewind: { username: 'rewind_user', password: secret() },
    };
    const state: LabState = {
      dir,
      scope: `lab-${randomBytes(3).toString('hex')}`,
      flavour: options.flavour,
      detached: options.detached ?? false,
      etcd: { clientPort: clientPort!, peerPort: peerPort!, pid: 0 },
      credentials,
      nodes: Array.from({ length: nodeCount }, (_, i) => ({
        name: `node${i + 1}`,
        restPort: nodePorts[2 * i]!,
        pgPort: nodePorts[2 * i + 1]!,
        dir: join(dir, `node${i + 1}`),
        patroniPid: null,
      })),
    };
    const lab = new Lab(state);
    try {
      log(`lab: etcd on 127.0.0.1:${clientPort} (data in ${dir})`);
      lab.startEtcd();
      await waitFor(() => lab.etcdHealthy(), { what: 'etcd to answer /health', timeoutMs: 30_000 });
      for (const node of state.nodes) {
        mkdirSync(node.dir, { mode: 0o700 });
        chownSync(node.dir, user.uid, user.gid);
        const config = patroniNodeConfig({
          scope: state.scope,
          name: node.name,
          etcdPort: state.etcd.clientPort,
          restPort: node.restPort,
          pgPort: node.pgPort,
          nodeDir: node.dir,
          credentials,
        });
        writeFileSync(join(node.dir, 'patroni.yml'), JSON.stringify(config, null, 2), { mode: 0o600 });
        chownSync(join(node.dir, 'patroni.yml'), user.uid, user.gid);
      }
      // The first node bootstraps alone, so the leader is predictable and replicas clone from it.
      const [first, ...rest] = state.nodes;
      log(`lab: starting ${first!.name} (Patroni ${options.flavour}) and bootstrapping the cluster`);
      lab.startPatroniProcess(first!, patroniBin);
      await waitFor(async () => (await lab.leaderName()) === first!.name, {
        what: `${first!.name} to bootstrap and take the leader lock`,
        timeoutMs: STARTUP_TIMEOUT_MS,
      });
      for (const node of rest) {
        log(`lab: starting ${node.name}`);
        lab.startPatroniProcess(node, patroniBin);
      }
      await lab.waitHealthy(STARTUP_TIMEOUT_MS);
      await lab.sql(first!.name, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      log(`lab: up — leader ${first!.name}, ${rest.length} streaming replicas`);
      return lab;
    } catch (err) {
      await lab.stop().catch(() => undefined);
      throw err;
    }
  }

  node(name: string): LabNodeState {
    const node = this.state.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no lab node named ${name}`);
    return node;
  }

  restUrl(name: string): string {
    return `http://127.0.0.1:${this.node(name).restPort}`;
  }

  /** Connection string of a node's PostgreSQL as the superuser. */
  databaseUrl(name: string, database = 'postgres'): string {
    const { username, password } = this.state.credentials.superuser;
    return `postgres://${username}:${password}@127.0.0.1:${this.node(name).pgPort}/${database}`;
  }

  get restAuthHeader(): string {
    const { username, password } = this.state.credentials.restApi;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  /** GET /cluster from the first member that answers. */
  async cluster(): Promise<{ members: ClusterMemberJson[]; [key: string]: unknown }> {
    let lastError: unknown = new Error('no lab node');
    for (const node of this.state.nodes) {
      try {
        return (await this.getJson(node.name, '/cluster')) as { members: ClusterMemberJson[] };
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  async getJson(name: string, path: string): Promise<unknown> {
    const response = await fetch(`${this.restUrl(name)}${path}`, { signal: AbortSignal.timeout(3_000) });
    const body = await response.text();
    if (!response.ok && path !== '/patroni') throw new Error(`GET ${path} on ${name}: ${response.status} ${body}`);
    return JSON.parse(body);
  }

  async leaderName(): Promise<string | null> {
    const cluster = await this.cluster();
    const leader = cluster.members.find((m) => m.role === 'leader' && m.state === 'running');
    return leader?.name ?? null;
  }

  /** Waits for one running leader and every other member replicating with a known lag. */
  async waitHealthy(timeoutMs = 120_000): Promise<string> {
    return waitFor(
      async () => {
        const { members } = await this.cluster();
        const leader = members.find((m) => m.role === 'leader' && m.state === 'running');
        const replicas = members.filter(
          (m) => m.role !== 'leader' && ['running', 'streaming'].includes(m.state) && typeof m.lag === 'number',
        );
        if (!leader || replicas.length !== this.state.nodes.length - 1) return false;
        const status = (await this.getJson(leader.name, '/patroni')) as { replication?: unknown[] };
        return (status.replication?.length ?? 0) === replicas.length ? leader.name : false;
      },
      { what: `one leader and ${this.state.nodes.length - 1} streaming replicas`, timeoutMs },
    );
  }

  async sql(name: string, text: string, params: unknown[] = [], database = 'postgres'): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: this.databaseUrl(name, database), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return await client.query(text, params);
    } finally {
      await client.end();
    }
  }

  /** Every pg_settings row of a node's PostgreSQL, typed as the agent reads them. */
  async settings(name: string): Promise<PgSetting[]> {
    return ((await this.sql(name, SETTINGS_SQL)).rows as PgSettingRow[]).map(parseSettingRow);
  }

  /** POST /switchover; resolves once Patroni says it switched over. */
  async switchover(leader: string, candidate: string): Promise<void> {
    const response = await fetch(`${this.restUrl(leader)}/switchover`, {
      method: 'POST',
      headers: { authorization: this.restAuthHeader, 'content-type': 'application/json' },
      body: JSON.stringify({ leader, candidate }),
      signal: AbortSignal.timeout(90_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`switchover ${leader} → ${candidate}: ${response.status} ${text}`);
  }

  /** Stops a node's Patroni with SIGTERM; Patroni shuts its PostgreSQL down first. */
  async stopPatroni(name: string): Promise<void> {
    const node = this.node(name);
    if (node.patroniPid !== null) await stopPid(node.patroniPid, 'SIGTERM', 60_000);
    node.patroniPid = null;
    await this.stopLeftoverPostmaster(node);
  }

  async startPatroni(name: string): Promise<void> {
    const node = this.node(name);
    if (node.patroniPid !== null && isAlive(node.patroniPid)) throw new Error(`${name}'s Patroni is already running`);
    this.startPatroniProcess(node, patroniExecutable(this.state.flavour));
  }

  /** SIGKILL of a node's Patroni and its postmaster: a crash, as a failover test needs. */
  killNode(name: string): void {
    const node = this.node(name);
    if (node.patroniPid !== null) signal(node.patroniPid, 'SIGKILL');
    const postmaster = this.postmasterPid(node);
    if (postmaster !== null) signal(postmaster, 'SIGKILL');
    node.patroniPid = null;
  }

  /** SIGKILL of a node's postmaster only (Patroni keeps running): PostgreSQL crashed. */
  killPostmaster(name: string): number {
    const postmaster = this.postmasterPid(this.node(name));
    if (postmaster === null) throw new Error(`${name} has no running postmaster`);
    signal(postmaster, 'SIGKILL');
    return postmaster;
  }

  /** SIGKILL of etcd (the DCS goes away at once, as in a crash); its data directory is kept for startEtcdAgain. */
  async killEtcd(): Promise<void> {
    const { pid } = this.state.etcd;
    if (pid <= 0 || !isAlive(pid)) throw new Error('etcd is not running');
    await stopPid(pid, 'SIGKILL', 10_000);
    this.state.etcd.pid = 0;
  }

  /** Starts etcd again on its ports and data after killEtcd; resolves once it answers /health. */
  async startEtcdAgain(): Promise<void> {
    if (this.state.etcd.pid > 0 && isAlive(this.state.etcd.pid)) throw new Error('etcd is already running');
    this.startEtcd();
    await waitFor(() => this.etcdHealthy(), { what: 'etcd to answer /health again', timeoutMs: 30_000 });
  }

  postmasterPid(node: LabNodeState): number | null {
    const pidFile = join(node.dir, 'data', 'postmaster.pid');
    if (!existsSync(pidFile)) return null;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
  }

  /** Stops every process the lab started (replicas first, so no failover churn) and removes its folder. */
  async stop(): Promise<void> {
    const leader = await this.leaderName().catch(() => null);
    const order = [...this.state.nodes].sort((a, b) => Number(a.name === leader) - Number(b.name === leader));
    for (const node of order) await this.stopPatroni(node.name);
    if (this.state.etcd.pid > 0) await stopPid(this.state.etcd.pid, 'SIGTERM', 15_000);
    rmSync(this.state.dir, { recursive: true, force: true });
  }

  private async stopLeftoverPostmaster(node: LabNodeState): Promise<void> {
    const postmaster = this.postmasterPid(node);
    // SIGINT is PostgreSQL's fast shutdown.
    if (postmaster !== null) await stopPid(postmaster, 'SIGINT', 30_000);
  }

  private startEtcd(): void {
    const { clientPort, peerPort } = this.state.etcd;
    const etcdDir = join(this.state.dir, 'etcd');
    this.state.etcd.pid = startProcess({
      command: ETCD_BIN,
      args: [
        '--name', 'lab',
        '--data-dir', etcdDir,
        '--listen-client-urls', `http://127.0.0.1:${clientPort}`,
        '--advertise-client-urls', `http://127.0.0.1:${clientPort}`,
        '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-cluster', `lab=http://127.0.0.1:${peerPort}`,
        '--log-level', 'warn',
      ],
      logFile: join(this.state.dir, 'etcd.log'),
      user: this.user,
      env: { PATH: process.env.PATH, HOME: this.state.dir },
      cwd: this.state.dir,
      detached: this.state.detached,
    });
  }

  private async etcdHealthy(): Promise<boolean> {
    const response = await fetch(`http://127.0.0.1:${this.state.etcd.clientPort}/health`, {
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok;
  }

  private startPatroniProcess(node: LabNodeState, patroniBin: string): void {
    node.patroniPid = startProcess({
      command: patroniBin,
      args: [join(node.dir, 'patroni.yml')],
      logFile: join(node.dir, 'patroni.log'),
      user: this.user,
      env: { PATH: `/usr/bin:/bin`, HOME: node.dir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
      cwd: node.dir,
      detached: this.state.detached,
    });
  }
}
