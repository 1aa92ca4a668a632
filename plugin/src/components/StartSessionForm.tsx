/**
 * "Start tuning session": the session's size and objective, checked against the agent's limits before
 * anything is sent; disabled, with the reasons, while the cluster cannot take a session. The agent's
 * answer is shown in place: the session started, a 400 beside the field it names, a 409's reason.
 */
import React, { FormEvent, useState } from 'react';
import type { ApprovalMode, ClusterView, SessionOptions } from '@patroni-tuner/backend/contract';
import { Alert, Button, Field, FieldSet, Input, RadioButtonGroup, Stack } from '@grafana/ui';
import { AgentRequestError, describeAgentError } from '../api/agent-api';
import type { ListedSession } from '../api/activity';
import {
  fieldOf,
  parseApprovalTimeout,
  startSession,
  validateStart,
  type FormField,
  type StartField,
  type StartOutcome,
} from '../api/start-session';
import { shortId } from '../format';
import { KnobPicker } from './KnobPicker';
import { testIds } from './testIds';

const OBJECTIVES: Array<{ label: string; value: SessionOptions['objective']; description: string }> = [
  { label: 'Mean query time', value: 'mean_query_time', description: 'pg_stat_statements: lower is better' },
  { label: 'Throughput', value: 'throughput', description: 'transactions per second: higher is better' },
];

const APPROVAL_MODES: Array<{ label: string; value: ApprovalMode; description: string }> = [
  { label: 'Apply on its own', value: 'none', description: 'every configuration is applied without asking' },
  { label: 'Approve each change', value: 'each', description: 'every configuration waits for a person’s review' },
];

const LABELS: Record<StartField, string> = {
  iterations: 'Iterations',
  iterationSeconds: 'Iteration window (seconds)',
  warmupSeconds: 'Warm-up (seconds)',
};

export interface StartSessionFormProps {
  /** The agent the request goes through (any agent of the cluster). */
  slot: number;
  cluster: ClusterView;
  active: ListedSession | null;
  halted: readonly ListedSession[];
  /** Called once a session started, so the list is read again. */
  onStarted: () => void;
}

/** Why a session cannot start now; empty when it can. */
export function startBlockers({
  cluster,
  active,
  halted,
}: Pick<StartSessionFormProps, 'cluster' | 'active' | 'halted'>): string[] {
  const reasons: string[] = [];
  if (cluster.leader === null) {
    reasons.push('the cluster has no leader');
  }
  for (const member of cluster.members.filter((m) => m.health !== 'up')) {
    reasons.push(`${member.name} is ${member.state}`);
  }
  if (cluster.paused) {
    reasons.push('the cluster is paused (maintenance mode)');
  }
  if (active !== null) {
    reasons.push(`session ${shortId(active.id)} is ${active.state}`);
  }
  for (const session of halted) {
    reasons.push(`session ${shortId(session.id)} is halted and awaits acknowledgement`);
  }
  return reasons;
}

export function StartSessionForm(props: StartSessionFormProps) {
  const [values, setValues] = useState<Record<StartField, string>>({
    iterations: '20',
    iterationSeconds: '300',
    warmupSeconds: '60',
  });
  const [objective, setObjective] = useState<SessionOptions['objective']>('mean_query_time');
  const [knobs, setKnobs] = useState<string[]>([]);
  const [approval, setApproval] = useState<ApprovalMode>('none');
  const [approvalTimeout, setApprovalTimeout] = useState('1h');
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<FormField, string>>>({});
  const [submitting, setSubmitting] = useState(false);
  const [outcome, setOutcome] = useState<StartOutcome | null>(null);
  const [error, setError] = useState<AgentRequestError | null>(null);

  const blockers = startBlockers(props);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const problems: Partial<Record<FormField, string>> = validateStart(values);
    const timeout = parseApprovalTimeout(approvalTimeout);
    if (approval === 'each' && timeout === null) {
      problems.approvalTimeout = 'a duration such as 30m, 1h or 90s, or milliseconds';
    }
    setFieldErrors(problems);
    setOutcome(null);
    setError(null);
    if (Object.keys(problems).length > 0 || blockers.length > 0) {
      return;
    }
    setSubmitting(true);
    try {
      const result = await startSession(props.slot, {
        iterations: Number(values.iterations),
        iterationSeconds: Number(values.iterationSeconds),
        warmupSeconds: Number(values.warmupSeconds),
        objective,
        ...(knobs.length > 0 ? { knobs } : {}),
        // Only approval mode is sent: a session without it is what the agent starts by default.
        ...(approval === 'each' && timeout !== null ? { approval, approvalTimeout: timeout } : {}),
      });
      setOutcome(result);
      if (result.started) {
        props.onStarted();
      }
    } catch (caught) {
      if (!(caught instanceof AgentRequestError)) {
        throw caught;
      }
      const field = caught.status === 400 ? fieldOf(caught.message) : null;
      if (field !== null) {
        setFieldErrors({ [field]: caught.body?.error.message ?? caught.message });
      } else {
        setError(caught);
      }
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="Start tuning session">
        <Stack direction="row" gap={2} wrap="wrap">
          {(Object.keys(LABELS) as StartField[]).map((field) => (
            <Field
              key={field}
              label={LABELS[field]}
              invalid={fieldErrors[field] !== undefined}
              error={fieldErrors[field]}
            >
              <Input
                width={16}
                inputMode="numeric"
                aria-label={LABELS[field]}
                value={values[field]}
                onChange={(event) => setValues({ ...values, [field]: event.currentTarget.value })}
              />
            </Field>
          ))}
          <Field label="Objective">
            <RadioButtonGroup options={OBJECTIVES} value={objective} onChange={setObjective} />
          </Field>
        </Stack>
        <Stack direction="row" gap={2} wrap="wrap">
          <Field
            label="Approval"
            description="Approve each change: nothing reaches Patroni before a person approves it"
          >
            <RadioButtonGroup options={APPROVAL_MODES} value={approval} onChange={setApproval} />
          </Field>
          {approval === 'each' && (
            <Field
              label="Approval timeout"
              description="An undecided change is dropped, never applied, after this long"
              invalid={fieldErrors.approvalTimeout !== undefined}
              error={fieldErrors.approvalTimeout}
            >
              <Input
                width={16}
                aria-label="Approval timeout"
                value={approvalTimeout}
                onChange={(event) => setApprovalTimeout(event.currentTarget.value)}
              />
            </Field>
          )}
        </Stack>
        <Field label="Knobs">
          <KnobPicker slot={props.slot} selected={knobs} onChange={setKnobs} />
        </Field>
        {blockers.length > 0 && (
          <Alert severity="warning" title="A session cannot start now">
            <ul>
              {blockers.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          </Alert>
        )}
        {error && (
          <Alert
            severity="error"
            title={error.status === 409 ? 'The agent refused to start a session' : 'The session was not started'}
          >
            {describeAgentError(error)}
          </Alert>
        )}
        {outcome?.started === true && (
          <Alert severity="success" title={`Session ${shortId(outcome.sessionId)} started`}>
            {outcome.via === 'leader'
              ? "Started by the leader's agent."
              : "Forwarded to the leader's agent, which started it."}
          </Alert>
        )}
        {outcome?.started === false && (
          <Alert severity="error" title="The leader's agent rejected the session">
            {outcome.reason}
          </Alert>
        )}
        <Button
          type="submit"
          data-testid={testIds.sessions.start}
          disabled={submitting || blockers.length > 0}
          tooltip={blockers.length > 0 ? blockers.join('; ') : undefined}
        >
          {submitting ? 'Starting…' : 'Start tuning session'}
        </Button>
      </FieldSet>
    </form>
  );
}
