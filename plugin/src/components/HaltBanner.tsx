/**
 * A halted session on its cluster's card: what happened, the failover protocol's phase, and
 * "Acknowledge" — enabled only once the protocol awaits it, confirmed first, sent in the signed-in
 * Grafana user's name through the agent the cluster is read through.
 */
import React, { useState } from 'react';
import { config } from '@grafana/runtime';
import { Alert, Button, ConfirmModal, Stack, Text } from '@grafana/ui';
import { acknowledgeHalt } from '../api/acknowledge';
import type { HaltedSession } from '../api/activity';
import { AgentRequestError, describeAgentError } from '../api/agent-api';
import { formatDuration, shortId } from '../format';
import { useNow } from '../hooks/useNow';
import { testIds } from './testIds';

export interface HaltBannerProps {
  slot: number;
  halted: HaltedSession;
  onAcknowledged: () => void;
}

const signedInLogin = (): string => config.bootData.user?.login ?? '';

export function HaltBanner({ slot, halted: { session, phase, phaseEndsAt }, onAcknowledged }: HaltBannerProps) {
  const now = useNow(phaseEndsAt !== null);
  const [confirming, setConfirming] = useState<{ force: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [forceRequired, setForceRequired] = useState(false);
  const awaiting = phase === 'awaiting_acknowledgement';
  const by = signedInLogin();
  const reason = session.reason ?? session.detectedHalt?.reason ?? 'topology changed';
  const disabledBecause = !awaiting
    ? 'The failover protocol has not finished: acknowledging waits for the baseline to be back'
    : by === ''
      ? 'No signed-in Grafana user to acknowledge in the name of'
      : undefined;

  const acknowledge = async (force: boolean) => {
    setBusy(true);
    setProblem(null);
    try {
      const outcome = await acknowledgeHalt(slot, session.id, by, { force });
      if (outcome.acknowledged) {
        onAcknowledged();
      } else {
        setProblem(outcome.reason);
      }
    } catch (error) {
      if (!(error instanceof AgentRequestError)) {
        throw error;
      }
      setForceRequired(error.body?.error.code === 'force_required');
      setProblem(describeAgentError(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Alert
      severity="error"
      data-testid={testIds.fleet.halt(session.id)}
      title={`Session ${shortId(session.id)} halted${awaiting ? ': awaiting acknowledgement' : ''}`}
    >
      <Stack direction="column" gap={1}>
        <span>
          {reason}
          {!awaiting && ` — failover protocol ${phase === null ? 'starting' : `phase ${phase.replace(/_/g, ' ')}`}`}
          {!awaiting && phaseEndsAt !== null && `, ends in ${formatDuration(now, Math.max(now, phaseEndsAt))}`}
        </span>
        <Stack direction="row" gap={1}>
          <Button
            variant="secondary"
            size="sm"
            disabled={disabledBecause !== undefined || busy}
            tooltip={disabledBecause}
            onClick={() => setConfirming({ force: false })}
          >
            {busy ? 'Acknowledging…' : 'Acknowledge'}
          </Button>
          {forceRequired && (
            <Button variant="destructive" size="sm" disabled={busy} onClick={() => setConfirming({ force: true })}>
              Acknowledge with force
            </Button>
          )}
        </Stack>
        {problem && <Text color="error">{problem}</Text>}
      </Stack>
      <ConfirmModal
        isOpen={confirming !== null}
        title={confirming?.force ? 'Acknowledge without the baseline restored' : 'Acknowledge the halt'}
        body={
          confirming?.force
            ? `The protocol gave up restoring session ${shortId(session.id)}'s baseline. Check the cluster's settings first; acknowledging with force records that you, ${by}, accepted them as they are.`
            : `Session ${shortId(session.id)}'s baseline is back on the new leader. Acknowledge the halt as ${by}? The session moves to history and a new one can start.`
        }
        confirmText={confirming?.force ? 'Acknowledge with force' : 'Acknowledge'}
        onConfirm={() => {
          const force = confirming?.force ?? false;
          setConfirming(null);
          void acknowledge(force);
        }}
        onDismiss={() => setConfirming(null)}
      />
    </Alert>
  );
}
