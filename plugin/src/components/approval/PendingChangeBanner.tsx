/** A change awaiting review, on the fleet, cluster and session pages, with the review dialog behind "Review". */
import React, { useState } from 'react';
import { Alert, Button, Stack, Text } from '@grafana/ui';
import type { PendingChangeRecord } from '@patroni-tuner/backend/contract';
import { formatDuration, shortId } from '../../format';
import { useNow } from '../../hooks/useNow';
import { testIds } from '../testIds';
import { ReviewDialog } from './ReviewDialog';

export function PendingChangeBanner({
  slot,
  change,
  onDecided,
}: {
  slot: number;
  change: PendingChangeRecord;
  onDecided: () => void;
}) {
  const now = useNow(true);
  const [reviewing, setReviewing] = useState(false);
  const changed = Object.keys(change.vsBaseline).length;
  return (
    <Alert
      severity="warning"
      data-testid={testIds.approval.banner(change.sessionId)}
      title={`Session ${shortId(change.sessionId)}: a change awaits review`}
    >
      <Stack direction="row" gap={2} alignItems="center">
        <Text>
          {changed} knob{changed === 1 ? '' : 's'} off the baseline ({change.reason.replace(/_/g, ' ')}); dropped in{' '}
          {formatDuration(now, Math.max(now, Date.parse(change.expiresAt)))} unless decided.
        </Text>
        <Button size="sm" onClick={() => setReviewing(true)}>
          Review
        </Button>
      </Stack>
      {reviewing && (
        <ReviewDialog
          slot={slot}
          change={change}
          onDismiss={() => setReviewing(false)}
          onDecided={() => {
            setReviewing(false);
            onDecided();
          }}
        />
      )}
    </Alert>
  );
}
