/**
 * `npm run lab -- up|down|status [--patroni debian|pypi]`: a lab cluster by hand. `up` leaves the
 * processes running and records them in .lab/state.json; `down` stops exactly those pids.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, type LabState } from './lab.js';
import { patroniFlavourFromEnv } from './patroni-flavour.js';
import { isAlive } from './processes.js';

const STATE_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.lab', 'state.json');

function readState(): LabState | null {
  return existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabState) : null;
}

function flavourFromArgs(args: string[]): ReturnType<typeof patroniFlavourFromEnv> {
  const i = args.indexOf('--patroni');
  return patroniFlavourFromEnv(i >= 0 ? { LAB_PATRONI: args[i + 1] } : process.env);
}

async function up(args: string[]): Promise<void> {
  const existing = readState();
  if (existing) throw new Error(`a lab is already recorded in ${STATE_FILE}; run "npm run lab -- down" first`);
  const lab = await Lab.start({ flavour: flavourFromArgs(args), detached: true, log: console.log });
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(lab.state, null, 2), { mode: 0o600 });
  printSummary(lab);
}

async function down(): Promise<void> {
  const state = readState();
  if (!state) {
    console.log('lab: nothing recorded, nothing to stop');
    return;
  }
  await Lab.attach(state).stop();
  rmSync(STATE_FILE);
  console.log('lab: stopped');
}

async function status(): Promise<void> {
  const state = readState();
  if (!state) {
    console.log('lab: down');
    return;
  }
  const lab = Lab.attach(state);
  console.log(`lab: scope ${state.scope}, Patroni ${state.flavour}, etcd pid ${state.etcd.pid} ${isAlive(state.etcd.pid) ? 'alive' : 'dead'}`);
  const cluster = await lab.cluster().catch((err: Error) => ({ members: [], error: err.message }));
  for (const node of state.nodes) {
    const member = cluster.members.find((m) => m.name === node.name);
    const pid = node.patroniPid;
    console.log(
      `  ${node.name}: ${member ? `${member.role} ${member.state} timeline ${member.timeline ?? '?'}` : 'not in /cluster'}` +
        ` · patroni pid ${pid ?? '-'} ${pid !== null && isAlive(pid) ? 'alive' : 'dead'}` +
        ` · REST ${lab.restUrl(node.name)} · PostgreSQL 127.0.0.1:${node.pgPort}`,
    );
  }
}

export function printSummary(lab: Lab): void {
  const { credentials } = lab.state;
  console.log(`scope ${lab.state.scope}; Patroni REST basic auth ${credentials.restApi.username}:${credentials.restApi.password}`);
  for (const node of lab.state.nodes) {
    console.log(`  ${node.name}: Patroni ${lab.restUrl(node.name)}  PostgreSQL ${lab.databaseUrl(node.name)}`);
  }
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { up, down, status };
const run = command ? commands[command] : undefined;
if (!run) {
  console.error('usage: npm run lab -- up|down|status [--patroni debian|pypi]');
  process.exit(2);
}
run(rest).catch((err: Error) => {
  console.error(`lab: ${err.message}`);
  process.exit(1);
});
