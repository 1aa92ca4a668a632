/**
 * docker-compose.yml, validated without a container engine: Debian's docker-compose (v1) resolves it;
 * every path it builds from or mounts exists; the agents' environment is the agent's configuration
 * (names from backend/src/config, values loadConfig accepts); ports, member names and service names
 * agree with the Prometheus targets, the Patroni configuration and the Grafana provisioning.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { CONFIG_VARIABLES, loadConfig } from '@patroni-tuner/backend/harness';
import { REPO } from '../lab/queries.js';
import { readYaml } from '../lab/yaml.js';

const SECRETS = { PATRONI_TUNER_API_TOKEN: 'compose-test-token', POSTGRES_PASSWORD: 'compose-test-password' };

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  network_mode?: string;
  pid?: string;
  /** As docker-compose config normalises them. */
  ports?: Array<{ published: number; target: number }>;
  command?: string[];
}
interface Compose {
  services: Record<string, Service>;
}

let dir: string;
let compose: Compose;

function composeConfig(env: Record<string, string>) {
  return spawnSync('/usr/bin/docker-compose', ['--project-directory', REPO, '-f', join(REPO, 'docker-compose.yml'), 'config'], {
    cwd: REPO,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
}

before(() => {
  const result = composeConfig(SECRETS);
  assert.equal(result.status, 0, `docker-compose config:\n${result.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'compose-test-'));
  writeFileSync(join(dir, 'resolved.yml'), result.stdout);
  compose = readYaml<Compose>(join(dir, 'resolved.yml'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const services = () => compose.services;
const nodes = ['node1', 'node2', 'node3'];
const agentOf = (node: string) => `agent${node.slice(-1)}`;

test('the stack: etcd, three nodes, an agent per node, the load generator, Prometheus and Grafana 12', () => {
  assert.deepEqual(Object.keys(services()).sort(), ['agent1', 'agent2', 'agent3', 'etcd', 'grafana', 'loadgen', 'node1', 'node2', 'node3', 'prometheus']);
  assert.match(services().grafana!.image ?? '', /^grafana\/grafana:12\./);
  assert.match(services().prometheus!.image ?? '', /^prom\/prometheus:/);
});

test('secrets come only from the environment: without them docker-compose refuses, naming the variable', () => {
  const result = composeConfig({ POSTGRES_PASSWORD: 'x' });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /PATRONI_TUNER_API_TOKEN/);
  const text = readFileSync(join(REPO, 'docker-compose.yml'), 'utf8');
  assert.ok(!text.includes(SECRETS.PATRONI_TUNER_API_TOKEN));
});

test('every build context, Dockerfile, file a Dockerfile copies, and mounted path exists', () => {
  for (const [name, service] of Object.entries(services())) {
    if (service.build) {
      const dockerfile = resolve(service.build.context, service.build.dockerfile);
      assert.ok(existsSync(dockerfile), `${name}: ${dockerfile}`);
      for (const [, source] of readFileSync(dockerfile, 'utf8').matchAll(/^COPY (?!--from)(\S+) /gm)) {
        assert.ok(existsSync(resolve(service.build.context, source!)), `${name}: COPY ${source}`);
      }
    }
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (!source.startsWith('/')) continue; // a named volume
      // plugin/dist is what `npm run build` makes of the Grafana plugin workspace; a clean clone has none yet.
      if (source === join(REPO, 'plugin', 'dist')) continue;
      assert.ok(existsSync(source), `${name}: mounts ${source}`);
    }
  }
  const grafanaMounts = services().grafana!.volumes ?? [];
  assert.ok(grafanaMounts.some((v) => v.startsWith(`${join(REPO, 'plugin', 'dist')}:/var/lib/grafana/plugins/patronituner-app`)), 'the built plugin');
  assert.ok(grafanaMounts.some((v) => v.startsWith(`${join(REPO, 'provisioning', 'grafana')}:/etc/grafana/provisioning`)), 'the provisioning');
});

test("each agent shares its node's network and pid namespaces and runs on a configuration the agent accepts", () => {
  const known = new Set(Object.keys(CONFIG_VARIABLES));
  for (const node of nodes) {
    const agent = services()[agentOf(node)]!;
    assert.equal(agent.network_mode, `service:${node}`);
    assert.equal(agent.pid, `service:${node}`);
    const env = agent.environment ?? {};
    assert.deepEqual(Object.keys(env).filter((k) => !known.has(k)), [], `${agentOf(node)}: unknown variables`);
    const config = loadConfig(env);
    assert.equal(config.apiToken, SECRETS.PATRONI_TUNER_API_TOKEN);
    assert.equal(config.listen.host, '0.0.0.0', 'reachable from Prometheus and Grafana');
    assert.equal(config.memberName, services()[node]!.environment!.PATRONI_NAME);
    const patroniEnv = services()[node]!.environment!;
    assert.equal(config.patroni.username, patroniEnv.PATRONI_RESTAPI_USERNAME);
    assert.equal(config.patroni.password, patroniEnv.PATRONI_RESTAPI_PASSWORD);
    assert.equal(new URL(config.databaseUrl).password, patroniEnv.PATRONI_SUPERUSER_PASSWORD);
  }
});

test('ports and names agree: Prometheus targets, Grafana agent URLs, Patroni and PostgreSQL', () => {
  const patroni = readYaml<{ scope: string; restapi: { listen: string }; postgresql: { listen: string } }>(
    join(REPO, 'deploy', 'docker', 'patroni', 'patroni.yml'),
  );
  const restPort = patroni.restapi.listen.split(':')[1];
  const pgPort = patroni.postgresql.listen.split(':')[1];
  type Targets = Array<{ targets: string[]; labels: { scope: string; member: string } }>;
  const agentTargets = readYaml<Targets>(join(REPO, 'provisioning', 'prometheus', 'targets', 'agents.yml'));
  const patroniTargets = readYaml<Targets>(join(REPO, 'provisioning', 'prometheus', 'targets', 'patroni.yml'));
  const grafanaEnv = services().grafana!.environment!;
  for (const [index, node] of nodes.entries()) {
    const config = loadConfig(services()[agentOf(node)]!.environment!);
    const agentAddress = `${node}:${config.listen.port}`;
    assert.deepEqual(agentTargets.find((t) => t.labels.member === node), { targets: [agentAddress], labels: { scope: patroni.scope, member: node } });
    assert.deepEqual(patroniTargets.find((t) => t.labels.member === node), { targets: [`${node}:${restPort}`], labels: { scope: patroni.scope, member: node } });
    assert.equal(grafanaEnv[`PATRONI_TUNER_AGENT_URL_${index + 1}`], `http://${agentAddress}`);
    assert.equal(new URL(config.patroni.url).port, restPort, "the agent's Patroni URL");
    assert.equal(new URL(config.databaseUrl).port || '5432', pgPort, "the agent's PostgreSQL URL");
    assert.equal(services()[node]!.environment!.PATRONI_RESTAPI_CONNECT_ADDRESS, `${node}:${restPort}`);
  }
  assert.equal(agentTargets.length, nodes.length);
  assert.equal(services().loadgen!.environment!.WORKLOAD_PATRONI_URLS, nodes.map((n) => `http://${n}:${restPort}`).join(','));
});

test("Grafana's environment sets every variable its provisioning reads, and allows the unsigned app", () => {
  const env = services().grafana!.environment!;
  assert.equal(env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS, 'patronituner-app');
  const provisioning = ['datasources/prometheus.yaml', 'plugins/patroni-tuner.yaml', 'alerting/contact-points.yaml', 'alerting/patroni-tuner.yaml']
    .map((f) => readFileSync(join(REPO, 'provisioning', 'grafana', f), 'utf8').replace(/^#.*$/gm, ''))
    .join('\n');
  const used = new Set([...provisioning.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!));
  assert.ok(used.size >= 5);
  for (const variable of used) assert.ok(env[variable], `grafana: ${variable} is set`);
  assert.equal(env.PATRONI_TUNER_PROMETHEUS_URL, `http://prometheus:${services().prometheus!.ports![0]!.target}`);
  assert.equal(env.PATRONI_TUNER_API_TOKEN, SECRETS.PATRONI_TUNER_API_TOKEN);
  const prometheusMount = (services().prometheus!.volumes ?? []).find((v) => v.startsWith(join(REPO, 'provisioning', 'prometheus')));
  assert.ok(prometheusMount?.includes(':/etc/prometheus'), 'the project provisioning in Prometheus');
  assert.ok(services().prometheus!.command!.includes('--config.file=/etc/prometheus/prometheus.yml'));
});
