/**
 * Reviewing a pending change: baseline, best so far and pending side by side (values off the baseline
 * highlighted), why it was proposed, the predicted effect and the memory verdict; Approve, Approve with
 * changes (edited inline, validated by the agent) or Reject with a reason, in the signed-in user's name.
 */
import React, { useState } from 'react';
import { config } from '@grafana/runtime';
import { Button, Field, Input, Modal, Stack, Text, TextArea } from '@grafana/ui';
import type { ParameterValue, PendingChangeRecord } from '@patroni-tuner/backend/contract';
import { AgentRequestError, describeAgentError } from '../../api/agent-api';
import {
  approveChange,
  invalidChangeKnob,
  parseEdited,
  rejectChange,
  reviewRows,
  type DecisionOutcome,
} from '../../api/approval';
import { formatTime, shortId } from '../../format';
import { testIds } from '../testIds';

const signedInLogin = (): string => config.bootData.user?.login ?? '';

const show = (value: ParameterValue | null) => (value === null ? '—' : String(value));

export interface ReviewDialogProps {
  slot: number;
  change: PendingChangeRecord;
  onDecided: () => void;
  onDismiss: () => void;
}

export function ReviewDialog({ slot, change, onDecided, onDismiss }: ReviewDialogProps) {
  const by = signedInLogin();
  const rows = reviewRows(change);
  const [editing, setEditing] = useState(false);
  const [edited, setEdited] = useState<Record<string, string>>({});
  const [rejecting, setRejecting] = useState(false);
  const [rejectReason, setRejectReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [fieldProblem, setFieldProblem] = useState<{ knob: string; message: string } | null>(null);

  const send = async (decision: () => Promise<DecisionOutcome>) => {
    setBusy(true);
    setProblem(null);
    setFieldProblem(null);
    try {
      const outcome = await decision();
      if (outcome.decided) {
        onDecided();
      } else {
        setProblem(outcome.reason);
      }
    } catch (error) {
      if (!(error instanceof AgentRequestError)) {
        throw error;
      }
      const knob = invalidChangeKnob(error);
      if (knob !== null) {
        setFieldProblem({ knob, message: error.body!.error.message });
      } else {
        setProblem(describeAgentError(error));
      }
    } finally {
      setBusy(false);
    }
  };

  const changes = (): Record<string, ParameterValue> => {
    const result: Record<string, ParameterValue> = {};
    for (const [name, text] of Object.entries(edited)) {
      const value = parseEdited(text, change.configuration[name]!);
      if (String(value) !== String(change.configuration[name])) {
        result[name] = value;
      }
    }
    return result;
  };

  return (
    <Modal title={`Review the change session ${shortId(change.sessionId)} proposes`} isOpen onDismiss={onDismiss}>
      <Stack direction="column" gap={2}>
        <Text>
          {change.iteration === null ? change.reason.replace(/_/g, ' ') : `Iteration ${change.iteration}`} (
          {change.reason.replace(/_/g, ' ')}), proposed {formatTime(change.createdAt)}, dropped unless decided by{' '}
          {formatTime(change.expiresAt)}.
        </Text>
        <Text>
          Predicted effect:{' '}
          {change.prediction === null
            ? 'no prediction (not proposed by the model)'
            : `score ${change.prediction.score.toFixed(3)} ± ${change.prediction.sd.toFixed(3)}`}
        </Text>
        <Text color={change.memory === null ? 'secondary' : change.memory.ok ? 'success' : 'error'}>
          Memory guardrail:{' '}
          {change.memory === null ? 'no verdict' : `${change.memory.ok ? 'ok' : 'refused'}: ${change.memory.detail}`}
        </Text>
        <table data-testid={testIds.approval.table}>
          <thead>
            <tr>
              <th>Knob</th>
              <th>Baseline</th>
              <th>Best so far</th>
              <th>Pending</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.name} data-testid={testIds.approval.row(row.name)} data-changed={row.changed}>
                <td>{row.name}</td>
                <td>{show(row.baseline)}</td>
                <td>{show(row.best)}</td>
                <td>
                  {editing ? (
                    <Field
                      invalid={fieldProblem?.knob === row.name}
                      error={fieldProblem?.knob === row.name ? fieldProblem.message : undefined}
                    >
                      <Input
                        aria-label={`pending ${row.name}`}
                        value={edited[row.name] ?? String(row.pending)}
                        onChange={(e) => setEdited({ ...edited, [row.name]: e.currentTarget.value })}
                      />
                    </Field>
                  ) : row.changed ? (
                    <Text weight="bold" color="warning">
                      {show(row.pending)}
                    </Text>
                  ) : (
                    show(row.pending)
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {fieldProblem !== null && !rows.some((row) => row.name === fieldProblem.knob) && (
          <Text color="error">{fieldProblem.message}</Text>
        )}
        {rejecting && (
          <Field label="Why reject it (recorded with the decision)">
            <TextArea
              aria-label="reject reason"
              value={rejectReason}
              onChange={(e) => setRejectReason(e.currentTarget.value)}
            />
          </Field>
        )}
        {problem && <Text color="error">{problem}</Text>}
        <Text color="secondary">Decided as {by || 'an unknown user'}.</Text>
      </Stack>
      <Modal.ButtonRow>
        <Button variant="secondary" fill="outline" onClick={onDismiss} disabled={busy}>
          Close
        </Button>
        {rejecting ? (
          <Button
            variant="destructive"
            disabled={busy}
            onClick={() => void send(() => rejectChange(slot, change.sessionId, by, rejectReason))}
          >
            Confirm rejection
          </Button>
        ) : (
          <Button variant="destructive" fill="outline" disabled={busy} onClick={() => setRejecting(true)}>
            Reject
          </Button>
        )}
        {editing ? (
          <Button disabled={busy} onClick={() => void send(() => approveChange(slot, change.sessionId, by, changes()))}>
            Approve with these changes
          </Button>
        ) : (
          <Button variant="secondary" disabled={busy} onClick={() => setEditing(true)}>
            Approve with changes
          </Button>
        )}
        {!editing && (
          <Button disabled={busy} onClick={() => void send(() => approveChange(slot, change.sessionId, by, null))}>
            Approve
          </Button>
        )}
      </Modal.ButtonRow>
    </Modal>
  );
}
