/**
 * Pure guardrails (DESIGN.md §4 rule 7). The memory bound is checked before a candidate is applied,
 * so a candidate that could exhaust memory is never sent; the regression check decides after a
 * measurement whether to revert at once to the best known configuration.
 */
import type { GuardrailVerdict } from '../model/records.js';

export interface GuardrailSettings {
  /** Share of host memory the bound may reach (0.9 = 90 %). */
  memoryThreshold: number;
  /** A score this many times the baseline's (or worse) is a regression: 2 = twice the query time. */
  regressionThreshold: number;
  /** Sort/hash nodes one connection may run at once, for the memory bound. */
  nodesPerConnection: number;
}

export const DEFAULT_GUARDRAILS: GuardrailSettings = { memoryThreshold: 0.9, regressionThreshold: 2, nodesPerConnection: 2 };

/** The memory inputs, in bytes and counts, with the candidate's values already merged in. */
export interface MemoryInputs {
  hostMemoryBytes: number;
  /** Whose memory `hostMemoryBytes` is ("member node3"), named in the verdict. */
  memoryBoundBy: string | null;
  sharedBuffersBytes: number;
  workMemBytes: number;
  hashMemMultiplier: number;
  maintenanceWorkMemBytes: number;
  /** autovacuum_work_mem (-1 = maintenance_work_mem) applies per autovacuum worker. */
  autovacuumWorkMemBytes: number | null;
  autovacuumMaxWorkers: number;
  maxConnections: number;
  maxParallelWorkers: number;
}

/**
 * Worst-case memory: every connection and parallel worker running `nodesPerConnection` hash nodes at
 * work_mem × hash_mem_multiplier, every autovacuum worker at its maintenance memory, plus shared buffers.
 */
export function memoryBound(inputs: MemoryInputs, settings: GuardrailSettings): number {
  const perNode = inputs.workMemBytes * Math.max(1, inputs.hashMemMultiplier);
  const backends = (inputs.maxConnections + inputs.maxParallelWorkers) * settings.nodesPerConnection;
  const autovacuumMem =
    inputs.autovacuumWorkMemBytes !== null && inputs.autovacuumWorkMemBytes > 0
      ? inputs.autovacuumWorkMemBytes
      : inputs.maintenanceWorkMemBytes;
  return perNode * backends + autovacuumMem * inputs.autovacuumMaxWorkers + inputs.sharedBuffersBytes;
}

export function checkMemory(inputs: MemoryInputs, settings: GuardrailSettings): GuardrailVerdict {
  const bound = memoryBound(inputs, settings);
  const limit = inputs.hostMemoryBytes * settings.memoryThreshold;
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  const detail = `worst-case memory ${gib(bound)} vs ${Math.round(settings.memoryThreshold * 100)} % of ${gib(inputs.hostMemoryBytes)}${
    inputs.memoryBoundBy === null ? '' : ` (${inputs.memoryBoundBy}, the smallest)`
  } = ${gib(limit)}`;
  return { guardrail: 'memory', ok: bound <= limit, detail };
}

/** Lower scores are better; a failed measurement (null) is an error, not a regression. */
export function checkRegression(score: number, baselineScore: number, settings: GuardrailSettings): GuardrailVerdict {
  const ratio = score / baselineScore;
  return {
    guardrail: 'regression',
    ok: ratio < settings.regressionThreshold,
    detail: `score ${score.toPrecision(4)} is ${ratio.toFixed(2)}× the baseline's ${baselineScore.toPrecision(4)} (limit ${settings.regressionThreshold}×)`,
  };
}
