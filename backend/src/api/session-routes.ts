/** The session API of DESIGN.md §3; requests and answers are the contract's schemas, unknown fields are refused. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { formatDuration, parseDuration } from '../config/duration.js';
import {
  AcknowledgeBody,
  MAX_APPROVAL_TIMEOUT_MS,
  MIN_APPROVAL_TIMEOUT_MS,
  CommandView,
  Forwarded,
  SessionAcknowledged,
  SessionDetail,
  IdParams,
  SessionList,
  SessionStarted,
  SessionStopping,
  StartSessionBody,
} from '../contract/sessions.js';
import type { SessionRecord } from '../model/records.js';
import type { DetectedHalt, SessionApi } from '../tuning/session/types.js';
import { requireToken } from './auth.js';
import { noBodyIsEmptyObject } from './body-parsers.js';
import { ApiError, ERROR_RESPONSES } from './errors.js';
import { commandView, failoverView, sessionDetailView, sessionView } from './session-views.js';

export interface SessionRouteOptions {
  sessions: SessionApi;
  apiToken: string | null;
  /** Names a session may tune: checked here so a bad knob is a 400 naming it, before anything else. */
  knobNames: () => Promise<{ tunable: ReadonlySet<string>; excluded: ReadonlyMap<string, string> }>;
  /** The halt this agent detected that a session's record does not show yet (SessionManager.detectedHalt). */
  detectedHalt: (session: SessionRecord) => DetectedHalt | null;
}

/** Recorded when the caller does not say who acknowledges. */
const DEFAULT_ACKNOWLEDGER = 'api';

const MUTATION = 'Needs `Authorization: Bearer <TUNER_API_TOKEN>`.';
const security = [{ bearer: [] }];

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRouteOptions> = async (app, { sessions, apiToken, knobNames, detectedHalt }) => {
  const authenticate = requireToken(apiToken);
  const view = (session: SessionRecord) => sessionView(session, detectedHalt(session));
  const tags = ['sessions'];

  app.get('/api/v1/sessions', { schema: { tags, summary: 'Sessions, newest first', response: { 200: SessionList, ...ERROR_RESPONSES } } }, async () => ({
    sessions: (await sessions.list()).map(view),
  }));

  app.get(
    '/api/v1/sessions/:id',
    { schema: { tags, summary: 'One session with its history and failover state', params: IdParams, response: { 200: SessionDetail, ...ERROR_RESPONSES } } },
    async (request) => {
      const detail = await sessions.get(request.params.id);
      return sessionDetailView(detail, detectedHalt(detail.session));
    },
  );

  app.post(
    '/api/v1/sessions',
    {
      schema: {
        tags,
        summary: 'Start a session',
        description: `201 on the leader's agent, 202 with the forwarded command elsewhere. The body may be left out. ${MUTATION}`,
        security,
        body: StartSessionBody,
        response: { 201: SessionStarted, 202: Forwarded, ...ERROR_RESPONSES },
      },
      preValidation: [authenticate, noBodyIsEmptyObject],
    },
    async (request, reply) => {
      const { approvalTimeout, ...body } = request.body;
      if (body.knobs !== undefined) await checkKnobs(body.knobs, knobNames);
      const outcome = await sessions.start({ ...body, ...(approvalTimeout !== undefined ? { approvalTimeoutMs: approvalTimeoutMs(approvalTimeout) } : {}) });
      if (outcome.executed) return reply.status(201).send({ session: view(outcome.session) });
      return reply.status(202).send({ command: commandView(outcome.command), leader: outcome.leader });
    },
  );

  app.post(
    '/api/v1/sessions/:id/stop',
    {
      schema: {
        tags,
        summary: 'Stop a running session',
        description: `It ends on its best configuration or the baseline. ${MUTATION}`,
        security,
        params: IdParams,
        response: { 202: Type.Union([SessionStopping, Forwarded]), ...ERROR_RESPONSES },
      },
      preValidation: authenticate,
    },
    async (request, reply) => {
      const outcome = await sessions.stop(request.params.id);
      if (outcome.executed) return reply.status(202).send({ session: view(outcome.session), stopping: true as const });
      return reply.status(202).send({ command: commandView(outcome.command), leader: outcome.leader });
    },
  );

  app.post(
    '/api/v1/sessions/:id/acknowledge',
    {
      schema: {
        tags,
        summary: 'A person acknowledges a failover halt',
        description: `200 on the leader's agent, 202 with the forwarded command elsewhere. The body may be left out. ${MUTATION}`,
        params: IdParams,
        security,
        body: AcknowledgeBody,
        response: { 200: SessionAcknowledged, 202: Forwarded, ...ERROR_RESPONSES },
      },
      preValidation: [authenticate, noBodyIsEmptyObject],
    },
    async (request, reply) => {
      const body = request.body;
      const outcome = await sessions.acknowledge(request.params.id, body.by ?? DEFAULT_ACKNOWLEDGER, { force: body.force === true });
      if (outcome.executed) return reply.status(200).send({ session: view(outcome.session), failover: failoverView(outcome.failover) });
      return reply.status(202).send({ command: commandView(outcome.command), leader: outcome.leader });
    },
  );

  app.get(
    '/api/v1/commands/:id',
    { schema: { tags, summary: 'A forwarded request and its outcome', params: IdParams, response: { 200: CommandView, ...ERROR_RESPONSES } } },
    async (request) => ({ command: commandView(await sessions.command(request.params.id)) }),
  );
};

/** The start option approvalTimeout in ms; 400 naming it when a duration is out of bounds. */
function approvalTimeoutMs(value: number | string): number {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === null || ms < MIN_APPROVAL_TIMEOUT_MS || ms > MAX_APPROVAL_TIMEOUT_MS) {
    throw new ApiError('invalid_request', `body/approvalTimeout must be between ${formatDuration(MIN_APPROVAL_TIMEOUT_MS)} and ${formatDuration(MAX_APPROVAL_TIMEOUT_MS)}`);
  }
  return ms;
}

async function checkKnobs(knobs: readonly string[], knobNames: SessionRouteOptions['knobNames']): Promise<void> {
  const { tunable, excluded } = await knobNames();
  for (const name of knobs) {
    if (tunable.has(name)) continue;
    const reason = excluded.get(name);
    const message = reason ? `body/knobs: ${name} is excluded from tuning (${reason})` : `body/knobs: unknown parameter ${name}`;
    throw new ApiError('invalid_request', message);
  }
}
