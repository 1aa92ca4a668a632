/**
 * Approval mode's API (DESIGN.md §4 rule 13): the change a session awaits a decision on, and a
 * person's approval (with adjusted values) or rejection. On a replica's agent a decision is recorded
 * as a command for the leader's agent, like every other mutation.
 */
import type { FastifyInstance } from 'fastify';
import type { ParameterValue } from '../store/records.js';
import type { DecisionOutcome, SessionService } from '../tuning/session/service.js';
import { requireToken } from './auth.js';

export interface ApprovalRouteOptions {
  sessions: SessionService;
  apiToken: string | null;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

/** Who decides: a person's name or login, recorded with the decision. */
const by = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } as const;

const approveBody = {
  type: 'object',
  additionalProperties: false,
  required: ['by'],
  properties: {
    by,
    /** Adjusted values in pg_settings units, over the pending configuration; validated like any candidate. */
    changes: {
      type: 'object',
      maxProperties: 100,
      additionalProperties: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 1000 }, { type: 'boolean' }] },
    },
  },
} as const;

const rejectBody = {
  type: 'object',
  additionalProperties: false,
  required: ['by'],
  properties: { by, reason: { type: 'string', maxLength: 2000 } },
} as const;

export interface ApproveBody {
  by: string;
  changes?: Record<string, ParameterValue>;
}

export interface RejectBody {
  by: string;
  reason?: string;
}

export async function approvalRoutes(app: FastifyInstance, { sessions, apiToken }: ApprovalRouteOptions): Promise<void> {
  const authenticate = requireToken(apiToken);
  const answer = (outcome: DecisionOutcome) =>
    outcome.executed ? { status: 200, body: { pendingChange: outcome.pendingChange } } : { status: 202, body: { command: outcome.command, leader: outcome.leader } };

  app.get<{ Params: { id: string } }>('/api/v1/sessions/:id/pending', { schema: { params: idParams } }, async (request) => ({
    pendingChange: await sessions.pendingChange(request.params.id),
  }));

  app.post<{ Params: { id: string }; Body: ApproveBody }>(
    '/api/v1/sessions/:id/pending/approve',
    { schema: { params: idParams, body: approveBody }, preValidation: authenticate },
    async (request, reply) => {
      const { by, changes } = request.body;
      const { status, body } = answer(await sessions.decide(request.params.id, { approve: true, by, ...(changes ? { changes } : {}) }));
      return reply.status(status).send(body);
    },
  );

  app.post<{ Params: { id: string }; Body: RejectBody }>(
    '/api/v1/sessions/:id/pending/reject',
    { schema: { params: idParams, body: rejectBody }, preValidation: authenticate },
    async (request, reply) => {
      const { by, reason } = request.body;
      const { status, body } = answer(await sessions.decide(request.params.id, { approve: false, by, ...(reason ? { reason } : {}) }));
      return reply.status(status).send(body);
    },
  );
}
