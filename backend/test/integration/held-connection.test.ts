/**
 * Halts that do not wait for the poll, on a real lab: with a poll interval far longer than the
 * target (20 s), SIGKILL of the leader's postmaster alone (Patroni keeps running) mid-session is
 * detected through the connections the agents hold to the leader's PostgreSQL — the halt recorded
 * within a second of the kill, and every replica's agent showing `detectedHalt` within a second.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentEnvFor, getJson, startAgent, type AgentProcess } from '../../../test/lab/agent-process.js';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { waitFor } from '../../../test/lab/wait.js';
import type { SessionDetail, SessionRecord } from '../../src/contract/index.js';

const TOKEN = 'held-connection-token';
const POLL_S = 20;
const AGENT_ENV = { TUNER_API_TOKEN: TOKEN, TUNER_POLL_INTERVAL: `${POLL_S}s`, TUNER_STABILIZATION: '2s', TUNER_FAILOVER_GRACE: '2s' };
const SESSION = { iterations: 40, iterationSeconds: 3, warmupSeconds: 1 };
const LATENCY_LIMIT_MS = 1_000;

let lab: Lab;
const agents = new Map<string, AgentProcess>();

before(async () => {
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
  await lab.waitHealthy();
  for (const node of lab.state.nodes) agents.set(node.name, await startAgent(agentEnvFor(lab, node.name, AGENT_ENV)));
});

after(async () => {
  for (const agent of agents.values()) await agent.stop();
  await lab?.stop();
});

/** One session as `agent` shows it; throws (so a wait goes on) while the agent cannot read its store. */
async function detailOf(agent: AgentProcess, id: string): Promise<SessionDetail> {
  const { status, body } = await getJson<SessionDetail>(`${agent.url}/api/v1/sessions/${id}`);
  if (status !== 200) throw new Error(`GET session ${id}: ${status} ${JSON.stringify(body)}`);
  return body;
}

test("SIGKILL of the leader's postmaster: halt recorded and shown by every replica's agent within 1 s, though polls are 20 s apart", async () => {
  const leader = await lab.waitHealthy();
  const leaderAgent = agents.get(leader)!;
  const started = await waitFor(
    async () => {
      const response = await fetch(`${leaderAgent.url}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(SESSION),
      });
      const body = (await response.json()) as { session?: SessionRecord; error?: { message: string } };
      if (response.status !== 201) throw new Error(`${response.status} ${body.error?.message}`);
      return body.session!;
    },
    { what: "the leader's agent to start a session", timeoutMs: 60_000, intervalMs: 500 },
  );
  const replicas = lab.state.nodes.map((n) => n.name).filter((name) => name !== leader);
  // The replicas' agents must have the session in their copy of the store, running, before the kill.
  await waitFor(
    async () => {
      const details = await Promise.all([leader, ...replicas].map((node) => detailOf(agents.get(node)!, started.id)));
      return details.every((d) => d.session.state === 'running') && details[0]!.iterations.some((i) => i.number >= 1);
    },
    { what: 'the session running its first candidate, as every agent sees it', timeoutMs: 90_000, intervalMs: 100 },
  );

  const t0 = Date.now();
  lab.killPostmaster(leader);
  const shownAt = await Promise.all(
    replicas.map((node) =>
      waitFor(
        async () => {
          const { session } = await detailOf(agents.get(node)!, started.id);
          return session.detectedHalt !== null || session.state === 'halted' ? Date.now() : false;
        },
        { what: `${node}'s agent to show the halt`, timeoutMs: 10_000, intervalMs: 50 },
      ),
    ),
  );
  for (const [i, at] of shownAt.entries()) assert.ok(at - t0 < LATENCY_LIMIT_MS, `${replicas[i]}'s agent showed the halt ${at - t0} ms after the kill`);

  // Patroni restarts the crashed PostgreSQL in place; the leader's agent then records the halt with the time it saw it.
  const detail = await waitFor(
    async () => {
      const d = await detailOf(leaderAgent, started.id);
      // The detail's reads run in parallel: the record and the protocol state may be one write apart.
      return d.failover !== null && d.session.state === 'halted' ? d : false;
    },
    { what: 'the halt to be recorded with its failover state', timeoutMs: 3 * POLL_S * 1000 + 60_000, intervalMs: 500 },
  );
  const latency = Date.parse(detail.failover!.halt.at) - t0;
  assert.ok(latency >= 0 && latency < LATENCY_LIMIT_MS, `halt recorded as detected ${latency} ms after the kill (${detail.failover!.halt.reason})`);
  assert.equal(detail.session.detectedHalt, null, 'a recorded halt is shown by the record, not as detected');
  const sentAfter = detail.patches.filter((p) => Date.parse(p.sentAt) > Date.parse(detail.failover!.halt.at) && p.iteration !== null);
  assert.deepEqual(sentAfter, [], 'no iteration PATCH after the halt');
});
