/** What one drift check found and did (drift-checker.ts makes it; the API and the metrics show it). */
import type { Drift, DriftKind } from './detect.js';

export type CorrectionAction = 'reset_override' | 'reload';

export interface DriftReport {
  member: string | null;
  /** Epoch ms of the check. */
  at: number;
  /** Confirmed drifts (seen on two consecutive checks). */
  drifts: Drift[];
  /** Seen on this check only, waiting for confirmation. */
  pending: Drift[];
  /** Corrections made by this check. */
  corrected: Array<{ name: string; kind: DriftKind; action: CorrectionAction }>;
  /** Why the check could not run (PostgreSQL or Patroni unreachable), else null. */
  error: string | null;
}
