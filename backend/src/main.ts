#!/usr/bin/env node
/**
 * The agent beside one database node (`patroni-tuner-agent`, `node backend/dist/main.js`, or
 * `npm run agent` from the sources), configured by TUNER_* environment variables.
 */
import { CONFIG_VARIABLES, DEFAULTS, loadConfig, redact, redactError, type ConfigVariable } from './config/config.js';
import { formatDuration } from './config/duration.js';
import { ConfigError } from './config/errors.js';
import { AGENT_VERSION, createAgent } from './agent.js';

const USAGE = 'usage: patroni-tuner-agent [--help | --version]  (configured by the environment)';

/** `--help`: the configuration table, printed from the table `loadConfig` reads. */
function helpText(): string {
  const rows = Object.entries(CONFIG_VARIABLES).map(([name, variable]: [string, ConfigVariable]) => ({
    name,
    fallback: variable.defaultNote ?? variable.default ?? '-',
    meaning: variable.meaning,
  }));
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  const defaultWidth = Math.max('default'.length, ...rows.map((r) => r.fallback.length));
  const line = (a: string, b: string, c: string) => `  ${a.padEnd(nameWidth)}  ${b.padEnd(defaultWidth)}  ${c}`;
  return [
    `patroni-tuner-agent ${AGENT_VERSION}: failover-aware tuning agent, one beside every Patroni node.`,
    USAGE,
    '',
    'Environment:',
    line('variable', 'default', 'meaning'),
    ...rows.map((r) => line(r.name, r.fallback, r.meaning)),
    '',
    'Durations accept 500ms, 30s, 5m, 1h. An invalid configuration exits with code 2.',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText());
    return;
  }
  if (argv.includes('--version')) {
    console.log(AGENT_VERSION);
    return;
  }
  if (argv.length > 0) {
    console.error(`patroni-tuner: unknown argument ${argv[0]}\n${USAGE}`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`patroni-tuner: invalid configuration: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const agent = createAgent(config, { level: process.env.TUNER_LOG_LEVEL || DEFAULTS.logLevel, serializers: { err: redactError } });
  const log = agent.app.log;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`received ${signal}, stopping`);
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  try {
    const address = await agent.start();
    log.info(
      `patroni-tuner ${AGENT_VERSION} listening on ${address}; Patroni ${config.patroni.url}, ` +
        `PostgreSQL ${redact(config.databaseUrl)}, poll every ${formatDuration(config.pollIntervalMs)}`,
    );
  } catch (error) {
    console.error(`patroni-tuner: cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`);
    await agent.stop().catch(() => undefined);
    process.exit(1);
  }
}

void main(process.argv.slice(2));
