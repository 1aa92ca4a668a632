/**
 * A strict reader of the Prometheus text exposition format (0.0.4), enough to check what the agent
 * renders: every line must be a HELP, a TYPE or a sample, or parsing fails.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: PromSample[];
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
const META_LINE = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/;

export function parsePromText(text: string): PromText {
  const parsed: PromText = { help: new Map(), type: new Map(), samples: [] };
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = META_LINE.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, 'HELP' | 'TYPE', string, string];
      const map = kind === 'HELP' ? parsed.help : parsed.type;
      if (map.has(name)) throw new Error(`second ${kind} line for ${name}`);
      map.set(name, rest);
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) throw new Error(`not a Prometheus text line: ${JSON.stringify(line)}`);
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string];
    parsed.samples.push({ name, labels: parseLabels(labelText ?? '', line), value: parseValue(valueText, line) });
  }
  return parsed;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL_PAIR.lastIndex = 0;
  while (LABEL_PAIR.lastIndex < text.length) {
    const match = LABEL_PAIR.exec(text);
    if (!match) throw new Error(`bad labels in ${JSON.stringify(line)}`);
    const [, key, escaped] = match as unknown as [string, string, string];
    if (key in labels) throw new Error(`label ${key} twice in ${JSON.stringify(line)}`);
    labels[key] = escaped.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  // prom-client writes `Nan`; Prometheus parses floats like Go's strconv.ParseFloat, case-insensitively.
  if (/^nan$/i.test(text)) return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad value in ${JSON.stringify(line)}`);
  return value;
}

/** The samples of one family, in the order rendered. */
export function samplesOf(parsed: PromText, name: string): Array<{ labels: Record<string, string>; value: number }> {
  return parsed.samples.filter((s) => s.name === name).map(({ labels, value }) => ({ labels, value }));
}

/** The value of the one sample of `name` with exactly `labels`; undefined when there is none. */
export function valueOf(parsed: PromText, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const found = parsed.samples.filter(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted,
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${wanted}`);
  return found[0]?.value;
}
