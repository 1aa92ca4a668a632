/**
 * Fakes for the watcher's two ports: a PatroniApi that answers from raw Patroni JSON (normalised on
 * every call, as the real client does) or fails with a given error, and a Queryable that answers
 * `pg_is_in_recovery()`. Both count their calls and can be held open by a gate, to test polls that
 * overlap.
 */
import type { PatroniApi } from '../../../src/patroni/client.js';
import { PatroniUnreachableError } from '../../../src/patroni/errors.js';
import { normalizeCluster, normalizeNodeStatus } from '../../../src/patroni/normalize.js';
import type { NodeStatus, PatroniConfig, TimelineSwitch } from '../../../src/patroni/responses.js';
import type { Queryable } from '../../../src/postgres/connection.js';
import { PostgresUnreachableError } from '../../../src/postgres/errors.js';
import type { Topology } from '../../../src/topology/model.js';

/** A promise opened from outside: `release()` lets everything that awaits it go on. */
export interface Gate {
  promise: Promise<void>;
  release(): void;
}

export function gate(): Gate {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

export const PATRONI_DOWN = () =>
  new PatroniUnreachableError('ECONNREFUSED', { method: 'GET', url: 'http://127.0.0.1:8008/patroni' });

export const POSTGRES_DOWN = () =>
  new PostgresUnreachableError('PostgreSQL unreachable: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:5432');

export class FakePatroni implements PatroniApi {
  /** Raw GET /patroni and GET /cluster bodies, as Patroni sends them. */
  nodeJson: unknown;
  clusterJson: unknown;
  /** When set, both calls reject with it. */
  error: Error | null = null;
  /** When set, both calls wait for it before answering. */
  gate: Promise<void> | null = null;
  readonly calls = { getNodeStatus: 0, getCluster: 0 };
  /** The fallbackScope argument of every getCluster call. */
  readonly fallbackScopes: Array<string | null | undefined> = [];

  constructor(nodeJson: unknown, clusterJson: unknown) {
    this.nodeJson = nodeJson;
    this.clusterJson = clusterJson;
  }

  /** Answers with these bodies from now on (and no longer fails). */
  answer(nodeJson: unknown, clusterJson: unknown): void {
    this.nodeJson = nodeJson;
    this.clusterJson = clusterJson;
    this.error = null;
  }

  async getNodeStatus(): Promise<NodeStatus> {
    this.calls.getNodeStatus += 1;
    await this.gate;
    if (this.error) throw this.error;
    return normalizeNodeStatus(this.nodeJson);
  }

  async getCluster(fallbackScope?: string | null): Promise<Topology> {
    this.calls.getCluster += 1;
    this.fallbackScopes.push(fallbackScope);
    await this.gate;
    if (this.error) throw this.error;
    return normalizeCluster(this.clusterJson, fallbackScope ?? null);
  }

  /** Raw GET /patroni bodies of other members by api_url; a URL not listed is unreachable. */
  readonly others = new Map<string, unknown>();
  readonly askedOthers: string[] = [];

  async getNodeStatusAt(apiUrl: string): Promise<NodeStatus> {
    this.askedOthers.push(apiUrl);
    const json = this.others.get(apiUrl);
    if (json === undefined) throw new PatroniUnreachableError('ECONNREFUSED', { method: 'GET', url: apiUrl });
    return normalizeNodeStatus(json);
  }

  getConfig(): Promise<PatroniConfig> {
    throw new Error('FakePatroni: getConfig is not used by the watcher');
  }

  getHistory(): Promise<TimelineSwitch[]> {
    throw new Error('FakePatroni: getHistory is not used by the watcher');
  }

  patchConfig(): Promise<PatroniConfig> {
    throw new Error('FakePatroni: patchConfig is not used by the watcher');
  }
}

/** Answers `SELECT pg_is_in_recovery() AS in_recovery` with `inRecovery`, or fails with `error`. */
export class FakePostgres implements Queryable {
  inRecovery = false;
  error: Error | null = null;
  gate: Promise<void> | null = null;
  readonly statements: string[] = [];

  async query<Row extends object>(sql: string): Promise<Row[]> {
    this.statements.push(sql);
    await this.gate;
    if (this.error) throw this.error;
    if (!/pg_is_in_recovery\(\)/.test(sql)) throw new Error(`FakePostgres: no answer for SQL:\n${sql}`);
    return [{ in_recovery: this.inRecovery }] as unknown as Row[];
  }
}

/** A settable clock for the watcher's `now`. */
export class FakeClock {
  #ms: number;

  constructor(iso: string) {
    this.#ms = Date.parse(iso);
  }

  readonly now = (): number => this.#ms;

  /** Moves the clock on by `ms` and returns the new time. */
  advance(ms: number): number {
    this.#ms += ms;
    return this.#ms;
  }
}

/** A copy of a raw /cluster body with `edit` applied to the copy. */
export function editedCluster(raw: unknown, edit: (cluster: RawCluster) => void): RawCluster {
  const copy = structuredClone(raw) as RawCluster;
  edit(copy);
  return copy;
}

export interface RawCluster {
  members: Array<Record<string, unknown> & { name: string }>;
  scope?: string;
  pause?: boolean;
  [key: string]: unknown;
}
