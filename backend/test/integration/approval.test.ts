/**
 * Approval mode on a real lab under the reference workload: every configuration waits as a pending
 * change until a person decides through the API (one approved, one approved with adjusted values
 * through a replica's agent, one rejected), and neither the recorded PATCH bodies nor Patroni's
 * dynamic configuration, watched throughout, ever change without an approval before it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentEnvFor, getJson, startAgent, type AgentProcess } from '../../../test/lab/agent-process.js';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { waitFor } from '../../../test/lab/wait.js';
import { prepareWorkload } from '../../../test/workload/prepare.js';
import { runWorkload } from '../../../test/workload/run.js';
import type { CommandRecord, PendingChangeRecord, SessionRecord } from '../../src/store/records.js';
import type { SessionDetail } from '../../src/tuning/session/service.js';
import type { RecommendationView } from '../../src/tuning/recommendation.js';

const TOKEN = 'integration-token';
const KNOBS = ['work_mem', 'random_page_cost', 'effective_cache_size'];
let lab: Lab;
let leader: string;
let replica: string;
let leaderAgent: AgentProcess;
let replicaAgent: AgentProcess;
const workloadStop = new AbortController();
let workload: Promise<unknown>;

/** Every distinct `postgresql.parameters` Patroni's GET /config showed, with when it was first seen. */
const dcsTimeline: Array<{ at: number; parameters: string }> = [];
const watchStop = new AbortController();
let watching: Promise<void>;

async function watchDcs(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const config = (await lab.getJson(leader, '/config')) as { postgresql?: { parameters?: Record<string, unknown> } };
      const parameters = JSON.stringify(config.postgresql?.parameters ?? {});
      if (dcsTimeline.at(-1)?.parameters !== parameters) dcsTimeline.push({ at: Date.now(), parameters });
    } catch {
      // A slow answer: the next poll sees the same DCS.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

before(async () => {
  lab = await Lab.start({ flavour: patroniFlavourFromEnv() });
  leader = await lab.waitHealthy();
  replica = lab.state.nodes.find((n) => n.name !== leader)!.name;
  const env = { TUNER_API_TOKEN: TOKEN, TUNER_VERIFY_TIMEOUT: '30s' };
  leaderAgent = await startAgent(agentEnvFor(lab, leader, env));
  replicaAgent = await startAgent(agentEnvFor(lab, replica, env));
  await prepareWorkload(lab.databaseUrl(leader), { scale: 1 });
  workload = runWorkload(lab.databaseUrl(leader), { clients: 3, durationMs: 10 * 60_000, signal: workloadStop.signal });
  watching = watchDcs(watchStop.signal);
});

after(async () => {
  watchStop.abort();
  await watching;
  workloadStop.abort();
  await workload?.catch(() => undefined);
  await leaderAgent?.stop();
  await replicaAgent?.stop();
  await lab?.stop();
});

async function post(agent: AgentProcess, path: string, body: unknown) {
  const response = await fetch(`${agent.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const detailOf = async (id: string) => (await getJson<SessionDetail>(`${leaderAgent.url}/api/v1/sessions/${id}`)).body;
const ENDED = ['completed', 'stopped', 'failed', 'aborted', 'halted'];

/** The next change the session waits on (a new id), or null once the session ended. */
async function nextPending(sessionId: string, after: number): Promise<PendingChangeRecord | null> {
  return waitFor(
    async () => {
      const pending = await getJson<{ pendingChange: PendingChangeRecord }>(`${leaderAgent.url}/api/v1/sessions/${sessionId}/pending`);
      if (pending.status === 200 && pending.body.pendingChange.id > after) return pending.body.pendingChange;
      return ENDED.includes((await detailOf(sessionId)).session.state) ? { ended: true as const } : false;
    },
    { what: `session ${sessionId} to wait for a decision or end`, timeoutMs: 120_000 },
  ).then((found) => ('ended' in found ? null : found));
}

test('an approval-mode session: approve, approve with adjusted values, reject; nothing reaches Patroni unapproved', async () => {
  const knobs = (await getJson<{ tunable: Array<{ name: string; low: number; high: number }> }>(`${leaderAgent.url}/api/v1/knobs`)).body.tunable;
  const workMem = knobs.find((k) => k.name === 'work_mem')!;
  const started = await post(leaderAgent, '/api/v1/sessions', {
    iterations: 3,
    iterationSeconds: 3,
    warmupSeconds: 1,
    knobs: KNOBS,
    approval: 'each',
    approvalTimeout: '10m',
  });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const session = started.body.session as SessionRecord;
  assert.deepEqual([session.options.approval, session.options.approvalTimeoutMs], ['each', 600_000]);

  // 1: approved as proposed.
  const first = (await nextPending(session.id, 0))!;
  assert.equal(first.iteration, 1);
  assert.ok(first.memory !== null && first.memory.boundBytes > 0);
  assert.deepEqual((await detailOf(session.id)).patches, [], 'nothing sent before the first approval');
  const approved = await post(leaderAgent, `/api/v1/sessions/${session.id}/pending/approve`, { by: 'alice' });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));

  // 2: adjusted values are validated (400 naming the field), then approved through the replica's agent.
  const second = (await nextPending(session.id, first.id))!;
  assert.equal(second.iteration, 2);
  const tooBig = await post(leaderAgent, `/api/v1/sessions/${session.id}/pending/approve`, { by: 'alice', changes: { work_mem: workMem.high * 1000 } });
  assert.equal(tooBig.status, 400);
  assert.match(tooBig.body.error.message, /^body\/changes\/work_mem: /);
  const excluded = await post(leaderAgent, `/api/v1/sessions/${session.id}/pending/approve`, { by: 'alice', changes: { fsync: false } });
  assert.equal(excluded.status, 400);
  assert.match(excluded.body.error.message, /^body\/changes\/fsync: /);
  const adjusted = second.configuration.work_mem === workMem.low ? workMem.low * 2 : workMem.low;
  const forwarded = await post(replicaAgent, `/api/v1/sessions/${session.id}/pending/approve`, { by: 'dana', changes: { work_mem: adjusted } });
  assert.equal(forwarded.status, 202, JSON.stringify(forwarded.body));
  const command = await waitFor(async () => {
    const c = (await getJson<{ command: CommandRecord }>(`${leaderAgent.url}/api/v1/commands/${forwarded.body.command.id}`)).body.command;
    return c.status !== 'pending' ? c : false;
  }, { what: "the leader's agent to execute the forwarded approval" });
  assert.equal(command.status, 'done', JSON.stringify(command.result));

  // 3: rejected: recorded as a person's rejection, never sent.
  const third = (await nextPending(session.id, second.id))!;
  assert.equal(third.iteration, 3);
  const rejected = await post(leaderAgent, `/api/v1/sessions/${session.id}/pending/reject`, { by: 'bob', reason: 'not before the batch run' });
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));

  // Whatever the session proposes to end on is approved.
  let last = third.id;
  for (let change = await nextPending(session.id, last); change !== null; change = await nextPending(session.id, last)) {
    assert.equal((await post(leaderAgent, `/api/v1/sessions/${session.id}/pending/approve`, { by: 'carol' })).status, 200);
    last = change.id;
  }

  const detail = await detailOf(session.id);
  assert.ok(['completed', 'stopped'].includes(detail.session.state), `${detail.session.state}: ${detail.session.reason}`);
  const iterations = new Map(detail.iterations.map((i) => [i.number, i]));
  assert.equal(iterations.get(2)!.candidate.work_mem, adjusted);
  assert.equal(iterations.get(3)!.state, 'rejected');
  assert.ok(iterations.get(3)!.verdicts.some((v) => v.guardrail === 'approval' && v.detail === 'rejected by bob: not before the batch run'));

  // Every decision is in the events, with who decided and what they changed.
  const decisions = detail.events.filter((e) => e.type === 'approval_approved' || e.type === 'approval_rejected');
  assert.deepEqual(decisions.slice(0, 3).map((e) => [e.type, e.detail.by, e.detail.changes]), [
    ['approval_approved', 'alice', null],
    ['approval_approved', 'dana', { work_mem: adjusted }],
    ['approval_rejected', 'bob', null],
  ]);

  // The recorded PATCH bodies: each follows an approval of exactly what it carries; none carries iteration 3.
  const approvedChanges = detail.pendingChanges.filter((p) => p.status === 'approved' && Object.keys(p.parameters).length > 0);
  assert.equal(detail.patches.length, approvedChanges.length, JSON.stringify({ patches: detail.patches, approvedChanges }));
  detail.patches.forEach((patch, index) => {
    const change = approvedChanges[index]!;
    assert.ok(Date.parse(String(patch.sentAt)) >= Date.parse(String(change.decidedAt)), `PATCH ${patch.id} was sent after its approval`);
    const sent = (patch.body as { postgresql: { parameters: Record<string, string | null> } }).postgresql.parameters;
    if (change.changes === null) assert.deepEqual(sent, change.parameters);
    else assert.deepEqual(Object.keys(sent).sort(), Object.keys(change.parameters).sort());
    assert.notEqual(patch.iteration, 3);
  });

  // Patroni's own view: the DCS changed only after approvals, at most once per approved change.
  const startedAt = Date.parse(String(session.createdAt));
  // The timeline's first entry was read before the session started: every later one is a change.
  assert.ok(dcsTimeline[0]!.at < startedAt);
  const dcsChanges = dcsTimeline.filter((entry) => entry.at > startedAt);
  assert.ok(dcsChanges.length > 0, 'the approved changes reached Patroni');
  const approvals = approvedChanges.map((p) => Date.parse(String(p.decidedAt)));
  assert.ok(dcsChanges.length <= approvals.length, `${dcsChanges.length} DCS changes for ${approvals.length} approvals`);
  for (const entry of dcsChanges) assert.ok(approvals.some((at) => at <= entry.at), `a DCS change at ${new Date(entry.at).toISOString()} follows an approval`);

  // What the session found is offered without applying: as patronictl and as a PATCH /config body.
  const recommendation = (await getJson<RecommendationView>(`${leaderAgent.url}/api/v1/recommendation`)).body;
  assert.ok(Object.keys(recommendation.pgtune.parameters).length > 0);
  assert.match(recommendation.pgtune.patronictl.command, /^patronictl edit-config \S+ -p /);
  if (detail.session.result?.bestIteration != null) assert.equal(recommendation.bestMeasured?.measuredIn?.sessionId, session.id);
});
