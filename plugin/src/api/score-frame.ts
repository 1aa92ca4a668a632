/**
 * The score of each measured iteration as a Grafana data frame, beside the baseline's score and the best
 * so far; the statement comparison's 95 % interval as low/high where the window was compared.
 */
import { FieldType, createDataFrame, type DataFrame } from '@grafana/data';
import type { IterationRecord } from '@patroni-tuner/backend/contract';

export const SCORE_FIELDS = {
  score: 'Score',
  baseline: 'Baseline',
  best: 'Best so far',
  low: 'Interval low',
  high: 'Interval high',
} as const;

export function scoreFrame(iterations: readonly IterationRecord[]): DataFrame {
  const measured = iterations.filter((i) => i.score !== null && i.endedAt !== null).sort((a, b) => a.number - b.number);
  const baseline = measured.find((i) => i.number === 0)?.score ?? null;
  let best: number | null = null;
  const bestSoFar = measured.map((i) => (best = best === null ? i.score! : Math.min(best, i.score!)));
  // score = referenceMeanMs × ratio (mean query time), so the ratio's interval scales the same way.
  const bound = (i: IterationRecord, side: 'low' | 'high') => {
    const comparison = i.measurement?.comparison ?? null;
    return comparison === null ? null : comparison.referenceMeanMs * comparison[side];
  };
  return createDataFrame({
    name: 'score per iteration',
    fields: [
      { name: 'Time', type: FieldType.time, values: measured.map((i) => Date.parse(i.endedAt!)) },
      { name: 'Iteration', type: FieldType.number, values: measured.map((i) => i.number) },
      { name: SCORE_FIELDS.score, type: FieldType.number, values: measured.map((i) => i.score) },
      { name: SCORE_FIELDS.baseline, type: FieldType.number, values: measured.map(() => baseline) },
      { name: SCORE_FIELDS.best, type: FieldType.number, values: bestSoFar },
      { name: SCORE_FIELDS.low, type: FieldType.number, values: measured.map((i) => bound(i, 'low')) },
      { name: SCORE_FIELDS.high, type: FieldType.number, values: measured.map((i) => bound(i, 'high')) },
    ],
  });
}
