/**
 * `npm run demo`: a lab cluster with an agent beside every node. Prints where the metrics and the
 * API are, then reports topology changes as the agents see them. Ctrl-C stops everything.
 */
import { agentEnvFor, getJson, startAgent, type AgentProcess } from './agent-process.js';
import { Lab } from './lab.js';
import { patroniFlavourFromEnv } from './patroni-flavour.js';
import type { ClusterView } from '../../backend/src/api/views.js';

const WATCH_INTERVAL_MS = 2_000;

const lab = await Lab.start({ flavour: patroniFlavourFromEnv(), log: (line) => console.log(line) });
const agents: Array<{ node: string; agent: AgentProcess }> = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  stopping = true;
  console.log('demo: stopping agents and the lab …');
  for (const { agent } of agents) await agent.stop().catch(() => undefined);
  await lab.stop().catch((error: Error) => console.error(`demo: ${error.message}`));
  console.log('demo: stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  for (const node of lab.state.nodes) {
    agents.push({ node: node.name, agent: await startAgent(agentEnvFor(lab, node.name, { TUNER_POLL_INTERVAL: '1s' })) });
  }
} catch (error) {
  console.error(`demo: ${(error as Error).message}`);
  await stopAll(1);
}

const { restApi } = lab.state.credentials;
console.log(`\nPatroni ${lab.state.flavour} cluster "${lab.state.scope}" (REST basic auth ${restApi.username}:${restApi.password})`);
for (const { node, agent } of agents) {
  console.log(`  ${node}: agent ${agent.url}  (metrics ${agent.url}/metrics, cluster ${agent.url}/api/v1/cluster)`);
  console.log(`         Patroni ${lab.restUrl(node)}  PostgreSQL ${lab.databaseUrl(node)}`);
}
console.log(`\nTry a switchover:  curl -s -u ${restApi.username}:${restApi.password} -XPOST ${lab.restUrl(agents[0]!.node)}/switchover \\`);
console.log(`                     -d '{"leader":"<leader>","candidate":"<replica>"}'`);
console.log('Ctrl-C stops everything.\n');

// Report what the first agent sees, as it changes.
let lastLine = '';
while (!stopping) {
  const line = await describe(agents[0]!.agent).catch((error: Error) => `agent unreachable: ${error.message}`);
  if (line !== lastLine) console.log(`${new Date().toISOString()}  ${line}`);
  lastLine = line;
  await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
}

async function describe(agent: AgentProcess): Promise<string> {
  const { status, body } = await getJson<ClusterView | { error: { message: string } }>(`${agent.url}/api/v1/cluster`);
  if (status !== 200 || !('members' in body)) return `cluster unavailable: ${'error' in body ? body.error.message : status}`;
  const members = body.members.map((m) => `${m.name}=${m.role}/${m.health}`).join(' ');
  return `leader ${body.leader ?? 'none'} · timeline ${body.timeline ?? '?'}${body.paused ? ' · paused' : ''} · ${members}`;
}
