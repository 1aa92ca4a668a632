/**
 * The reference workload against whichever member leads, found through Patroni's REST API and found
 * again after every failover: the load generator of docker-compose.yml.
 *
 *   WORKLOAD_PATRONI_URLS=http://node1:8008,http://node2:8008 \
 *   WORKLOAD_DATABASE_URL='postgres://postgres:secret@{host}:{port}/postgres' \
 *   npx tsx test/workload/follow-leader.ts [--scale 1] [--clients 2]
 *
 * `{host}` and `{port}` are the leader's, from GET /cluster. Runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { prepareWorkload } from './prepare.js';
import { runWorkload } from './run.js';

interface ClusterJson {
  members?: Array<{ name: string; role: string; host?: string; port?: number }>;
}

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '1' }, clients: { type: 'string', default: '2' } },
});
const patroniUrls = (process.env.WORKLOAD_PATRONI_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
const template = process.env.WORKLOAD_DATABASE_URL ?? '';
if (patroniUrls.length === 0 || !template.includes('{host}')) {
  console.error('follow-leader: set WORKLOAD_PATRONI_URLS (comma-separated) and WORKLOAD_DATABASE_URL with {host} and {port}');
  process.exit(2);
}

/** The leader's PostgreSQL URL, from the first Patroni that answers; throws while there is none. */
async function leaderUrl(): Promise<string> {
  const problems: string[] = [];
  for (const url of patroniUrls) {
    try {
      const response = await fetch(`${url}/cluster`, { signal: AbortSignal.timeout(2_000) });
      const body = (await response.json()) as ClusterJson;
      const leader = body.members?.find((m) => m.role === 'leader' || m.role === 'master' || m.role === 'primary');
      if (leader?.host) return template.replaceAll('{host}', leader.host).replaceAll('{port}', String(leader.port ?? 5432));
      problems.push(`${url}: no leader`);
    } catch (error) {
      problems.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no leader found: ${problems.join('; ')}`);
}

async function retry<T>(what: string, action: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await action();
    } catch (error) {
      console.error(`follow-leader: ${what}: ${(error as Error).message}; retrying in 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  }
}

const stop = new AbortController();
process.on('SIGINT', () => stop.abort());
process.on('SIGTERM', () => stop.abort());
const scale = Number(values.scale);
await retry('prepare', async () => prepareWorkload(await leaderUrl(), { scale, log: (line) => console.log(line) }));
console.log(`follow-leader: running ${values.clients} clients against the leader`);
while (!stop.signal.aborted) {
  await retry('run', () => runWorkload(leaderUrl, { clients: Number(values.clients), durationMs: 3_600_000, signal: stop.signal }));
}
