/**
 * What the optimizer refuses: a search space it cannot map to the unit cube, or options, trials and
 * first candidates that do not fit the space. Both carry a stable `code` and the offending values
 * in the message, so the session can log them as one line.
 */

export type OptimizerErrorCode = 'PGT_OPTIMIZER_SPACE_INVALID' | 'PGT_OPTIMIZER_INPUT_INVALID';

export abstract class OptimizerError extends Error {
  abstract readonly code: OptimizerErrorCode;
}

/** The search space is unusable: empty, duplicate names, low > high, log scale with low ≤ 0 … */
export class SearchSpaceError extends OptimizerError {
  override readonly name = 'SearchSpaceError';
  readonly code = 'PGT_OPTIMIZER_SPACE_INVALID';

  /** @param dimension the dimension's name, or null for a problem with the space as a whole. */
  constructor(
    readonly dimension: string | null,
    problem: string,
  ) {
    super(dimension === null ? `search space: ${problem}` : `search space, dimension ${JSON.stringify(dimension)}: ${problem}`);
  }
}

/** Options, a trial or a first candidate do not fit: a missing value, a wrong type, a bad count. */
export class OptimizerInputError extends OptimizerError {
  override readonly name = 'OptimizerInputError';
  readonly code = 'PGT_OPTIMIZER_INPUT_INVALID';

  /** @param where what was wrong, e.g. `options.candidates` or `history[3].config.work_mem`. */
  constructor(
    readonly where: string,
    problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}
