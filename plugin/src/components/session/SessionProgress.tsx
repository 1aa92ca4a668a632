/** Where a session is: its phase, iteration i of n, and the time left in the current measurement window. */
import React from 'react';
import { Stack, Text } from '@grafana/ui';
import type { SessionDetail } from '@patroni-tuner/backend/contract';
import { ACTIVE_STATES, iterationsDone } from '../../api/activity';
import { iterationStateLabel } from '../../api/session-view';
import { formatDuration } from '../../format';
import { useNow } from '../../hooks/useNow';
import { SessionStateBadge } from '../SessionStateBadge';
import { testIds } from '../testIds';

export function SessionProgress({ detail }: { detail: SessionDetail }) {
  const { session, iterations } = detail;
  const active = ACTIVE_STATES.has(session.state);
  const now = useNow(active);
  const done = iterationsDone(detail);
  const planned = session.options.iterations;
  const current = active ? (iterations.find((i) => i.endedAt === null) ?? null) : null;
  // The record has no window start: the window ends at the latest a warm-up and a window after the iteration began.
  // A proposed iteration has no window yet (in approval mode it may wait for a person much longer).
  const windowEndsAt =
    current === null || current.state === 'proposed'
      ? null
      : Date.parse(current.startedAt) + (session.options.warmupSeconds + session.options.iterationSeconds) * 1000;
  const phase =
    current === null
      ? session.state
      : `${current.number === 0 ? 'baseline' : `iteration ${current.number}`} ${iterationStateLabel(current, detail.pendingChanges)}`;
  return (
    <div data-testid={testIds.session.progress}>
      <Stack direction="column" gap={1}>
        <Stack direction="row" gap={2} alignItems="center">
          <SessionStateBadge state={session.state} />
          <Text>{phase}</Text>
          <Text>
            Iteration {done} of {planned}
          </Text>
          {windowEndsAt !== null && (
            <Text color="secondary">{formatDuration(now, Math.max(now, windowEndsAt))} left in the window</Text>
          )}
        </Stack>
        <progress max={planned} value={done} style={{ width: '100%' }} aria-label="iterations done" />
      </Stack>
    </div>
  );
}
