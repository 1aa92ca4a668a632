/**
 * Approval mode (DESIGN.md §4 rule 13), the pure part: what a reviewer sees of a pending change
 * (differences, the memory guardrail's numbers) and the checks a reviewer's adjusted values pass
 * before the runner takes them (catalogue, ranges, cross-knob rules, memory guardrail).
 */
import type { PgSetting } from '../../postgres/settings.js';
import type { MemoryVerdict, ParameterValue, ValueChange } from '../../model/records.js';
import { checkMemory, memoryBound, type GuardrailSettings } from '../guardrails.js';
import type { Configuration } from '../../model/configuration-space.js';
import { memoryInputs } from './memory-inputs.js';
import type { SessionCatalogue } from '../apply/ports.js';

/** The knobs of `to` whose value differs from `from`'s. */
export function valueChanges(from: Configuration, to: Configuration): Record<string, ValueChange> {
  const changes: Record<string, ValueChange> = {};
  for (const [name, value] of Object.entries(to)) {
    if (from[name] !== value) changes[name] = { from: from[name] ?? null, to: value };
  }
  return changes;
}

/** The memory guardrail's verdict on `config` with the numbers behind it. */
export function memoryVerdict(
  settings: readonly PgSetting[],
  config: Configuration,
  memory: { bytes: number; boundBy: string },
  guardrails: GuardrailSettings,
): MemoryVerdict {
  const inputs = memoryInputs(settings, config, memory);
  const verdict = checkMemory(inputs, guardrails);
  return {
    ok: verdict.ok,
    detail: verdict.detail,
    boundBytes: memoryBound(inputs, guardrails),
    limitBytes: memory.bytes * guardrails.memoryThreshold,
    hostMemoryBytes: memory.bytes,
    boundBy: memory.boundBy,
  };
}

/** A reviewer's adjustment refused; `field` names it as the API's 400 does (`body/changes/work_mem`). */
export class InvalidChangesError extends Error {
  override readonly name = 'InvalidChangesError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface ReviewedChange {
  /** The whole configuration with the reviewer's values. */
  configuration: Configuration;
  /** What to send to Patroni: the knobs that differ from `current`. */
  parameters: Record<string, string>;
}

/**
 * Merges a reviewer's `changes` into `proposed` and checks the result like any candidate: every name
 * is a knob of the session, the values pass the catalogue (type, range, unit; the search range for
 * a candidate, pg_settings' own for a restore), the cross-knob rules leave it as it is, and the
 * memory guardrail accepts it. Throws InvalidChangesError naming the first offending field.
 */
export function reviewChanges(input: {
  catalogue: SessionCatalogue;
  settings: readonly PgSetting[];
  memory: { bytes: number; boundBy: string };
  guardrails: GuardrailSettings;
  proposed: Configuration;
  current: Configuration;
  changes: Readonly<Record<string, ParameterValue>>;
  restore: boolean;
}): ReviewedChange {
  const { catalogue, changes } = input;
  const known = new Set(catalogue.names);
  for (const name of Object.keys(changes)) {
    if (!known.has(name)) throw new InvalidChangesError(`body/changes/${name}`, 'is not a knob this session tunes');
  }
  const configuration: Configuration = { ...input.proposed, ...changes };
  const sent: Record<string, ParameterValue> = {};
  for (const [name, value] of Object.entries(configuration)) if (input.current[name] !== value) sent[name] = value;
  const validation = catalogue.validate(sent, { restore: input.restore });
  if (!validation.ok) {
    const first = validation.errors[0]!;
    throw new InvalidChangesError(`body/changes/${first.name}`, validation.errors.map((e) => e.message).join('; '));
  }
  const repaired = catalogue.repair(configuration);
  const broken = Object.keys(repaired).filter((name) => repaired[name] !== configuration[name]);
  if (broken.length > 0) {
    const field = broken.find((name) => name in changes) ?? Object.keys(changes)[0] ?? broken[0]!;
    const needs = broken.map((name) => `${name} would have to be ${String(repaired[name])}`).join(', ');
    throw new InvalidChangesError(`body/changes/${field}`, `breaks a cross-knob rule (${needs})`);
  }
  const memory = memoryVerdict(input.settings, configuration, input.memory, input.guardrails);
  if (!memory.ok) {
    const field = Object.keys(changes).find((name) => MEMORY_KNOBS.has(name)) ?? Object.keys(changes)[0] ?? '';
    throw new InvalidChangesError(`body/changes${field === '' ? '' : `/${field}`}`, `the memory guardrail refuses it: ${memory.detail}`);
  }
  return { configuration, parameters: validation.parameters };
}

/** The knobs the memory bound is made of (guardrails.ts). */
const MEMORY_KNOBS = new Set(['work_mem', 'hash_mem_multiplier', 'maintenance_work_mem', 'autovacuum_work_mem', 'shared_buffers', 'max_parallel_workers', 'autovacuum_max_workers']);
