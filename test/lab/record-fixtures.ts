/**
 * Records real Patroni REST responses from a lab for the unit tests' fixtures:
 * `LAB_PATRONI=debian|pypi npx tsx test/lab/record-fixtures.ts`
 * writes backend/test/fixtures/patroni/<patroni version>/recorded/*.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from './lab.js';
import { patroniFlavourFromEnv } from './patroni-flavour.js';
import { waitFor } from './wait.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'backend', 'test', 'fixtures', 'patroni');

const lab = await Lab.start({ flavour: patroniFlavourFromEnv(), log: console.log });
try {
  const leader = await lab.waitHealthy();
  const version = ((await lab.getJson(leader, '/patroni')) as { patroni: { version: string } }).patroni.version;
  const out = join(FIXTURES, version, 'recorded');
  mkdirSync(out, { recursive: true });
  const save = (name: string, body: unknown) => {
    writeFileSync(join(out, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
    console.log(`recorded ${version}/recorded/${name}.json`);
  };
  const replica = lab.state.nodes.find((n) => n.name !== leader)!.name;
  const patch = async (body: unknown, via = leader) => {
    const response = await fetch(`${lab.restUrl(via)}/config`, {
      method: 'PATCH',
      headers: { authorization: lab.restAuthHeader, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`PATCH /config: ${response.status} ${await response.text()}`);
    return response.json();
  };

  save('patroni-primary', await lab.getJson(leader, '/patroni'));
  save('patroni-replica', await lab.getJson(replica, '/patroni'));
  save('cluster', await lab.cluster());
  save('config', await lab.getJson(leader, '/config'));
  save('patch-config-response', await patch({ postgresql: { parameters: { work_mem: '8MB' } } }));

  await patch({ pause: true });
  await waitFor(async () => (await lab.cluster()).pause === true, { what: 'the cluster to show pause' });
  save('cluster-paused', await lab.cluster());
  save('patroni-primary-paused', await lab.getJson(leader, '/patroni'));
  // Stopping the leader's Patroni in pause releases the lock and leaves nobody to take it.
  await lab.stopPatroni(leader);
  await waitFor(async () => !(await lab.cluster()).members.some((m) => m.role === 'leader'), {
    what: 'the leader lock to be released',
  });
  save('cluster-unlocked', await lab.cluster());
  save('patroni-replica-unlocked', await lab.getJson(replica, '/patroni'));
  // Resume through a replica: the old leader's PostgreSQL is down, so a replica gets promoted.
  await patch({ pause: null }, replica);
  await waitFor(async () => (await lab.cluster()).pause !== true, { what: 'the pause to end' });
  await lab.startPatroni(leader);

  const current = await lab.waitHealthy();
  const candidate = lab.state.nodes.find((n) => n.name !== current)!.name;
  await lab.switchover(current, candidate);
  await lab.waitHealthy();
  save('cluster-after-switchover', await lab.cluster());
  save('history', await lab.getJson(candidate, '/history'));
} finally {
  await lab.stop();
}
