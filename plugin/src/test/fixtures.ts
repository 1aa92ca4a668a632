/** Agent answers shaped by the contract types, so a changed field breaks these fixtures' typecheck. */
import type {
  ClusterView,
  FailoverState,
  KnobsView,
  Member,
  PendingChangeRecord,
  RestoreProgress,
  SessionDetail,
} from '@patroni-tuner/backend/contract';
import type { ListedSession } from '../api/activity';

export function member(name: string, overrides: Partial<Member> = {}): Member {
  return {
    name,
    role: 'replica',
    health: 'up',
    state: 'streaming',
    isLeader: false,
    isSync: false,
    apiUrl: `http://127.0.0.1:8008/${name}`,
    host: '127.0.0.1',
    port: 5432,
    timeline: 3,
    lagBytes: 0,
    pendingRestart: false,
    tags: {},
    ...overrides,
  };
}

export function clusterView(scope: string, self: string, overrides: Partial<ClusterView> = {}): ClusterView {
  return {
    scope,
    self,
    leader: 'pg1',
    timeline: 3,
    paused: false,
    unlocked: false,
    members: [
      member('pg1', { role: 'primary', state: 'running', isLeader: true, lagBytes: null }),
      member('pg2', { lagBytes: 2048 }),
      member('pg3', { pendingRestart: true }),
    ],
    observedAt: '2026-12-05T08:00:00.000Z',
    postgres: { ok: true, inRecovery: self !== 'pg1' },
    patroniVersion: '4.1.0',
    recentEvents: [],
    ...overrides,
  };
}

export function listedSession(id: string, overrides: Partial<ListedSession> = {}): ListedSession {
  return {
    id,
    scope: 'main',
    state: 'running',
    options: {
      iterations: 20,
      iterationSeconds: 60,
      warmupSeconds: 10,
      objective: 'mean_query_time',
      knobs: [],
      seed: 1,
    },
    executor: 'pg1',
    createdAt: '2026-12-05T07:00:00Z',
    updatedAt: '2026-12-05T07:10:00Z',
    endedAt: null,
    result: null,
    reason: null,
    detectedHalt: null,
    ...overrides,
  };
}

export function sessionDetail(
  session: ListedSession,
  measured: number,
  overrides: Partial<SessionDetail> = {}
): SessionDetail {
  const iteration = (number: number): SessionDetail['iterations'][number] => ({
    sessionId: session.id,
    number,
    state: 'measured',
    reason: number === 0 ? 'baseline' : 'initial',
    candidate: {},
    parameters: {},
    verification: [],
    measurement: null,
    score: 1,
    verdicts: [],
    startedAt: '2026-12-05T07:00:00Z',
    endedAt: '2026-12-05T07:01:00Z',
    error: null,
  });
  return {
    session,
    baseline: null,
    autoconfRemovals: [],
    iterations: Array.from({ length: measured + 1 }, (_, n) => iteration(n)),
    patches: [],
    events: [],
    failover: null,
    pendingChanges: [],
    ...overrides,
  };
}

/**
 * The failover protocol's state for a session halted by a leader change from pg1 to pg2: stabilised, the
 * baseline restore not attempted yet, in `phase` (no end time unless `overrides` gives one). `overrides.restore`
 * is merged into the restore's progress.
 */
export function failoverState(
  sessionId: string,
  phase: FailoverState['phase'],
  { restore, ...overrides }: Partial<Omit<FailoverState, 'restore'>> & { restore?: Partial<RestoreProgress> } = {}
): FailoverState {
  return {
    sessionId,
    phase,
    phaseSince: '2026-12-05T07:02:00Z',
    phaseEndsAt: null,
    halt: {
      at: '2026-12-05T07:01:00Z',
      reason: 'leader changed from pg1 to pg2',
      events: [{ type: 'leader_changed', from: 'pg1', to: 'pg2' }],
      changedAt: '2026-12-05T07:00:58.500Z',
      detectionLatencyMs: 1500,
    },
    leader: { name: 'pg2', timeline: 3 },
    stableSince: '2026-12-05T07:01:30Z',
    stabilisedAt: '2026-12-05T07:02:00Z',
    restore: {
      attempts: 0,
      inFlight: null,
      failures: 0,
      nextAttemptAt: null,
      lastError: null,
      restoredAt: null,
      restoredBy: null,
      restoredAttempt: null,
      unverified: [],
      unresolved: null,
      changedBySomeoneElse: [],
      ...restore,
    },
    restarts: 0,
    acknowledgement: null,
    updatedAt: '2026-12-05T07:02:00Z',
    ...overrides,
  };
}

/** A model-proposed change awaiting review: work_mem off the baseline, random_page_cost off the best so far. */
export function pendingChange(sessionId: string, overrides: Partial<PendingChangeRecord> = {}): PendingChangeRecord {
  return {
    id: 7,
    sessionId,
    iteration: 4,
    reason: 'model',
    replaces: null,
    configuration: { work_mem: 8192, random_page_cost: 1.5, jit: false },
    parameters: { work_mem: '8192', random_page_cost: '1.5' },
    vsBaseline: { work_mem: { from: 4096, to: 8192 }, random_page_cost: { from: 4, to: 1.5 } },
    vsBest: { random_page_cost: { from: 2, to: 1.5 } },
    memory: {
      ok: true,
      detail: 'bound 1.1 GiB of 3.0 GiB',
      boundBytes: 1,
      limitBytes: 3,
      hostMemoryBytes: 4,
      boundBy: 'work_mem',
    },
    prediction: { score: 1.234, sd: 0.056 },
    createdAt: '2026-12-05T07:30:00Z',
    expiresAt: '2099-12-05T08:30:00Z',
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    changes: null,
    decisionReason: null,
    ...overrides,
  };
}

/** The knob catalogue: two numeric knobs and a bool tunable, two parameters excluded with their reasons. */
export function knobsView(): KnobsView {
  const common = {
    context: 'user',
    unit: null,
    source: 'default',
    pendingRestart: false,
    description: 'why this range',
  };
  return {
    host: {
      memoryBytes: 4 * 2 ** 30,
      cpus: 2,
      storage: 'ssd',
      storageInference: { kind: 'ssd', source: 'device', reason: 'rotational = 0' },
    },
    tunable: [
      {
        ...common,
        name: 'work_mem',
        unit: 'kB',
        vartype: 'integer',
        current: 4096,
        boot: 4096,
        pgMin: 64,
        pgMax: 2147483647,
        low: 1024,
        high: 262144,
        log: true,
        specials: [],
        display: { current: '4MB', low: '1MB', high: '256MB' },
      },
      {
        ...common,
        name: 'random_page_cost',
        vartype: 'real',
        current: 4,
        boot: 4,
        pgMin: 0,
        pgMax: 1.79e308,
        low: 1,
        high: 4,
        log: false,
        specials: [],
        display: { current: '4' },
      },
      {
        ...common,
        name: 'jit',
        vartype: 'bool',
        current: true,
        boot: true,
        choices: [true, false],
        display: { current: 'on' },
      },
    ],
    excluded: [
      { name: 'fsync', reason: 'durability', detail: 'turning it off risks data loss' },
      { name: 'shared_buffers', reason: 'restart_required', detail: '' },
    ],
  };
}

/**
 * One series as Grafana's Prometheus data source answers `/api/ds/query`: a data-plane frame (time and
 * value fields, the series' labels on the value field, the legend as displayNameFromDS).
 */
export function promSeriesFrame(labels: Record<string, string>, legend: string, points: Array<[number, number]>) {
  return {
    schema: {
      name: legend,
      meta: { type: 'timeseries-multi', typeVersion: [0, 1], custom: { resultType: 'matrix' } },
      fields: [
        { name: 'Time', type: 'time', typeInfo: { frame: 'time.Time' }, config: { interval: 5000 } },
        {
          name: 'Value',
          type: 'number',
          typeInfo: { frame: 'float64' },
          labels,
          config: { displayNameFromDS: legend },
        },
      ],
    },
    data: { values: [points.map(([time]) => time), points.map(([, value]) => value)] },
  };
}
