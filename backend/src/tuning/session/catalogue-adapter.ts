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
import type { SessionCatalogue } from './ports.js';

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

export function sessionCatalogue(settings: readonly PgSetting[], host: HostFacts, knobs: readonly string[]): SessionCatalogue {
  const catalogue = restrictCatalogue(buildKnobCatalogue(settings, host), knobs);
  const names = catalogue.tunable.map((k) => k.name);
  return {
    names,
    space: toSearchSpace(catalogue),
    firstCandidates: [pgtuneFirstCandidate(catalogue)],
    currentValues: (current) => currentConfiguration(restrictCatalogue(buildKnobCatalogue(current, host), names)),
    repair: (config) => repairConfiguration(config, catalogue).config,
    validate: (changes, options) => {
      const result = validateParameters(changes, catalogue, { allowOutsideSearchRange: options?.restore === true });
      return result.ok ? { ok: true, parameters: result.parameters } : { ok: false, errors: result.errors };
    },
    matches: settingMatches,
  };
}
