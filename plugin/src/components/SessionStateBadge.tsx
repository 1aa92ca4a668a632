import React from 'react';
import type { SessionState } from '@patroni-tuner/backend/contract';
import { Badge, type BadgeColor } from '@grafana/ui';

const COLORS: Record<SessionState, BadgeColor> = {
  pending: 'blue',
  preparing: 'blue',
  running: 'blue',
  finishing: 'blue',
  completed: 'green',
  stopped: 'orange',
  aborted: 'orange',
  failed: 'red',
  halted: 'red',
  acknowledged: 'purple',
};

export function SessionStateBadge({ state }: { state: SessionState }) {
  return <Badge color={COLORS[state]} text={state} />;
}
