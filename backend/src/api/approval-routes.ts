/**
 * Approval mode's API (DESIGN.md §4 rule 13): the change a session awaits a decision on, and a
 * person's approval (with adjusted values) or rejection. On a replica's agent a decision is recorded
 * as a command for the leader's agent, like every other mutation.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApproveBody, PendingChangeView, RejectBody } from '../contract/approval.js';
import { Forwarded, IdParams } from '../contract/sessions.js';
import type { DecisionOutcome, SessionApi } from '../tuning/session/types.js';
import { requireToken } from './auth.js';
import { ERROR_RESPONSES } from './errors.js';
import { commandView, pendingChangeView } from './session-views.js';

export interface ApprovalRouteOptions {
  sessions: SessionApi;
  apiToken: string | null;
}

const MUTATION = 'Needs `Authorization: Bearer <TUNER_API_TOKEN>`.';
const security = [{ bearer: [] }];

export const approvalRoutes: FastifyPluginAsyncTypebox<ApprovalRouteOptions> = async (app, { sessions, apiToken }) => {
  const authenticate = requireToken(apiToken);
  const tags = ['approval'];
  const answer = (outcome: DecisionOutcome) =>
    outcome.executed
      ? ({ status: 200, body: { pendingChange: pendingChangeView(outcome.pendingChange) } } as const)
      : ({ status: 202, body: { command: commandView(outcome.command), leader: outcome.leader } } as const);

  app.get(
    '/api/v1/sessions/:id/pending',
    { schema: { tags, summary: 'The change a session awaits a decision on (404 when none)', params: IdParams, response: { 200: PendingChangeView, ...ERROR_RESPONSES } } },
    async (request) => ({ pendingChange: pendingChangeView(await sessions.pendingChange(request.params.id)) }),
  );

  app.post(
    '/api/v1/sessions/:id/pending/approve',
    {
      schema: {
        tags,
        summary: 'Approve the pending change, optionally with adjusted values',
        description: `200 on the leader's agent, 202 with the forwarded command elsewhere. ${MUTATION}`,
        security,
        params: IdParams,
        body: ApproveBody,
        response: { 200: PendingChangeView, 202: Forwarded, ...ERROR_RESPONSES },
      },
      preValidation: authenticate,
    },
    async (request, reply) => {
      const { by, changes } = request.body;
      const { status, body } = answer(await sessions.decide(request.params.id, { approve: true, by, ...(changes ? { changes } : {}) }));
      return reply.status(status).send(body);
    },
  );

  app.post(
    '/api/v1/sessions/:id/pending/reject',
    {
      schema: {
        tags,
        summary: 'Reject the pending change; the optimizer proposes another',
        description: `200 on the leader's agent, 202 with the forwarded command elsewhere. ${MUTATION}`,
        security,
        params: IdParams,
        body: RejectBody,
        response: { 200: PendingChangeView, 202: Forwarded, ...ERROR_RESPONSES },
      },
      preValidation: authenticate,
    },
    async (request, reply) => {
      const { by, reason } = request.body;
      const { status, body } = answer(await sessions.decide(request.params.id, { approve: false, by, ...(reason ? { reason } : {}) }));
      return reply.status(status).send(body);
    },
  );
};
