/**
 * A fake world for FailoverCoordinator tests: one clock (epoch ms, moved by hand), one in-memory
 * state store shared by every agent, and agents, each a coordinator beside one member with fake
 * restore/verify deps that record their calls. Nothing here waits on wall-clock time.
 */
import assert from 'node:assert/strict';
import type { ClusterObservation } from '../../../../src/observer/observation.js';
import type { ProbeResult } from '../../../../src/observer/probe.js';
import { normalizeNodeStatus } from '../../../../src/patroni/normalize.js';
import type { NodeStatus } from '../../../../src/patroni/responses.js';
import type { EventRecord, SessionOptions, SessionRecord } from '../../../../src/model/records.js';
import { MemoryStore } from '../../../../src/store/memory-store.js';
import type { NewEvent, Store } from '../../../../src/store/store.js';
import type { TopologyEvent } from '../../../../src/topology/diff.js';
import type { Topology } from '../../../../src/topology/model.js';
import { FailoverCoordinator } from '../../../../src/tuning/failover/coordinator.js';
import type { LocalRun } from '../../../../src/tuning/failover/protocol.js';
import type { ChangedKnob, FailoverAction, FailoverSettings } from '../../../../src/tuning/failover/index.js';
import { SessionRequestError } from '../../../../src/tuning/refusal.js';
import { readFixture } from '../../../fixtures/patroni/load.js';
import { shaped, T0 } from './support.js';

/** Short phases so a whole protocol run fits in a few fake seconds. */
export const SETTINGS: FailoverSettings = { stabilisationMs: 2_000, graceMs: 3_000, restoreBackoffMs: { initial: 500, max: 2_000 }, restoreMaxAttempts: 4 };
export const REVERIFY_MS = 10_000;
/** How often a phase in progress is saved by default here: beyond every test's horizon, so saves are only transitions. */
export const CHECKPOINT_MS = 60_000;

/** The scope of the recorded cluster, as the coordinator reads it from the topology. */
export const SCOPE: string = shaped({ leader: 'node1' }).scope ?? assert.fail('the recorded cluster has no scope');

export const PRIMARY_STATUS: NodeStatus = normalizeNodeStatus(readFixture('4.1.5', 'recorded/patroni-primary.json'));
export const REPLICA_STATUS: NodeStatus = normalizeNodeStatus(readFixture('4.1.5', 'recorded/patroni-replica.json'));

/** The leader's REST API not answering, as an agent beside a replica sees it. */
export const UNREACHABLE: ProbeResult<NodeStatus> = { ok: false, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:43627' };

const OPTIONS: SessionOptions = { iterations: 10, iterationSeconds: 60, warmupSeconds: 10, objective: 'mean_query_time', knobs: [], seed: 7 };

const WRITES = new Set([
  'createSession',
  'updateSession',
  'saveBaseline',
  'recordAutoconfRemoval',
  'insertIteration',
  'updateIteration',
  'recordPatch',
  'completePatch',
  'appendEvent',
  'beginFailover',
  'saveFailoverState',
  'insertCommand',
  'completeCommand',
]);

export function isWrite(method: string): boolean {
  return WRITES.has(method);
}

/**
 * The clocks and the state store every agent of a test shares. `t` is the wall clock, `mono` the
 * time that really passed (each agent reads it through its own origin, as processes do).
 */
export class World {
  t = T0;
  mono = 0;
  readonly store = new MemoryStore({ clock: () => new Date(this.t) });

  readonly now = (): number => this.t;

  /** Time passes until the wall clock reads T0 + `ms`. */
  at(ms: number): void {
    assert.ok(T0 + ms >= this.t, `the fake clock must not go back (to +${ms} from +${this.t - T0})`);
    this.mono += T0 + ms - this.t;
    this.t = T0 + ms;
  }

  /** The wall clock is stepped by `ms` (forward or back); no time passes. */
  stepWall(ms: number): void {
    this.t += ms;
  }

  /** A session of the recorded cluster's scope, executed by `executor`, in state running. */
  async runningSession(id: string, executor: string): Promise<SessionRecord> {
    await this.store.createSession({ id, scope: SCOPE, options: OPTIONS, executor });
    return this.store.updateSession(id, { state: 'running' });
  }

  async saveBaseline(sessionId: string): Promise<void> {
    await this.store.saveBaseline({ sessionId, dcsParameters: { work_mem: '4MB' }, effective: { work_mem: 4096 }, recordedAt: new Date(this.t) });
  }

  async events(sessionId: string): Promise<string[]> {
    return (await this.store.listEvents(sessionId)).map(describeEvent);
  }

  async revision(sessionId: string): Promise<number | null> {
    return (await this.store.getFailoverState(sessionId))?.revision ?? null;
  }
}

export interface RestoreCall {
  at: number;
  sessionId: string;
  members: string[];
  signal: AbortSignal;
}

export interface VerifyCall {
  at: number;
  sessionId: string;
  members: string[];
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  detail: Record<string, unknown>;
  message: string;
}

export interface PollOptions {
  /** The leader's own REST API as a replica's agent asks it; by default answering healthy (null beside the leader). */
  leader?: ProbeResult<NodeStatus> | null;
  events?: TopologyEvent[];
  /** How long after the poll's start (`at`) the coordinator sees it: detections are timed with `now`. */
  latencyMs?: number;
  /** The timeline this agent's own /patroni reports when it leads; the topology's by default. */
  nodeTimeline?: number | null;
}

/** One agent: a coordinator beside `self`, with recording fakes for every dep. */
export class Agent {
  readonly coordinator: FailoverCoordinator;
  readonly restores: RestoreCall[] = [];
  readonly verifications: VerifyCall[] = [];
  readonly logs: LogLine[] = [];
  /** Every store method this agent's coordinator called, in order. */
  readonly storeCalls: string[] = [];
  /** What localRun answers, per session id (null when absent: the agent never ran it). */
  readonly local = new Map<string, LocalRun>();
  /** How the restore dep answers; by default at once, with nothing unverified. */
  restore: (call: RestoreCall) => Promise<{ unverified: string[]; changedBySomeoneElse?: ChangedKnob[] }> = async () => ({ unverified: [] });
  /** How the verify dep answers; by default nothing verified. */
  verify: (call: VerifyCall) => Promise<string[]> = async () => [];
  /** Runs after each store call of the coordinator, before the result reaches it (e.g. a racing writer). */
  afterStoreCall: ((method: string, result: unknown) => Promise<void>) | null = null;

  constructor(
    readonly world: World,
    readonly self: string,
    options: {
      /** Where this agent's monotonic clock starts (a restarted process's clock has another origin). */
      monoOrigin?: number;
      checkpointIntervalMs?: number;
    } = {},
  ) {
    const monoOrigin = options.monoOrigin ?? 0;
    const log = (level: LogLine['level']) => (detail: Record<string, unknown>, message: string) => void this.logs.push({ level, detail, message });
    this.coordinator = new FailoverCoordinator({
      store: this.#spy(world.store),
      prepareStore: async () => undefined,
      restoreBaseline: (sessionId, members, signal) => {
        const call = { at: world.now(), sessionId, members: [...members], signal };
        this.restores.push(call);
        return this.restore(call).then((restored) => ({ changedBySomeoneElse: [], ...restored }));
      },
      verifiedMembers: (sessionId, members) => {
        const call = { at: world.now(), sessionId, members: [...members] };
        this.verifications.push(call);
        return this.verify(call);
      },
      // No session of these tests waits for an approval: nothing resumes after a restart.
      localRuns: { localRun: (sessionId) => this.local.get(sessionId) ?? null, resume: async () => false },
      now: world.now,
      monotonic: () => world.mono - monoOrigin,
      settings: SETTINGS,
      reverifyIntervalMs: REVERIFY_MS,
      checkpointIntervalMs: options.checkpointIntervalMs ?? CHECKPOINT_MS,
      log: { info: log('info'), warn: log('warn'), error: log('error') },
    });
  }

  /** An observation made by this agent at the current fake time. */
  observation(topology: Topology, options: PollOptions = {}): ClusterObservation {
    const leads = topology.leader === this.self;
    const leader = options.leader !== undefined ? options.leader : leads || topology.leader === null ? null : { ok: true as const, value: PRIMARY_STATUS };
    return {
      at: this.world.t,
      // A leader's own /patroni reports its PostgreSQL's timeline; /cluster may lag it (nodeTimeline).
      patroni: {
        ok: true,
        value: {
          node: { ...(leads ? { ...PRIMARY_STATUS, timeline: options.nodeTimeline ?? topology.timeline } : REPLICA_STATUS), name: this.self },
          topology,
        },
      },
      postgres: { ok: true, value: { inRecovery: !leads } },
      self: this.self,
      leader,
    };
  }

  /** Hands the coordinator one poll (its tick runs in the background) without waiting for it. */
  observe(topology: Topology, options: PollOptions = {}): void {
    const observation = this.observation(topology, options);
    this.world.t += options.latencyMs ?? 0;
    this.world.mono += options.latencyMs ?? 0;
    this.coordinator.observe(observation, options.events ?? []);
  }

  /** One poll, and the tick it started run to its end. */
  async poll(topology: Topology, options: PollOptions = {}): Promise<void> {
    this.observe(topology, options);
    await this.settle();
  }

  /**
   * Waits for the tick in progress. The coordinator has no public "wait" method, but ticks and
   * acknowledgements share one queue: an acknowledgement of an unknown session is queued behind the
   * tick and fails with 404 only once the tick has finished. A macrotask turn afterwards lets the
   * tick's own completion handlers (its warning on failure, the end of `ticking`) run too: every
   * fake dep and the MemoryStore settle on microtasks, so none of this depends on wall-clock time.
   */
  async settle(): Promise<void> {
    await this.coordinator.acknowledge('no-such-session', 'test-settle').then(
      () => assert.fail('acknowledging an unknown session succeeded'),
      (error: unknown) => {
        if (!(error instanceof SessionRequestError && error.code === 'session_not_found')) throw error;
      },
    );
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  warnings(): string[] {
    return this.logs.filter((line) => line.level === 'warn').map((line) => line.message);
  }

  /** The store, with every call recorded in `storeCalls` and `afterStoreCall` run before the answer. */
  #spy(store: Store): Store {
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        return async (...args: unknown[]) => {
          this.storeCalls.push(property);
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (this.afterStoreCall) await this.afterStoreCall(property, result);
          return result;
        };
      },
    });
  }
}

/** Polls `condition` between macrotasks, for a bounded number of turns (never on wall-clock time). */
export async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 1_000; turn++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  assert.fail(`never happened: ${what}`);
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Compact view of a stored event: `from→to:cause@+ms`, `requested#n@+ms by m`, `failed#n@+ms retry+ms` … */
export function describeEvent(event: EventRecord): string {
  const at = `@+${event.at.getTime() - T0}`;
  const detail = event.detail as Record<string, unknown>;
  switch (event.type) {
    case 'failover_phase_changed':
      return `${String(detail.from ?? '∅')}→${String(detail.to)}:${String(detail.cause)}${at}`;
    case 'failover_restore_requested':
      return `requested#${String(detail.attempt)}${at} by ${String(event.member)}`;
    case 'failover_restore_failed':
      return `failed#${String(detail.attempt)}${at} retry+${String(detail.backoffMs)}`;
    case 'failover_members_verified':
      return `verified ${(detail.members as string[]).join(',')}${at} remaining ${(detail.remaining as string[]).join(',') || '∅'}`;
    default:
      return `${event.type}${at}`;
  }
}

/** The machine's record_event actions as the store's events (as the coordinator stores them). */
export function storedEvents(actions: FailoverAction[]): NewEvent[] {
  return actions.flatMap((action) =>
    action.type === 'record_event'
      ? [{ sessionId: action.event.sessionId, at: new Date(action.event.at), type: action.event.type, member: action.event.member, detail: { ...action.event.detail } }]
      : [],
  );
}
