/**
 * Recommendations without applying anything (issue 12 item 7), for people who will not let the agent
 * change their cluster: PGTune's advice for this host (reload-only knobs only) and the best
 * configuration a session measured, each as a `patronictl edit-config` command, the YAML for
 * `patronictl edit-config --apply -`, and the body of Patroni's `PATCH /config`.
 */
import type { PatroniConfigPatch } from '../patroni/responses.js';
import type { BaselineRecord, IterationRecord, SessionRecord } from '../model/records.js';
import { currentConfiguration, pgtuneRecommendation, validateParameters, type KnobCatalogue } from './knobs/index.js';
import type { Configuration } from '../model/configuration-space.js';

export interface Recommendation {
  source: 'pgtune' | 'best_measured';
  /** Where the best measured configuration comes from; null for PGTune's advice. */
  measuredIn: { sessionId: string; iteration: number; improvementRatio: number | null; endedAt: string | null } | null;
  /** Patroni's strings, only the knobs whose value would change. */
  parameters: Record<string, string>;
  patronictl: {
    /** One command line (`-p name=value` per parameter). */
    command: string;
    /** For `patronictl edit-config <cluster> --apply -`. */
    yaml: string;
  };
  /** The body of Patroni's `PATCH /config`. */
  patch: PatroniConfigPatch;
  /** What was clamped, left out or adapted, for people. */
  notes: string[];
}

export interface RecommendationView {
  pgtune: Recommendation;
  /** The best configuration measured by the latest session that found one; null before. */
  bestMeasured: Recommendation | null;
}

/** PGTune's values for this host, for the knobs the tuner may change with a reload, that differ from what is in force. */
export function pgtuneAdvice(catalogue: KnobCatalogue, scope: string): Recommendation {
  const advice = pgtuneRecommendation(catalogue);
  const notes = [...advice.notes];
  const parameters = patroniStrings(changed(currentConfiguration(catalogue), advice.parameters), catalogue, notes);
  return recommendation('pgtune', null, parameters, scope, notes);
}

/**
 * The best iteration of `session` (the one it ended on, which beat the baseline by the improvement
 * margin), as the values that differ from the session's baseline; null when it has none.
 */
export function bestMeasured(
  catalogue: KnobCatalogue,
  scope: string,
  session: SessionRecord,
  iterations: readonly IterationRecord[],
  baseline: BaselineRecord,
): Recommendation | null {
  const number = session.result?.bestIteration ?? null;
  const best = number === null ? undefined : iterations.find((i) => i.number === number);
  if (best === undefined) return null;
  const notes: string[] = [];
  const tuned = new Set(catalogue.tunable.map((k) => k.name));
  const candidate: Record<string, Configuration[string]> = {};
  for (const [name, value] of Object.entries(best.candidate)) {
    if (tuned.has(name)) candidate[name] = value;
    else notes.push(`${name}: measured in the session but not tunable on this server now; left out`);
  }
  const parameters = patroniStrings(changed(baseline.effective, candidate), catalogue, notes);
  const measuredIn = {
    sessionId: session.id,
    iteration: best.number,
    improvementRatio: session.result?.improvementRatio ?? null,
    endedAt: session.endedAt?.toISOString() ?? null,
  };
  return recommendation('best_measured', measuredIn, parameters, scope, notes);
}

function changed(from: Configuration, to: Configuration): Record<string, Configuration[string]> {
  return Object.fromEntries(Object.entries(to).filter(([name, value]) => from[name] !== value));
}

/** Validated as anything sent to Patroni would be (safety rule 6); a value refused is left out with a note. */
function patroniStrings(values: Record<string, Configuration[string]>, catalogue: KnobCatalogue, notes: string[]): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const validation = validateParameters({ [name]: value }, catalogue, { allowOutsideSearchRange: true });
    if (validation.ok) Object.assign(parameters, validation.parameters);
    else notes.push(`${validation.errors.map((e) => e.message).join('; ')}; left out`);
  }
  return parameters;
}

function recommendation(
  source: Recommendation['source'],
  measuredIn: Recommendation['measuredIn'],
  parameters: Record<string, string>,
  scope: string,
  notes: string[],
): Recommendation {
  const names = Object.keys(parameters).sort();
  const command = [`patronictl edit-config ${shellQuote(scope)}`, ...names.map((name) => `-p ${shellQuote(`${name}=${parameters[name]}`)}`)].join(' ');
  const yaml = names.length === 0 ? '' : ['postgresql:', '  parameters:', ...names.map((name) => `    ${name}: ${yamlQuote(parameters[name]!)}`)].join('\n') + '\n';
  return {
    source,
    measuredIn,
    parameters,
    patronictl: { command: names.length === 0 ? '' : command, yaml },
    patch: { postgresql: { parameters } },
    notes,
  };
}

/** POSIX shell single quotes (a quote inside becomes '\''); plain words stay bare. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Single-quoted YAML scalars: Patroni's values stay strings ('on', '1.1', '16MB'). */
function yamlQuote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export interface RecommendationSources {
  /** The knob catalogue from this node's pg_settings and host. */
  catalogue(): Promise<KnobCatalogue>;
  /** The cluster's sessions, newest first, and one session's history (SessionService). */
  sessions(): Promise<SessionRecord[]>;
  history(sessionId: string): Promise<{ iterations: IterationRecord[]; baseline: BaselineRecord | null }>;
  /** Patroni scope of this cluster (patronictl's cluster name). */
  scope(): string;
}

/** PGTune's advice and, once a session found one, the best configuration measured (the latest such session's). */
export async function recommend(sources: RecommendationSources): Promise<RecommendationView> {
  const catalogue = await sources.catalogue();
  const scope = sources.scope();
  for (const session of await sources.sessions()) {
    if (session.result?.bestIteration === null || session.result?.bestIteration === undefined) continue;
    const { iterations, baseline } = await sources.history(session.id);
    const best = baseline === null ? null : bestMeasured(catalogue, scope, session, iterations, baseline);
    if (best !== null) return { pgtune: pgtuneAdvice(catalogue, scope), bestMeasured: best };
  }
  return { pgtune: pgtuneAdvice(catalogue, scope), bestMeasured: null };
}
