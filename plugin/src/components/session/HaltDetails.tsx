/**
 * What happened to a halted session, below its banner (which carries the reason, the phase's
 * countdown and Acknowledge): when the halt was seen, the old and the new leader, how long the
 * detection took, the failover protocol's phase, and the baseline restore — attempts, failures,
 * who restored it, members that could not be verified, knobs someone else changed.
 */
import React from 'react';
import { Stack, Text } from '@grafana/ui';
import type { FailoverState, SessionRecord, TopologyEvent } from '@patroni-tuner/backend/contract';
import { formatTime } from '../../format';
import { testIds } from '../testIds';

/** The leader the halt took away: from its events, else the member that executed the session. */
function oldLeader(events: readonly TopologyEvent[], executor: string): string {
  for (const event of events) {
    if (event.type === 'leader_changed' || event.type === 'leader_lost') {
      return event.from;
    }
    if (event.type === 'member_down' && event.wasLeader) {
      return event.member;
    }
  }
  return executor;
}

const Line = ({ label, children }: { label: string; children: NonNullable<React.ReactNode> }) => (
  <div>
    <Text color="secondary">{label}: </Text>
    <Text>{children}</Text>
  </div>
);

export function HaltDetails({ session, failover }: { session: SessionRecord; failover: FailoverState | null }) {
  if (failover === null) {
    // The agent saw the halt before the record says so: the protocol has not started yet.
    return (
      <div data-testid={testIds.session.halt}>
        <Line label="Halt seen">
          {session.detectedHalt ? `${formatTime(session.detectedHalt.at)}: ${session.detectedHalt.reason}` : '—'}
        </Line>
        <Line label="Failover protocol">not started yet</Line>
      </div>
    );
  }
  const { halt, leader, restore } = failover;
  return (
    <div data-testid={testIds.session.halt}>
      <Stack direction="column" gap={0.5}>
        {/* The reason is the banner's text, above. */}
        <Line label="Halted">{formatTime(halt.at)}</Line>
        <Line label="Old leader">{oldLeader(halt.events, session.executor)}</Line>
        <Line label="New leader">
          {leader === null
            ? 'not elected yet'
            : `${leader.name}${leader.timeline === null ? '' : ` (timeline ${leader.timeline})`}`}
        </Line>
        <Line label="Detection latency">
          {halt.detectionLatencyMs === null ? 'unknown' : `${(halt.detectionLatencyMs / 1000).toFixed(1)} s`}
        </Line>
        <Line label="Protocol phase">
          {failover.phase.replace(/_/g, ' ')} since {formatTime(failover.phaseSince)}
          {failover.restarts > 0 && `, restarted ${failover.restarts}×`}
        </Line>
        <Line label="Baseline restore">
          {restore.restoredAt !== null
            ? `restored ${formatTime(restore.restoredAt)} by ${restore.restoredBy ?? 'an agent'} (attempt ${restore.restoredAttempt ?? restore.attempts})`
            : restore.attempts === 0
              ? 'not attempted yet'
              : `${restore.attempts} attempt${restore.attempts === 1 ? '' : 's'}, ${restore.failures} failed${restore.lastError ? `: ${restore.lastError}` : ''}`}
        </Line>
        {restore.unverified.length > 0 && <Line label="Not verified">{restore.unverified.join(', ')}</Line>}
        {restore.changedBySomeoneElse.length > 0 && (
          <Line label="Changed by someone else, left as is">
            {restore.changedBySomeoneElse.map((knob) => `${knob.name}=${knob.dcs ?? '(removed)'}`).join(', ')}
          </Line>
        )}
        {failover.acknowledgement && (
          <Line label="Acknowledged">
            {formatTime(failover.acknowledgement.at)} by {failover.acknowledgement.by}
            {failover.acknowledgement.forced && ' (forced, baseline not restored)'}
          </Line>
        )}
      </Stack>
    </div>
  );
}
