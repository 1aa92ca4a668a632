/**
 * A metric family whose samples are computed from the current scrape's snapshot. prom-client has no
 * "const metric"; its Registry accepts any object with a name, a type and an async get(), so point-
 * in-time values are produced fresh on every scrape and a label set that disappears is never left
 * behind. Cumulative PostgreSQL and /proc counters keep their `counter` type this way, which a
 * prom-client Gauge could not.
 */

export type Labels = Readonly<Record<string, string | number>>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export interface FamilySpec<S> {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** Samples for this scrape (an empty list leaves only the HELP and TYPE lines). Null values are skipped. */
  samples: (scrape: S) => ReadonlyArray<Sample | null>;
}

export const gauge = <S>(name: string, help: string, samples: FamilySpec<S>['samples']): FamilySpec<S> => ({
  name,
  help,
  type: 'gauge',
  samples,
});

export const counter = <S>(name: string, help: string, samples: FamilySpec<S>['samples']): FamilySpec<S> => ({
  name,
  help,
  type: 'counter',
  samples,
});

/** One unlabelled sample, or none when the value is unknown. */
export const single = (value: number | null | undefined, labels?: Labels): Sample[] =>
  value === null || value === undefined || Number.isNaN(value) ? [] : [{ value, ...(labels ? { labels } : {}) }];

/** 1 for the member of an enumeration that is current and 0 for the others: the Prometheus enum pattern. */
export const enumSamples = (
  values: readonly string[],
  current: string,
  label: string,
  labels: Labels = {},
): Sample[] => values.map((value) => ({ labels: { ...labels, [label]: value }, value: value === current ? 1 : 0 }));

export const bool = (value: boolean): number => (value ? 1 : 0);

/** The object shape prom-client's Registry.registerMetric and metrics() need. */
export class SnapshotFamily<S> {
  readonly name: string;
  readonly help: string;
  readonly type: FamilySpec<S>['type'];
  readonly #spec: FamilySpec<S>;
  readonly #current: () => S;

  constructor(spec: FamilySpec<S>, current: () => S) {
    this.name = spec.name;
    this.help = spec.help;
    this.type = spec.type;
    this.#spec = spec;
    this.#current = current;
  }

  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' }> {
    const values = this.#spec.samples(this.#current()).filter((s): s is Sample => s !== null && Number.isFinite(s.value));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  /** prom-client calls this to reset metrics between tests; a snapshot family has nothing to reset. */
  reset(): void {}
}
