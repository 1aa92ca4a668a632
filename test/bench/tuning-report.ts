/**
 * The verdicts of the tuning benchmark, from repeated client-side measurements of each configuration:
 * medians with their min–max spread, whether two configurations differ beyond that spread, and the
 * issue's four targets per workload. Pure: the benchmark measures, this judges.
 *
 * Throughput (completed transactions/s at the workload's own clients) is the measure of "better":
 * the clients run closed loops, so it moves with the mean transaction latency, and it is what a
 * user of the database sees.
 */
import { median } from './stats.js';

export interface ClientMeasurement {
  tps: number;
  meanLatencyMs: number;
  p95LatencyMs: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

/** Two configurations differ beyond the noise when their ranges over the repeated measurements do not overlap. */
export function beyondNoise(a: Spread, b: Spread): boolean {
  return a.max < b.min || b.max < a.min;
}

export type TargetStatus = 'met' | 'missed' | 'inside the noise';

export interface TargetVerdict {
  target: string;
  status: TargetStatus;
  detail: string;
}

export interface WorkloadOutcome {
  default: readonly ClientMeasurement[];
  pgtune: readonly ClientMeasurement[];
  session: readonly ClientMeasurement[];
  /** Absent when the random search was not run. */
  random: readonly ClientMeasurement[] | null;
  /** The session's first iteration whose score came within 10 % of its best; null if none was measured. */
  firstWithin10: number | null;
  iterationLimit: number;
}

const pct = (ratio: number) => `${(Math.abs(ratio - 1) * 100).toFixed(1)} %`;

/**
 * `candidate` must reach at least `floor` × `reference`'s median throughput. A shortfall whose
 * ranges overlap is reported as inside the noise rather than as a miss.
 */
function atLeast(target: string, candidate: Spread, reference: Spread, floor: number, names: [string, string]): TargetVerdict {
  const ratio = candidate.median / reference.median;
  if (!Number.isFinite(ratio)) return { target, status: 'missed', detail: 'not measured' };
  const shown = `${names[0]} ${candidate.median.toFixed(1)} vs ${names[1]} ${reference.median.toFixed(1)} tps (${ratio.toFixed(2)}×)`;
  if (ratio >= floor) return { target, status: 'met', detail: shown };
  const scaled = { median: reference.median * floor, min: reference.min * floor, max: reference.max * floor };
  if (!beyondNoise(candidate, scaled)) return { target, status: 'inside the noise', detail: `${shown}; ranges overlap` };
  return { target, status: 'missed', detail: `${shown}: short by ${pct(ratio / floor)}` };
}

export function workloadTargets(outcome: WorkloadOutcome): TargetVerdict[] {
  const tps = (runs: readonly ClientMeasurement[]) => spreadOf(runs.map((r) => r.tps));
  const a = tps(outcome.default);
  const b = tps(outcome.pgtune);
  const c = tps(outcome.session);
  const verdicts = [atLeast('(c) never worse than (b)', c, b, 1, ['(c)', '(b)'])];
  if (outcome.random !== null) verdicts.push(atLeast('(c) within 10 % of (d)', c, tps(outcome.random), 0.9, ['(c)', '(d)']));
  const first = outcome.firstWithin10;
  verdicts.push({
    target: 'within 10 % of its best by iteration 15',
    status: first !== null && first <= 15 ? 'met' : 'missed',
    detail: first === null ? 'no measured iteration' : `iteration ${first} of ${outcome.iterationLimit}`,
  });
  verdicts.push(atLeast('(c) transactions/s not below (a)', c, a, 1, ['(c)', '(a)']));
  return verdicts;
}
