/** The tuning optimizer: GP + expected improvement over the configuration space of model/configuration-space.ts. */
export { suggest } from './suggest.js';
export type { OptimizerOptions } from './options.js';
export { defaultInitialDesign, DEFAULT_CANDIDATES, DEFAULT_MAX_MEASUREMENTS, DEFAULT_SPECIAL_PROBABILITY } from './options.js';
export { OptimizerError, OptimizerInputError, SearchSpaceError, type OptimizerErrorCode } from './errors.js';
export { validateSpace } from './space-validation.js';
export {
  configurationKey,
  decodePoint,
  encodeConfiguration,
  featureLayout,
  isInSpace,
  projectConfiguration,
  type FeatureLayout,
} from './encoding.js';
export { createPrng, deriveSeed, type Prng } from './prng.js';
export { latinHypercube } from './latin-hypercube.js';
export { initialDesign } from './design.js';
export { modelIterationsSinceRepeat, phaseItems, phaseState, type PhaseItem, type PhaseState } from './phases.js';
export { failureScore, summarizeHistory, type HistorySummary, type TrialGroup } from './history.js';
export { sampleConfiguration } from './sampling.js';
export { expectedImprovement, logExpectedImprovement } from './acquisition.js';
export { fitGaussianProcess, type GaussianProcess, type GpData, type GpHyperparameters } from './gp.js';
export { selectHyperparameters } from './hyperparameters.js';
