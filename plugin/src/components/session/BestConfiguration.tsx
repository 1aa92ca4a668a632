/**
 * The session's final or best configuration with a copyable `patronictl edit-config`: the agent's own
 * advice when its best measured configuration comes from this session, else built from the best iteration.
 */
import React from 'react';
import { ClipboardButton, Stack, Text } from '@grafana/ui';
import type { RecommendationView, SessionDetail } from '@patroni-tuner/backend/contract';
import { bestIteration, diffAgainstBaseline, patronictlCommand } from '../../api/session-view';
import { testIds } from '../testIds';

export function BestConfiguration({
  detail,
  bestMeasured,
}: {
  detail: SessionDetail;
  bestMeasured: RecommendationView['bestMeasured'];
}) {
  const best = bestIteration(detail.iterations);
  if (best === null) {
    return <Text color="secondary">Nothing measured yet.</Text>;
  }
  if (best.number === 0) {
    return <Text color="secondary">No configuration measured better than the baseline so far.</Text>;
  }
  const diff = diffAgainstBaseline(best.candidate, detail.baseline?.effective ?? null);
  const command = bestMeasured?.patronictl.command || patronictlCommand(detail.session.scope, diff);
  const final = detail.session.result?.final;
  return (
    <Stack direction="column" gap={1}>
      <Text>
        {final === 'best' ? 'Final configuration' : 'Best so far'}: iteration {best.number}, score{' '}
        {best.score?.toFixed(3)}
      </Text>
      <ul>
        {diff.map((d) => (
          <li key={d.name}>
            {d.name}: {String(d.baseline ?? '?')} → {String(d.value)}
          </li>
        ))}
      </ul>
      <pre data-testid={testIds.session.patronictl}>{command}</pre>
      <div>
        <ClipboardButton icon="copy" variant="secondary" size="sm" getText={() => command}>
          Copy patronictl command
        </ClipboardButton>
      </div>
      {bestMeasured?.notes.map((note) => (
        <Text key={note} color="secondary">
          {note}
        </Text>
      ))}
    </Stack>
  );
}
