/**
 * `npm run bench:follow [-- --switchovers 5]`: how soon agents report a new leader. On a lab with an
 * agent beside every member (polling every second), repeated switchovers; for each, the time from
 * Patroni answering POST /switchover to every agent's /api/v1/cluster naming the new leader,
 * sampled every 50 ms. Prints each run and the median and maximum, with the poll interval.
 */
import { parseArgs } from 'node:util';
import type { ClusterView } from '@patroni-tuner/backend/contract';
import { agentEnvFor, getJson, startAgent, type AgentProcess } from '../lab/agent-process.js';
import { Lab } from '../lab/lab.js';
import { patroniFlavourFromEnv } from '../lab/patroni-flavour.js';
import { waitFor } from '../lab/wait.js';
import { machineFacts } from './machine.js';
import { max, median } from './stats.js';

const { values } = parseArgs({ options: { switchovers: { type: 'string', default: '5' }, poll: { type: 'string', default: '1s' } } });
const switchovers = Number(values.switchovers);
if (!Number.isInteger(switchovers) || switchovers < 1) throw new Error('--switchovers must be a positive integer');
const progress = (line: string) => process.stderr.write(`[bench:follow] ${line}\n`);

const lab = await Lab.start({ flavour: patroniFlavourFromEnv(), log: progress });
const agents: AgentProcess[] = [];
try {
  for (const node of lab.state.nodes) agents.push(await startAgent(agentEnvFor(lab, node.name, { TUNER_POLL_INTERVAL: values.poll! })));
  const rows: Array<{ from: string; to: string; ms: number }> = [];
  for (let i = 0; i < switchovers; i += 1) {
    const from = await lab.waitHealthy();
    const to = lab.state.nodes[(lab.state.nodes.findIndex((n) => n.name === from) + 1) % lab.state.nodes.length]!.name;
    // Every agent must see the current leader before the clock starts.
    await waitFor(async () => (await Promise.all(agents.map((a) => leaderSeenBy(a)))).every((l) => l === from), {
      what: `every agent to report ${from}`,
    });
    progress(`switchover ${i + 1}/${switchovers}: ${from} → ${to}`);
    await lab.switchover(from, to);
    const answered = performance.now();
    await waitFor(async () => (await Promise.all(agents.map((a) => leaderSeenBy(a)))).every((l) => l === to), {
      what: `every agent to report ${to}`,
      intervalMs: 50,
    });
    rows.push({ from, to, ms: performance.now() - answered });
  }
  const machine = machineFacts();
  const lines = [
    `## Agents following a switchover — ${new Date().toISOString()}`,
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; lab of 3 Patroni (${lab.state.flavour}) + PostgreSQL 15 nodes; ` +
      `an agent beside every member polling every ${values.poll}; agents sampled every 50 ms.`,
    `Command: LAB_PATRONI=${lab.state.flavour} npm run bench:follow -- --switchovers ${switchovers} --poll ${values.poll}`,
    '',
    '| run | switchover | POST /switchover answered → all agents report the new leader |',
    '|---|---|---|',
    ...rows.map((r, i) => `| ${i + 1} | ${r.from} → ${r.to} | ${r.ms.toFixed(0)} ms |`),
    '',
    `median ${median(rows.map((r) => r.ms)).toFixed(0)} ms, max ${max(rows.map((r) => r.ms)).toFixed(0)} ms`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  for (const agent of agents) await agent.stop();
  await lab.stop();
}

async function leaderSeenBy(agent: AgentProcess): Promise<string | null> {
  const { status, body } = await getJson<ClusterView>(`${agent.url}/api/v1/cluster`);
  return status === 200 ? body.leader : null;
}
