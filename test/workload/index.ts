/** The reference mixed workload: what tests, the demo and the benchmark import. */
export { type DatabaseUrlSource, withDatabase } from './connection.js';
export { resultsSummary, resultsTable } from './format.js';
export {
  prepareWorkload,
  type PrepareOptions,
  type PrepareResult,
  readMeta,
  waitForReplay,
  WorkloadNotPreparedError,
} from './prepare.js';
export { DEFAULT_APPLICATION_NAME, type Progress, runWorkload, type RunOptions, type TransactionStats, type WorkloadResults } from './run.js';
export { DEFAULT_WORKLOAD_DATABASE, ROWS_PER_SCALE, SCHEMA_VERSION } from './schema.js';
export { type StatementsSnapshot, statementsSnapshot, statementsWindow, type StatementsWindow } from './statements.js';
export type { LatencySummary } from './stats.js';
export {
  DEFAULT_MIX,
  type Kind,
  type Mix,
  REPORTING,
  REPORTING_QUERIES,
  type ReportingMix,
  type ReportingQueryName,
} from './transactions.js';
