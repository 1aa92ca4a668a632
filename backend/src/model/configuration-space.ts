/**
 * The search space as the optimizer sees it: named dimensions with ranges, scales and special
 * values, and configurations as plain records. The knob catalogue builds a space from pg_settings
 * and host facts; the optimizer only ever sees these types (no PostgreSQL, no units, no IO).
 */

export interface NumericDimension {
  name: string;
  type: 'int' | 'float';
  /** Inclusive bounds of the ordinary range. */
  low: number;
  high: number;
  /** Search on a log scale (memory sizes, costs); needs low > 0. */
  log: boolean;
  /**
   * Values outside or at the edge of the range with a meaning of their own (0 = off, -1 = use
   * another setting). The optimizer proposes them with a fixed bias instead of treating them as
   * points of the continuous range.
   */
  specials: readonly number[];
}

export interface CategoricalDimension {
  name: string;
  type: 'categorical';
  choices: readonly (string | boolean)[];
}

export type Dimension = NumericDimension | CategoricalDimension;

export type ConfigurationValue = number | string | boolean;

/** One value per dimension name. */
export type Configuration = Readonly<Record<string, ConfigurationValue>>;

/** A measured configuration. Lower scores are better; null means the trial failed or was reverted. */
export interface Trial {
  config: Configuration;
  score: number | null;
}

export type SuggestionReason = 'first' | 'initial' | 'model' | 'remeasure';

export interface Suggestion {
  config: Configuration;
  /** Why this configuration: a given first candidate, the space-filling design, the surrogate model, or a re-measure of the incumbent. */
  reason: SuggestionReason;
  /** The model's predicted score (lower is better) and its standard deviation, for a 'model' proposal. */
  prediction?: { score: number; sd: number };
  /** For a 'model' proposal: the improvement the model expects over its best predicted score (`incumbent`), in score units. */
  expected?: { improvement: number; incumbent: number };
}
