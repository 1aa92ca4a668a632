/**
 * Which databases' transactions the fallback objective (ms per transaction from pg_stat_database)
 * counts. The agents' state database is never the workload; the agent's and Patroni's connections
 * share the database the agent connects to (usually `postgres`) with whatever else runs there, so
 * naming the workload's databases (TUNER_WORKLOAD_DATABASES) leaves Patroni's heartbeat out too.
 */
export interface WorkloadDatabases {
  includes(database: string): boolean;
  /** For the session's `objective_selected` event. */
  description: string;
}

export function workloadDatabases(named: readonly string[] | null, stateDatabase: string | null): WorkloadDatabases {
  if (named !== null) {
    const set = new Set(named);
    return { includes: (database) => set.has(database), description: `databases ${named.join(', ')} (TUNER_WORKLOAD_DATABASES)` };
  }
  if (stateDatabase === null) return { includes: () => true, description: 'every database' };
  return { includes: (database) => database !== stateDatabase, description: `every database but ${stateDatabase} (the state store)` };
}
