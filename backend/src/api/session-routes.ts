/** The session API of DESIGN.md §3. Bodies are checked by JSON schema; unknown fields are refused. */
import type { FastifyInstance } from 'fastify';
import { formatDuration, parseDuration } from '../config/duration.js';
import type { SessionRecord } from '../store/records.js';
import type { DetectedHalt } from '../tuning/session/detected-halt.js';
import type { SessionService } from '../tuning/session/service.js';
import { requireToken } from './auth.js';
import { ApiError } from './errors.js';
import { sessionView } from './views.js';

export interface SessionRouteOptions {
  sessions: SessionService;
  apiToken: string | null;
  /** Names a session may tune: checked here so a bad knob is a 400 naming it, before anything else. */
  knobNames: () => Promise<{ tunable: ReadonlySet<string>; excluded: ReadonlyMap<string, string> }>;
  /** The halt this agent detected that a session's record does not show yet (SessionManager.detectedHalt). */
  detectedHalt: (session: SessionRecord) => DetectedHalt | null;
}

const MIN_APPROVAL_TIMEOUT_MS = 1_000;
/** A week: a change older than that describes a workload that is gone. */
const MAX_APPROVAL_TIMEOUT_MS = 7 * 24 * 3_600_000;

const startBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    iterations: { type: 'integer', minimum: 1, maximum: 200 },
    iterationSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
    warmupSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
    objective: { type: 'string', enum: ['mean_query_time', 'throughput'] },
    knobs: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, maxItems: 100 },
    seed: { type: 'integer', minimum: 0, maximum: 2147483647 },
    /** `each`: every configuration waits for a person's approval (DESIGN.md §4 rule 13). */
    approval: { type: 'string', enum: ['none', 'each'] },
    /** How long a pending change waits for a decision: milliseconds, or a duration such as `30m` or `1h`. */
    approvalTimeout: {
      anyOf: [
        { type: 'integer', minimum: MIN_APPROVAL_TIMEOUT_MS, maximum: MAX_APPROVAL_TIMEOUT_MS },
        { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)$' },
      ],
    },
  },
} as const;

const acknowledgeBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** Who acknowledges (a person's name or login); recorded with the acknowledgement. */
    by: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    /** Needed when the failover protocol gave up restoring the baseline; recorded with the acknowledgement. */
    force: { type: 'boolean' },
  },
} as const;

/** Recorded when the caller does not say who acknowledges. */
const DEFAULT_ACKNOWLEDGER = 'api';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

interface StartBody {
  iterations?: number;
  iterationSeconds?: number;
  warmupSeconds?: number;
  objective?: 'mean_query_time' | 'throughput';
  knobs?: string[];
  seed?: number;
  approval?: 'none' | 'each';
  approvalTimeout?: number | string;
}

export async function sessionRoutes(app: FastifyInstance, { sessions, apiToken, knobNames, detectedHalt }: SessionRouteOptions): Promise<void> {
  const authenticate = requireToken(apiToken);
  const view = (session: SessionRecord) => sessionView(session, detectedHalt(session));

  app.get('/api/v1/sessions', async () => ({ sessions: (await sessions.list()).map(view) }));

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id', { schema: { params: idParams } }, async (request) => {
    const detail = await sessions.get(request.params.id);
    return { ...detail, session: view(detail.session) };
  });

  app.post<{ Body: StartBody }>(
    '/api/v1/sessions',
    { schema: { body: startBody }, preValidation: authenticate },
    async (request, reply) => {
      const { approvalTimeout, ...body } = request.body ?? {};
      if (body.knobs !== undefined) await checkKnobs(body.knobs, knobNames);
      const outcome = await sessions.start({ ...body, ...(approvalTimeout !== undefined ? { approvalTimeoutMs: approvalTimeoutMs(approvalTimeout) } : {}) });
      if (outcome.executed) return reply.status(201).send({ session: outcome.session });
      return reply.status(202).send({ command: outcome.command, leader: outcome.leader });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/sessions/:id/stop',
    { schema: { params: idParams }, preValidation: authenticate },
    async (request, reply) => {
      const outcome = await sessions.stop(request.params.id);
      if (outcome.executed) return reply.status(202).send({ session: outcome.session, stopping: true });
      return reply.status(202).send({ command: outcome.command, leader: outcome.leader });
    },
  );

  app.post<{ Params: { id: string }; Body: { by?: string; force?: boolean } }>(
    '/api/v1/sessions/:id/acknowledge',
    { schema: { params: idParams, body: acknowledgeBody }, preValidation: authenticate },
    async (request, reply) => {
      const body = request.body ?? {};
      const outcome = await sessions.acknowledge(request.params.id, body.by ?? DEFAULT_ACKNOWLEDGER, { force: body.force === true });
      if (outcome.executed) return reply.status(200).send({ session: outcome.session, failover: outcome.failover });
      return reply.status(202).send({ command: outcome.command, leader: outcome.leader });
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/commands/:id', { schema: { params: idParams } }, async (request) => ({
    command: await sessions.command(request.params.id),
  }));
}

/** The start option approvalTimeout in ms; 400 naming it when a duration is out of bounds. */
function approvalTimeoutMs(value: number | string): number {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === null || ms < MIN_APPROVAL_TIMEOUT_MS || ms > MAX_APPROVAL_TIMEOUT_MS) {
    throw new ApiError(400, 'invalid_request', `body/approvalTimeout must be between ${formatDuration(MIN_APPROVAL_TIMEOUT_MS)} and ${formatDuration(MAX_APPROVAL_TIMEOUT_MS)}`);
  }
  return ms;
}

async function checkKnobs(knobs: readonly string[], knobNames: SessionRouteOptions['knobNames']): Promise<void> {
  const { tunable, excluded } = await knobNames();
  for (const name of knobs) {
    if (tunable.has(name)) continue;
    const reason = excluded.get(name);
    const message = reason ? `body/knobs: ${name} is excluded from tuning (${reason})` : `body/knobs: unknown parameter ${name}`;
    throw new ApiError(400, 'invalid_request', message);
  }
}
