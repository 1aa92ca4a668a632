/**
 * The failover protocol and drift, for alerting (DESIGN.md §6): sessions halted and awaiting
 * acknowledgement, each protocol run's phase and when it ends on its own, how long the halt took to
 * detect, members left unverified, restores given up, and this node's drifted parameters and corrections.
 */
import { DRIFT_KINDS, DRIFT_ORIGINS } from '../drift/detect.js';
import { FAILOVER_PHASES } from '../model/failover-state.js';
import { bool, counter, enumSamples, gauge, single, type FamilySpec, type Sample } from './family.js';
import type { Scrape } from './scrape.js';

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

/** One list of samples per halted session whose protocol has started. */
function perRun(scrape: Scrape, samples: (failover: NonNullable<Scrape['failover'][number]['failover']>, session: string) => Sample[]): Sample[] {
  return scrape.failover.flatMap(({ session, failover }) => (failover === null ? [] : samples(failover, session.id)));
}

function scopeLabels(scrape: Scrape): { scope: string } | undefined {
  const scope = scrape.cluster?.patroni.ok ? scrape.cluster.patroni.value.topology.scope : null;
  return scope === null || scope === undefined ? undefined : { scope };
}

function memberLabels(scrape: Scrape): { member: string } | null {
  const member = scrape.drift?.report?.member ?? scrape.cluster?.self ?? null;
  return member === null ? null : { member };
}

export const failoverFamilies: FamilySpec<Scrape>[] = [
  gauge(
    'pgtuner_failover_halted_sessions',
    'Sessions halted by a topology change that a person has not acknowledged yet (nothing resumes until then).',
    // Unknown, never 0, when the store could not be read: pgtuner_failover_halted_sessions_read_ok says so.
    (s) => (s.failoverReadOk ? single(s.failover.length, scopeLabels(s)) : []),
  ),
  gauge(
    'pgtuner_failover_halted_sessions_read_ok',
    "1 when this scrape read the halted sessions from the store, 0 when it could not (then pgtuner_failover_halted_sessions is absent: alert on 0).",
    (s) => single(bool(s.failoverReadOk), scopeLabels(s)),
  ),
  gauge('pgtuner_failover_phase', 'Failover protocol phase of each halted session (one series per phase).', (s) =>
    perRun(s, (failover, session) => enumSamples(FAILOVER_PHASES, failover.phase, 'phase', { session })),
  ),
  gauge(
    'pgtuner_failover_phase_end_timestamp_seconds',
    'When the current phase (stabilising, grace, or a restore backoff) ends on its own, as epoch seconds.',
    (s) => perRun(s, (failover, session) => single(seconds(failover.phaseEndsAt), { session, phase: failover.phase })),
  ),
  gauge(
    'pgtuner_failover_detection_seconds',
    'Time from the last observation showing nothing wrong to the halt (an upper bound of the detection latency).',
    (s) => perRun(s, (failover, session) => single(seconds(failover.halt.detectionLatencyMs), { session })),
  ),
  gauge(
    'pgtuner_failover_unverified_members',
    'Members the baseline restore could not reach; they are checked again as they rejoin.',
    (s) => perRun(s, (failover, session) => (failover.restore.restoredAt === null ? [] : single(failover.restore.unverified.length, { session }))),
  ),
  gauge(
    'pgtuner_failover_restore_unresolved',
    'Alert on 1: the failover protocol gave up restoring the baseline (TUNER_RESTORE_MAX_ATTEMPTS failures in a row); a person must check the cluster and acknowledge with force.',
    (s) => perRun(s, (failover, session) => single(bool(failover.restore.unresolved !== null), { ...scopeLabels(s), session })),
  ),
  counter('pgtuner_failover_restore_attempts_total', 'Baseline restore attempts of the protocol run.', (s) =>
    perRun(s, (failover, session) => single(failover.restore.attempts, { session })),
  ),
  gauge('pgtuner_drift_check_up', "1 when this node's last drift check ran, 0 when PostgreSQL or Patroni could not be read.", (s) => {
    const labels = memberLabels(s);
    const report = s.drift?.report;
    return labels && report ? single(bool(report.error === null), labels) : [];
  }),
  gauge('pgtuner_member_drifted', "1 when this node's tunable settings or postgresql.auto.conf differ from the DCS (confirmed).", (s) => {
    const labels = memberLabels(s);
    const report = s.drift?.report;
    return labels && report && report.error === null ? single(bool(report.drifts.length > 0), labels) : [];
  }),
  gauge(
    'pgtuner_drift_parameters',
    'Confirmed drifted parameters on this node, by kind (auto.conf override or value mismatch) and origin (a mismatch to a value the tuner once sent, or not; overrides are always other).',
    (s) => {
      const labels = memberLabels(s);
      const report = s.drift?.report;
      if (!labels || !report || report.error !== null) return [];
      return DRIFT_KINDS.flatMap((kind) =>
        DRIFT_ORIGINS.map((origin) => ({
          labels: { ...labels, kind, origin },
          value: report.drifts.filter((d) => d.kind === kind && d.origin === origin).length,
        })),
      );
    },
  ),
  counter('pgtuner_drift_corrections_total', 'Drifts this agent corrected on its node (reloads; override resets only with TUNER_DRIFT_REMOVE_OVERRIDES=true).', (s) => {
    const labels = memberLabels(s);
    return labels && s.drift ? single(s.drift.correctionsTotal, labels) : [];
  }),
];
