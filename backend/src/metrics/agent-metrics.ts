import { counter, gauge, single, type FamilySpec } from './family.js';
import type { Scrape } from './scrape.js';

export const agentFamilies: FamilySpec<Scrape>[] = [
  gauge('pgtuner_agent_info', 'The agent version; always 1.', (s) => single(1, { version: s.agent.version })),
  gauge('pgtuner_agent_start_time_seconds', 'When the agent started (epoch seconds).', (s) => single(s.agent.startedAt / 1000)),
  counter('pgtuner_agent_polls_total', 'Topology polls (Patroni and PostgreSQL) since the agent started.', (s) =>
    single(s.watcher.polls),
  ),
  counter('pgtuner_agent_poll_errors_total', 'Polls that failed, by what failed.', (s) => [
    { labels: { target: 'patroni' }, value: s.watcher.patroniErrors },
    { labels: { target: 'postgres' }, value: s.watcher.postgresErrors },
  ]),
  gauge(
    'pgtuner_agent_last_successful_poll_timestamp_seconds',
    'When Patroni and PostgreSQL last both answered a poll (epoch seconds); absent before the first.',
    (s) => single(s.watcher.lastSuccessAt === null ? null : s.watcher.lastSuccessAt / 1000),
  ),
];
