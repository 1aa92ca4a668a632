/**
 * Where the session stands in the fixed part of the plan — the given first candidates, then the
 * initial design — read from the history alone.
 *
 * The history is taken to be what the session builds: optionally one trial it measured on its own
 * (the baseline) at index 0, then one trial per suggestion, in order. So every trial from index 1
 * on answers the pending phase item of the history before it, even when the session changed the
 * configuration before measuring it (a constraint repair, PostgreSQL rounding a unit): counting,
 * not only matching, keeps such an item from being proposed again and again. A trial equal to an
 * item (at any index, the baseline included) also marks that item done.
 */
import type { Configuration, Dimension, SuggestionReason } from '../../model/configuration-space.js';
import { configurationKey } from './encoding.js';

export interface PhaseItem {
  config: Configuration;
  key: string;
  reason: Extract<SuggestionReason, 'first' | 'initial'>;
}

/** First candidates then design points, each key once (a later duplicate is dropped). */
export function phaseItems(first: readonly Configuration[], design: readonly Configuration[], space: readonly Dimension[]): PhaseItem[] {
  const items: PhaseItem[] = [];
  const keys = new Set<string>();
  const add = (config: Configuration, reason: PhaseItem['reason']) => {
    const key = configurationKey(config, space);
    if (keys.has(key)) return;
    keys.add(key);
    items.push({ config, key, reason });
  };
  for (const config of first) add(config, 'first');
  for (const config of design) add(config, 'initial');
  return items;
}

export interface PhaseState {
  /** The item to propose now, or null when the fixed part of the plan is done. */
  next: PhaseItem | null;
  /** Index of the last history trial that answered or matched an item; -1 if none. */
  lastPhaseTrial: number;
}

/** @param keys configurationKey of each history trial, in order. */
export function phaseState(items: readonly PhaseItem[], keys: readonly string[]): PhaseState {
  const index = new Map(items.map((item, i) => [item.key, i]));
  const done = new Array<boolean>(items.length).fill(false);
  const seen = new Set<string>();
  const pending = (): number => items.findIndex((item, i) => !done[i] && !seen.has(item.key));
  let lastPhaseTrial = -1;
  keys.forEach((key, t) => {
    if (t >= 1) {
      const answered = pending();
      if (answered >= 0) {
        done[answered] = true;
        lastPhaseTrial = t;
      }
    }
    const matched = index.get(key);
    if (matched !== undefined) {
      done[matched] = true;
      lastPhaseTrial = t;
    }
    seen.add(key);
  });
  const next = pending();
  return { next: next >= 0 ? items[next]! : null, lastPhaseTrial };
}

/**
 * New configurations tried after the fixed part of the plan, counted since the last trial that
 * repeated an earlier configuration (a re-measure).
 */
export function modelIterationsSinceRepeat(keys: readonly string[], lastPhaseTrial: number): number {
  const earlier = new Set(keys.slice(0, lastPhaseTrial + 1));
  let count = 0;
  for (let i = lastPhaseTrial + 1; i < keys.length; i++) {
    const key = keys[i]!;
    if (earlier.has(key)) count = 0;
    else count++;
    earlier.add(key);
  }
  return count;
}
