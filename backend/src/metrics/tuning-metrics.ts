import { SESSION_STATES } from '../model/record-states.js';
import { bool, counter, enumSamples, gauge, single, type FamilySpec } from './family.js';
import type { Scrape } from './scrape.js';

/** Scores are milliseconds per query (or per transaction); exported in seconds. */
const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : ms / 1000);

function scopeLabels(s: Scrape): { scope: string } | undefined {
  const scope = s.cluster?.patroni.ok ? s.cluster.patroni.value.topology.scope : null;
  return scope === null || scope === undefined ? undefined : { scope };
}

export const tuningFamilies: FamilySpec<Scrape>[] = [
  gauge('pgtuner_tuning_session_state', 'State of the session this agent executes or executed last (one series per state).', (s) =>
    s.tuning ? enumSamples(SESSION_STATES, s.tuning.state, 'state', { session: s.tuning.sessionId }) : [],
  ),
  gauge('pgtuner_tuning_iteration', 'The iteration under way or last finished (0 = baseline measurement).', (s) =>
    single(s.tuning?.iteration, s.tuning ? { session: s.tuning.sessionId } : undefined),
  ),
  gauge('pgtuner_tuning_iterations_planned', 'Iterations the session plans.', (s) =>
    single(s.tuning?.iterations, s.tuning ? { session: s.tuning.sessionId } : undefined),
  ),
  gauge(
    'pgtuner_tuning_objective_seconds',
    'Objective (mean query time, or time per transaction) of the baseline, the best and the last measured iteration.',
    (s) => {
      const t = s.tuning;
      if (!t) return [];
      return [
        ...single(seconds(t.baselineScore), { session: t.sessionId, which: 'baseline' }),
        ...single(seconds(t.bestScore), { session: t.sessionId, which: 'best' }),
        ...single(seconds(t.lastScore), { session: t.sessionId, which: 'last' }),
      ];
    },
  ),
  gauge('pgtuner_tuning_best_improvement_ratio', 'Baseline objective divided by the best: 2 means twice as fast.', (s) => {
    const t = s.tuning;
    return t && t.baselineScore !== null && t.bestScore ? single(t.baselineScore / t.bestScore, { session: t.sessionId }) : [];
  }),
  counter('pgtuner_tuning_iterations_total', 'Finished iterations of the session, by outcome (rejected = refused by the memory guardrail, or in approval mode by a person).', (s) => {
    const t = s.tuning;
    return t ? Object.entries(t.outcomes).map(([outcome, value]) => ({ labels: { session: t.sessionId, outcome }, value })) : [];
  }),
  gauge('pgtuner_tuning_approval_pending', 'Approval mode: 1 while the session waits for a person to approve or reject a configuration.', (s) => {
    const session = s.approval?.sessionId ?? s.tuning?.sessionId;
    return session === undefined ? [] : single(bool(s.approval !== null), { session });
  }),
  gauge('pgtuner_tuning_approval_waiting_seconds', 'How long the pending change has waited for a decision; 0 when none waits.', (s) => {
    const session = s.approval?.sessionId ?? s.tuning?.sessionId;
    return session === undefined ? [] : single(s.approval?.waitedSeconds ?? 0, { session });
  }),
  gauge(
    'pgtuner_tuning_halt_detected',
    'Whether this agent saw an active session halted (the leader gone) before any record says so: 1 until the new leader records the halt.',
    (s) => single(bool(s.detectedHalts.length > 0), scopeLabels(s)),
  ),
  gauge('pgtuner_tuning_halt_detected_timestamp_seconds', 'When this agent saw that halt (epoch seconds); absent when there is none.', (s) =>
    single(s.detectedHalts.length === 0 ? null : Math.min(...s.detectedHalts.map((h) => h.at)) / 1000, scopeLabels(s)),
  ),
];
