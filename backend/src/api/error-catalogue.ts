/**
 * Every error code the API answers, with its HTTP status and what it means: the one place a code gets
 * its status. Domain errors (SessionRequestError) carry a code and no status; fastify's own errors are
 * mapped onto these codes (app.ts), so no `FST_ERR_*` reaches a client. The README's `### Errors`
 * table is checked against this catalogue by a unit test.
 */
export const ERROR_CATALOGUE = {
  invalid_request: { status: 400, meaning: 'the request does not match the API: the message names the field (unknown field, wrong type, out of range, unknown or excluded knob)' },
  invalid_json: { status: 400, meaning: 'the body is not the JSON its content type claims' },
  invalid_url: { status: 400, meaning: 'the URL cannot be decoded' },
  bad_request: { status: 400, meaning: 'the request is malformed at the HTTP level (e.g. a Content-Length that does not match the body)' },
  invalid_changes: { status: 400, meaning: "a reviewer's adjusted values are refused (unknown knob, out of range, a cross-knob rule, the memory guardrail, or a change that cannot be adjusted): the message names the field" },
  acknowledger_required: { status: 400, meaning: 'an acknowledgement must say who acknowledges (`by` is blank)' },
  unauthorized: { status: 401, meaning: 'a mutating call without the right `Authorization: Bearer` token' },
  mutations_disabled: { status: 403, meaning: 'mutating calls are disabled: the agent has no `TUNER_API_TOKEN`' },
  route_not_found: { status: 404, meaning: 'no route for this method and path' },
  session_not_found: { status: 404, meaning: 'no session with this id' },
  no_pending_change: { status: 404, meaning: 'the session has no change awaiting approval' },
  command_not_found: { status: 404, meaning: 'no command with this id' },
  session_active: { status: 409, meaning: 'another session is active (`sessionId`)' },
  session_halted: { status: 409, meaning: 'a halted session must be acknowledged first (`sessionId`, `phase`)' },
  cluster_unhealthy: { status: 409, meaning: 'the cluster is paused, has no leader or a member not running (`reasons`)' },
  no_leader: { status: 409, meaning: 'the cluster has no leader to execute the request (`leader`: null)' },
  not_leader: { status: 409, meaning: "this agent is not beside the leader and cannot reach the leader's state database (`leader`)" },
  session_not_running: { status: 409, meaning: 'the session is not running on this agent (`state`)' },
  session_not_halted: { status: 409, meaning: 'only a halted session is acknowledged (`state`)' },
  not_awaiting_acknowledgement: { status: 409, meaning: 'the failover protocol has not restored the baseline yet (`phase`)' },
  already_acknowledged: { status: 409, meaning: 'the halt was already acknowledged (`phase`)' },
  force_required: { status: 409, meaning: 'the protocol gave up restoring the baseline: acknowledge with `"force": true` (`phase`, `unresolved`)' },
  pending_change_decided: { status: 409, meaning: 'the pending change was already approved, rejected or dropped' },
  body_too_large: { status: 413, meaning: 'the body is larger than the agent accepts' },
  unsupported_media_type: { status: 415, meaning: 'a body that is not `application/json`' },
  internal_error: { status: 500, meaning: "the agent failed; the detail is in the agent's log, not the answer" },
  not_ready: { status: 503, meaning: 'the agent has not polled Patroni, or run a drift check, yet' },
  patroni_unreachable: { status: 503, meaning: "this node's Patroni did not answer the last poll" },
  state_unavailable: { status: 503, meaning: 'no copy of the state store answered (each copy tried is named), or Patroni has not answered yet' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const statusOf = (code: ErrorCode): number => ERROR_CATALOGUE[code].status;
