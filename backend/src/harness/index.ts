/**
 * `@patroni-tuner/backend/harness`: the agent's own code that the lab, the benchmarks and the
 * deployment checks (test/) run, so that they drive and judge the cluster exactly as the agent does.
 * Test tooling only, run with tsx (the export points at this source; the built agent leaves it out);
 * the Grafana app uses the contract alone. Nothing else outside backend/ imports backend code.
 */

// The deployment checks hold the compose file, the systemd environment file and --help to the agent's own variable table and parser.
export { CONFIG_VARIABLES, loadConfig } from '../config/config.js';
// The lab reads pg_settings exactly as the agent does, so its checks compare like with like.
export { parseSettingRow, SETTINGS_SQL, type PgSetting, type PgSettingRow } from '../postgres/settings.js';
// The tuning benchmark applies random configurations through the agent's own Patroni client.
export { PatroniClient } from '../patroni/client.js';
// The tuning benchmark builds the catalogue the agent tunes; the failover benchmark matches values PostgreSQL-exactly, as the agent verifies them.
export {
  buildKnobCatalogue,
  currentConfiguration,
  pgtuneRecommendation,
  repairConfiguration,
  settingMatches,
  toSearchSpace,
  validateParameters,
  type KnobCatalogue,
} from '../tuning/knobs/index.js';
// The random-search baseline samples with the optimizer's seeded sampler, and its configurations' type.
export { createPrng, sampleConfiguration } from '../tuning/optimizer/index.js';
export type { Configuration } from '../model/configuration-space.js';
