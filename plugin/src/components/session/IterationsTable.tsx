/** Each iteration: its configuration against the baseline, verification per member, guardrail verdicts, measurement. */
import React from 'react';
import { InteractiveTable, Stack, Text, type Column } from '@grafana/ui';
import type { BaselineRecord, IterationRecord, PendingChangeRecord } from '@patroni-tuner/backend/contract';
import { diffAgainstBaseline, iterationStateLabel } from '../../api/session-view';
import { testIds } from '../testIds';

export function IterationsTable({
  iterations,
  baseline,
  pendingChanges,
}: {
  iterations: IterationRecord[];
  baseline: BaselineRecord | null;
  pendingChanges: PendingChangeRecord[];
}) {
  const columns: Array<Column<IterationRecord>> = [
    {
      id: 'number',
      header: '#',
      cell: ({ row: { original } }) => (
        <span data-testid={testIds.session.iteration(original.number)}>
          {original.number === 0 ? 'baseline' : original.number}
        </span>
      ),
    },
    {
      id: 'state',
      header: 'State',
      cell: ({ row: { original } }) => `${iterationStateLabel(original, pendingChanges)} (${original.reason})`,
    },
    {
      id: 'diff',
      header: 'Changed from the baseline',
      cell: ({ row: { original } }) => {
        const diff = diffAgainstBaseline(original.candidate, baseline?.effective ?? null);
        return diff.length === 0
          ? '—'
          : diff.map((d) => (
              <div key={d.name}>
                {d.name}: {String(d.baseline ?? '?')} → <strong>{String(d.value)}</strong>
              </div>
            ));
      },
    },
    {
      id: 'verification',
      header: 'Verification',
      cell: ({ row: { original } }) =>
        original.verification.length === 0
          ? '—'
          : original.verification.map((v) => (
              <div key={v.member}>
                {v.member}: {v.verified ? 'verified' : `not verified${describeMismatch(v)}`}
              </div>
            )),
    },
    {
      id: 'verdicts',
      header: 'Guardrails',
      cell: ({ row: { original } }) =>
        original.verdicts.length === 0
          ? '—'
          : original.verdicts.map((v) => (
              <div key={v.guardrail}>
                <Text color={v.ok ? 'success' : 'error'}>{v.ok ? '✓' : '✗'}</Text> {v.guardrail}: {v.detail}
              </div>
            )),
    },
    {
      id: 'measurement',
      header: 'Measurement',
      cell: ({ row: { original } }) => {
        const m = original.measurement;
        if (m === null) {
          return original.error ?? '—';
        }
        return (
          <Stack direction="column" gap={0}>
            <span>
              {m.meanQueryTimeMs === null ? 'no pg_stat_statements' : `${m.meanQueryTimeMs.toFixed(2)} ms mean`}
            </span>
            <span>{m.transactionsPerSecond.toFixed(1)} tps</span>
            {m.comparison && (
              <span>
                ×{m.comparison.ratio.toFixed(3)} of the baseline [{m.comparison.low.toFixed(3)},{' '}
                {m.comparison.high.toFixed(3)}]
              </span>
            )}
          </Stack>
        );
      },
    },
    {
      id: 'score',
      header: 'Score',
      cell: ({ row: { original } }) => (original.score === null ? '—' : original.score.toFixed(3)),
    },
  ];
  return (
    <InteractiveTable<IterationRecord>
      columns={columns}
      data={[...iterations].sort((a, b) => a.number - b.number)}
      getRowId={(row) => String(row.number)}
    />
  );
}

function describeMismatch(v: IterationRecord['verification'][number]): string {
  const parts = [
    ...v.mismatches.map((m) => `${m.name} is ${m.actual ?? 'unset'}, expected ${String(m.expected)}`),
    ...(v.pendingRestart.length > 0 ? [`pending restart: ${v.pendingRestart.join(', ')}`] : []),
    ...(v.error ? [v.error] : []),
  ];
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
}
