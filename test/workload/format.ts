/** Plain-text tables for the CLI and the comparison script. */
import type { WorkloadResults } from './run.js';
import type { LatencySummary } from './stats.js';
import { REPORTING_QUERIES, OLTP_TRANSACTION } from './transactions.js';

/** Left-aligns the first column and right-aligns the others. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const ms = (value: number) => (Number.isNaN(value) ? '-' : value >= 100 ? value.toFixed(0) : value.toFixed(2));

const latencyCells = (l: LatencySummary) => [ms(l.meanMs), ms(l.p50Ms), ms(l.p95Ms), ms(l.p99Ms), ms(l.maxMs)];

export function resultsTable(results: WorkloadResults): string {
  const seconds = results.elapsedMs / 1000;
  const header = ['transactions', 'completed', 'failed', 'tps', 'mean ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const rows: string[][] = [];
  const row = (name: string, completed: number, failed: number, latency: LatencySummary) =>
    rows.push([name, String(completed), String(failed), (completed / seconds).toFixed(1), ...latencyCells(latency)]);
  const { oltp, reporting } = results.byKind;
  row('all', results.transactions.completed, results.transactions.failed, results.overall);
  row('oltp', oltp.completed, oltp.failed, oltp.latency);
  row('reporting', reporting.completed, reporting.failed, reporting.latency);
  for (const name of [OLTP_TRANSACTION, ...REPORTING_QUERIES]) {
    const q = results.byQuery[name]!;
    row(`  ${name}`, q.completed, q.failed, q.latency);
  }
  const lines = [
    `${results.database} scale ${results.scale}, ${results.clients} clients, mix oltp=${results.mix.oltp},reporting=${results.mix.reporting}, seed ${results.seed}: ` +
      `${seconds.toFixed(1)} s, stopped by ${results.stoppedBy}` +
      (results.transactions.interrupted > 0 ? `, ${results.transactions.interrupted} interrupted` : '') +
      (results.reconnects > 0 ? `, ${results.reconnects} reconnects` : ''),
    table(header, rows),
  ];
  if (results.errors.total > 0) {
    lines.push(`errors by code: ${Object.entries(results.errors.byCode).map(([c, n]) => `${c}×${n}`).join(', ')}`);
    for (const sample of results.errors.samples) lines.push(`  ${sample}`);
  }
  return lines.join('\n');
}

/** The results without the raw latency arrays, for JSON output. */
export function resultsSummary(results: WorkloadResults): unknown {
  const strip = ({ latenciesMs: _latencies, ...rest }: { latenciesMs: number[] }) => rest;
  return {
    ...results,
    byKind: Object.fromEntries(Object.entries(results.byKind).map(([k, v]) => [k, strip(v)])),
    byQuery: Object.fromEntries(Object.entries(results.byQuery).map(([k, v]) => [k, strip(v)])),
  };
}
