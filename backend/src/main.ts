/** `npm run agent`: one agent beside one database node, configured by TUNER_* environment variables. */
import { loadConfig, redact, redactError } from './config/config.js';
import { formatDuration } from './config/duration.js';
import { ConfigError } from './config/errors.js';
import { AGENT_VERSION, createAgent } from './agent.js';

async function main(): Promise<void> {
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
  const agent = createAgent(config, { level: process.env.TUNER_LOG_LEVEL ?? 'info', serializers: { err: redactError } });
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

void main();
