/**
 * The history as the model sees it: trials grouped by configuration (repeats averaged), failed
 * trials given a score, and the incumbent.
 *
 * Failed trials (score null, or a non-finite number) are treated as bad, not ignored, so the model
 * learns to avoid their region: their score is worst + (worst − best) over the successful trials,
 * i.e. as far beyond the worst as the worst is from the best (GPTuner gives crashes "twice worse
 * than the worst"; LlamaTune the worst seen). With a single distinct successful score s it is
 * s + |s| (s + 1 if s = 0). It is recomputed on every call, so it follows the observed spread. With
 * no successful trial at all every point gets the same score and the model explores away from them.
 */
import type { Configuration, Dimension, Trial } from '../../model/configuration-space.js';
import { configurationKey, encodeConfiguration, type FeatureLayout, isInSpace } from './encoding.js';
import { OptimizerInputError } from './errors.js';

export interface TrialGroup {
  key: string;
  /** The configuration of the group's first trial, as given. */
  config: Configuration;
  features: number[];
  /** Index in the history of the group's first trial. */
  firstIndex: number;
  /** The successful scores, in history order. */
  scores: number[];
  /** Trials, successful and failed. */
  count: number;
  failures: number;
  /** Mean over all the group's trials, failed ones counted at the failure score. */
  mean: number;
  /** Every value is a range value or a special of the space (history may hold e.g. an out-of-range baseline). */
  inSpace: boolean;
}

export interface HistorySummary {
  groups: TrialGroup[];
  /** configurationKey of each trial, in history order. */
  keys: string[];
  /** The score given to failed trials; null when no trial succeeded. */
  failureScore: number | null;
  /** The in-space group with at least one success and the lowest mean (earliest on ties); null if none. */
  incumbent: TrialGroup | null;
}

export function failureScore(successful: readonly number[]): number | null {
  if (successful.length === 0) return null;
  const best = Math.min(...successful);
  const worst = Math.max(...successful);
  if (worst > best) return worst + (worst - best);
  return worst + (worst === 0 ? 1 : Math.abs(worst));
}

function isSuccess(score: number | null): score is number {
  return typeof score === 'number' && Number.isFinite(score);
}

export function summarizeHistory(history: readonly Trial[], space: readonly Dimension[], layout: FeatureLayout): HistorySummary {
  if (!Array.isArray(history)) throw new OptimizerInputError('history', 'must be an array');
  const byKey = new Map<string, TrialGroup>();
  const groups: TrialGroup[] = [];
  const keys: string[] = [];
  const successful: number[] = [];
  history.forEach((trial, index) => {
    if (typeof trial !== 'object' || trial === null || typeof trial.config !== 'object' || trial.config === null) {
      throw new OptimizerInputError(`history[${index}]`, 'must be { config, score }');
    }
    if (trial.score !== null && typeof trial.score !== 'number') {
      throw new OptimizerInputError(`history[${index}].score`, `must be a number or null, got ${JSON.stringify(trial.score)}`);
    }
    const key = configurationKey(trial.config, space);
    keys.push(key);
    let group = byKey.get(key);
    if (!group) {
      group = {
        key,
        config: trial.config,
        features: encodeConfiguration(trial.config, space, layout, `history[${index}].config`),
        firstIndex: index,
        scores: [],
        count: 0,
        failures: 0,
        mean: 0,
        inSpace: isInSpace(trial.config, space),
      };
      byKey.set(key, group);
      groups.push(group);
    }
    group.count++;
    if (isSuccess(trial.score)) {
      group.scores.push(trial.score);
      successful.push(trial.score);
    } else {
      group.failures++;
    }
  });
  const failed = failureScore(successful);
  let incumbent: TrialGroup | null = null;
  for (const group of groups) {
    const sum = group.scores.reduce((a, b) => a + b, 0) + group.failures * (failed ?? 0);
    group.mean = sum / group.count;
    if (group.inSpace && group.scores.length > 0 && (incumbent === null || group.mean < incumbent.mean)) incumbent = group;
  }
  return { groups, keys, failureScore: failed, incumbent };
}
