/**
 * Approval mode on a real lab under the reference workload: every configuration waits as a pending
 * change until a person decides through the API (one approved, one approved with adjusted values
 * through a replica's agent, one rejected), and neither the recorded PATCH bodies nor Patroni's
 * dynamic configuration, watched throughout, ever change without an approval before it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { agentEnvFor, getJson, postJson, startAgent, type AgentProcess } from '../../../test/lab/agent-process.js';
import { Lab } from '../../../test/lab/lab.js';
import { patroniFlavourFromEnv } from '../../../test/lab/patroni-flavour.js';
import { waitFor } from '../../../test/lab/wait.js';
import { prepareWorkload } from '../../../test/workload/prepare.js';
import { runWorkload } from '../../../test/workload/run.js';
import type { CommandRecord, PendingChangeRecord, RecommendationView, SessionDetail, SessionRecord } from '../../src/contract/index.js';

const TOKEN = 'integration-token';
/** Knobs the memory guardrail never refuses, so every candidate waits for a person. */
const KNOBS = ['random_page_cost', 'effective_cache_size'];
const CANDIDATE_REASONS = new Set(['first', 'initial', 'model', 'remeasure']);
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

const post = (agent: AgentProcess, path: string, body: unknown) => postJson(`${agent.url}${path}`, body, TOKEN);

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
  const randomPageCost = knobs.find((k) => k.name === 'random_page_cost')!;
  const started = await post(leaderAgent, '/api/v1/sessions', {
    iterations: 4,
    iterationSeconds: 3,
    warmupSeconds: 1,
    knobs: KNOBS,
    approval: 'each',
    approvalTimeout: '10m',
  });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const session = started.body.session as SessionRecord;
  assert.deepEqual([session.options.approval, session.options.approvalTimeoutMs], ['each', 600_000]);

  // Candidates in order: the 1st approved as proposed, the 2nd approved with an adjusted value through
  // the replica's agent (after two refused adjustments), the 3rd rejected; anything else is approved.
  const candidates: PendingChangeRecord[] = [];
  let adjusted: number | null = null;
  let last = 0;
  for (let change = await nextPending(session.id, 0); change !== null; change = await nextPending(session.id, last)) {
    last = change.id;
    const path = `/api/v1/sessions/${session.id}/pending`;
    if (!CANDIDATE_REASONS.has(change.reason) || candidates.length >= 3) {
      const other = await post(leaderAgent, `${path}/approve`, { by: 'carol' });
      assert.equal(other.status, 200, JSON.stringify(other.body));
      if (CANDIDATE_REASONS.has(change.reason)) candidates.push(change);
      continue;
    }
    candidates.push(change);
    if (candidates.length === 1) {
      assert.ok(change.memory !== null && change.memory.boundBytes > 0);
      assert.deepEqual((await detailOf(session.id)).patches, [], 'nothing sent before the first approval');
      // Waiting holds nothing open on the database: no transaction of the agent stays open.
      const open = await lab.sql(leader, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'patroni-tuner' AND state LIKE 'idle in transaction%'");
      assert.equal(open.rows[0].n, 0);
      const approved = await post(leaderAgent, `${path}/approve`, { by: 'alice' });
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
    } else if (candidates.length === 2) {
      const tooBig = await post(leaderAgent, `${path}/approve`, { by: 'alice', changes: { random_page_cost: randomPageCost.high * 1000 } });
      assert.equal(tooBig.status, 400);
      assert.match(tooBig.body.error.message, /^body\/changes\/random_page_cost: /);
      const excluded = await post(leaderAgent, `${path}/approve`, { by: 'alice', changes: { fsync: false } });
      assert.equal(excluded.status, 400);
      assert.match(excluded.body.error.message, /^body\/changes\/fsync: /);
      adjusted = change.configuration.random_page_cost === 2 ? 3 : 2;
      assert.ok(adjusted >= randomPageCost.low && adjusted <= randomPageCost.high);
      const forwarded = await post(replicaAgent, `${path}/approve`, { by: 'dana', changes: { random_page_cost: adjusted } });
      assert.equal(forwarded.status, 202, JSON.stringify(forwarded.body));
      const command = await waitFor(async () => {
        const c = (await getJson<{ command: CommandRecord }>(`${leaderAgent.url}/api/v1/commands/${forwarded.body.command.id}`)).body.command;
        return c.status !== 'pending' ? c : false;
      }, { what: "the leader's agent to execute the forwarded approval" });
      assert.equal(command.status, 'done', JSON.stringify(command.result));
    } else {
      const rejected = await post(leaderAgent, `${path}/reject`, { by: 'bob', reason: 'not before the batch run' });
      assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    }
  }

  const detail = await detailOf(session.id);
  const story = JSON.stringify({ events: detail.events.map((e) => [e.type, e.detail]), pending: detail.pendingChanges.map((p) => [p.reason, p.iteration, p.status]) });
  assert.ok(['completed', 'stopped'].includes(detail.session.state), `${detail.session.state}: ${detail.session.reason} ${story}`);
  assert.ok(candidates.length >= 3, `three candidates were proposed: ${story}`);
  const iterations = new Map(detail.iterations.map((i) => [i.number, i]));
  assert.equal(iterations.get(candidates[1]!.iteration!)!.candidate.random_page_cost, adjusted);
  const rejectedIteration = iterations.get(candidates[2]!.iteration!)!;
  assert.equal(rejectedIteration.state, 'rejected');
  assert.ok(rejectedIteration.verdicts.some((v) => v.guardrail === 'approval' && v.detail === 'rejected by bob: not before the batch run'));

  // Every decision is in the events, with who decided and what they changed.
  const decisions = detail.events.filter((e) => e.type === 'approval_approved' || e.type === 'approval_rejected');
  assert.deepEqual(decisions.slice(0, 3).map((e) => [e.type, e.detail.by, e.detail.changes]), [
    ['approval_approved', 'alice', null],
    ['approval_approved', 'dana', { random_page_cost: adjusted }],
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
    assert.notEqual(patch.iteration, rejectedIteration.number);
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
