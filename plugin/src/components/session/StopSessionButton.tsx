/** Stop, confirmed first: the session ends on its best configuration or the baseline. */
import React, { useState } from 'react';
import { Button, ConfirmModal, Stack, Text } from '@grafana/ui';
import { AgentRequestError, describeAgentError } from '../../api/agent-api';
import { stopSession } from '../../api/session-view';
import { shortId } from '../../format';
import { testIds } from '../testIds';

export function StopSessionButton({
  slot,
  sessionId,
  onStopped,
}: {
  slot: number;
  sessionId: string;
  onStopped: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const stop = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const outcome = await stopSession(slot, sessionId);
      if (outcome.stopping) {
        onStopped();
      } else {
        setProblem(outcome.reason);
      }
    } catch (error) {
      if (!(error instanceof AgentRequestError)) {
        throw error;
      }
      setProblem(describeAgentError(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack direction="row" gap={1} alignItems="center">
      <Button
        variant="destructive"
        data-testid={testIds.session.stop}
        disabled={busy}
        onClick={() => setConfirming(true)}
      >
        {busy ? 'Stopping…' : 'Stop'}
      </Button>
      {problem && <Text color="error">{problem}</Text>}
      <ConfirmModal
        isOpen={confirming}
        title="Stop the session"
        body={`Stop session ${shortId(sessionId)}? It ends on its best configuration measured so far, or the baseline.`}
        confirmText="Stop"
        onConfirm={() => {
          setConfirming(false);
          void stop();
        }}
        onDismiss={() => setConfirming(false)}
      />
    </Stack>
  );
}
