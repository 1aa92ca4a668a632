/** The knob catalogue (tuning/knobs) seen through the SessionCatalogue port the runner uses. */
import type { PgSetting } from '../../postgres/settings.js';
import {
  buildKnobCatalogue,
  currentConfiguration,
  pgtuneFirstCandidate,
  repairConfiguration,
  settingMatches,
  toSearchSpace,
  validateParameters,
  type HostFacts,
  type KnobCatalogue,
} from '../knobs/index.js';
import { searchPriors, withPriors, type WorkloadSignals } from '../knobs/priors.js';
import type { Configuration } from '../../model/configuration-space.js';
import type { SessionCatalogue } from '../apply/ports.js';

/** Thrown when a session names knobs that are not tunable on this server. */
export class UnknownKnobError extends Error {
  override readonly name = 'UnknownKnobError';
  constructor(readonly knobs: readonly string[]) {
    super(`not tunable here: ${knobs.join(', ')}`);
  }
}

/** The catalogue limited to `knobs` (all tunable knobs when empty). */
export function restrictCatalogue(catalogue: KnobCatalogue, knobs: readonly string[]): KnobCatalogue {
  if (knobs.length === 0) return catalogue;
  const wanted = new Set(knobs);
  const tunable = catalogue.tunable.filter((k) => wanted.has(k.name));
  const missing = knobs.filter((name) => !tunable.some((k) => k.name === name));
  if (missing.length > 0) throw new UnknownKnobError(missing);
  return { ...catalogue, tunable };
}

/** `signals`: the workload's counters at the session's start, for the search priors; null when unread. */
export function sessionCatalogue(
  settings: readonly PgSetting[],
  host: HostFacts,
  knobs: readonly string[],
  signals: WorkloadSignals | null,
): SessionCatalogue {
  const catalogue = restrictCatalogue(buildKnobCatalogue(settings, host), knobs);
  const names = catalogue.tunable.map((k) => k.name);
  const pgtune = pgtuneFirstCandidate(catalogue);
  const priors = signals === null ? [] : searchPriors(signals, catalogue, pgtune);
  const repair = (config: Configuration) => repairConfiguration(config, catalogue).config;
  return {
    names,
    space: toSearchSpace(catalogue),
    firstCandidates: priors.length === 0 ? [pgtune] : [pgtune, repair(withPriors(pgtune, priors))],
    priors,
    currentValues: (current) => currentConfiguration(restrictCatalogue(buildKnobCatalogue(current, host), names)),
    repair,
    validate: (changes, options) => {
      const result = validateParameters(changes, catalogue, { allowOutsideSearchRange: options?.restore === true });
      return result.ok ? { ok: true, parameters: result.parameters } : { ok: false, errors: result.errors };
    },
    matches: settingMatches,
  };
}
