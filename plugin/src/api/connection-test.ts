/**
 * "Test connection" for one configured agent: what it answers on /api/v1/cluster, and whether it
 * accepts the configured token — without changing anything on it.
 */
import { AgentRequestError, agentRequest, fetchCluster } from './agent-api';

export type ConnectionResult =
  | { ok: true; scope: string | null; member: string | null; patroniVersion: string | null }
  | { ok: false; error: AgentRequestError };

/**
 * A stop request for an id that cannot exist: the agent checks the token before it validates the id,
 * so a right token gets 400 (the id is not a UUID) and nothing is ever stopped; a wrong one gets 401,
 * and 403 says the agent has no token configured at all.
 */
const TOKEN_PROBE_PATH = '/api/v1/sessions/token-check/stop';

export async function testConnection(slot: number): Promise<ConnectionResult> {
  try {
    const cluster = await fetchCluster(slot);
    await checkToken(slot);
    return { ok: true, scope: cluster.scope, member: cluster.self, patroniVersion: cluster.patroniVersion };
  } catch (error) {
    if (error instanceof AgentRequestError) {
      return { ok: false, error };
    }
    throw error;
  }
}

async function checkToken(slot: number): Promise<void> {
  try {
    await agentRequest(slot, TOKEN_PROBE_PATH, { method: 'POST', data: {} });
  } catch (error) {
    if (error instanceof AgentRequestError && error.status === 400 && error.kind === 'agent') {
      return;
    }
    throw error;
  }
  throw new AgentRequestError('not_agent', `${TOKEN_PROBE_PATH} was accepted`, 200);
}
