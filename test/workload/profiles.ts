/**
 * Workloads of different character over the same prepared data, for benchmarks that must show a
 * tuner is not fitted to one mix. Each is a transaction mix and a client count for `runWorkload`:
 *
 * - `mixed`: the reference mix, mostly TPC-B transactions with reporting queries in between.
 * - `analytic`: read-mostly; the reporting queries' joins, sorts and aggregates over a data set larger
 *   than the lab's shared_buffers (128 MB) and cached by the OS, with a trickle of TPC-B updates.
 * - `write-heavy`: TPC-B only, twice the clients: many small transactions, commit-bound, a large
 *   WAL volume and the checkpoints that follow it.
 */
import type { Mix } from './transactions.js';

export const WORKLOAD_PROFILE_NAMES = ['mixed', 'analytic', 'write-heavy'] as const;
export type WorkloadProfileName = (typeof WORKLOAD_PROFILE_NAMES)[number];

export interface WorkloadProfile {
  name: WorkloadProfileName;
  description: string;
  mix: Mix;
  clients: number;
}

export const WORKLOAD_PROFILES: Readonly<Record<WorkloadProfileName, WorkloadProfile>> = {
  mixed: {
    name: 'mixed',
    description: 'reference mix: TPC-B 8 : reporting 2, 4 clients',
    mix: { oltp: 8, reporting: 2 },
    clients: 4,
  },
  analytic: {
    name: 'analytic',
    description: 'read-mostly: reporting 19 : TPC-B 1 (joins, sorts, aggregates), 4 clients',
    mix: { oltp: 1, reporting: 19 },
    clients: 4,
  },
  'write-heavy': {
    name: 'write-heavy',
    description: 'write-heavy: TPC-B only (small commit-bound transactions, WAL, checkpoints), 8 clients',
    mix: { oltp: 1, reporting: 0 },
    clients: 8,
  },
};

export class UnknownWorkloadProfileError extends Error {
  constructor(readonly given: string) {
    super(`unknown workload "${given}" (known: ${WORKLOAD_PROFILE_NAMES.join(', ')})`);
    this.name = 'UnknownWorkloadProfileError';
  }
}

/** A comma-separated list of profile names, in the order given, each once. */
export function parseWorkloadProfiles(text: string): WorkloadProfile[] {
  const names = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (names.length === 0) throw new UnknownWorkloadProfileError(text);
  const profiles: WorkloadProfile[] = [];
  for (const name of names) {
    if (!(WORKLOAD_PROFILE_NAMES as readonly string[]).includes(name)) throw new UnknownWorkloadProfileError(name);
    const profile = WORKLOAD_PROFILES[name as WorkloadProfileName];
    if (!profiles.includes(profile)) profiles.push(profile);
  }
  return profiles;
}
