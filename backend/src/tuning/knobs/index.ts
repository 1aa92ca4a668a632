/** The knob catalogue and value validation (pure): see catalogue.ts for the overview. */
export {
  buildKnobCatalogue,
  clampToRange,
  currentConfiguration,
  findKnob,
  serverFactsFrom,
  toSearchSpace,
  type BoolKnob,
  type EnumKnob,
  type ExcludedSetting,
  type Knob,
  type KnobCatalogue,
  type NumericKnob,
} from './catalogue.js';
export { constraintViolations, repairConfiguration, type ConstraintRule, type Repair, type RepairResult } from './constraints.js';
export {
  classifySetting,
  EXCLUSION_REASONS,
  missingSearchSpaceKnobs,
  policyExclusion,
  RELOADABLE_CONTEXTS,
  type Classification,
  type ExclusionReason,
} from './exclusions.js';
export { decimalString, formatForDisplay } from './format.js';
export { hostFactsFrom, type HostFacts, type StorageKind } from './host-facts.js';
export {
  PGTUNE_LABEL,
  PGTUNE_WORKLOAD,
  pgtuneFirstCandidate,
  pgtuneRecommendation,
  pgtuneValues,
  type PgtuneRecommendation,
  type PgtuneValues,
  type PgtuneWorkload,
} from './pgtune.js';
export { KNOB_RULES, workMemCeilingBytes, type KnobRule, type RangeContext, type RangeSpec, type ServerFacts } from './ranges.js';
export {
  settingMatches,
  toParameterString,
  validateParameters,
  type ValidationError,
  type ValidationOptions,
  type ValidationResult,
} from './validate.js';
