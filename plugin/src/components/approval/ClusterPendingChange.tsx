/** The cluster page's review banner: reads the active session's pending change through the answering agent. */
import React from 'react';
import { Text } from '@grafana/ui';
import { clusterActivity } from '../../api/activity';
import { REFRESH_INTERVAL_MS } from '../../constants';
import { usePolling } from '../../hooks/usePolling';
import { PendingChangeBanner } from './PendingChangeBanner';

export function ClusterPendingChange({ slot }: { slot: number }) {
  const activity = usePolling(() => clusterActivity(slot), REFRESH_INTERVAL_MS, String(slot));
  const pending = activity.data?.active?.pending ?? null;
  return (
    <>
      {activity.error && <Text color="error">Sessions could not be read: {activity.error.message}</Text>}
      {pending && <PendingChangeBanner slot={slot} change={pending} onDecided={activity.reload} />}
    </>
  );
}
