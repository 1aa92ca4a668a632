/**
 * The agent's wire contract: the request and response shapes of its HTTP API, inferred from the JSON
 * schemas fastify validates requests and serialises responses with (./*.ts), for the Grafana app and
 * the benches to import type-only (`import type { … } from '@patroni-tuner/backend/contract'`), so a
 * changed field breaks their typecheck instead of a user's page. Nothing outside the backend imports
 * from its internals. Times are ISO 8601 strings; durations are milliseconds named `…Ms` (request
 * fields named `…Seconds` say their unit).
 */
export type { ErrorBody, ParameterValue } from './common.js';
export type { HealthView, ClusterView, Member, MemberRole, MemberHealth, TopologyEvent, TimedTopologyEvent } from './observation.js';
export type {
  FailoverPhase,
  FailoverState,
  FailoverLeader,
  HaltRecord,
  RestoreAttempt,
  RestoreProgress,
  ChangedKnob,
  NotVerified,
  UnresolvedRestore,
  Acknowledgement,
} from './failover.js';
export type {
  SessionState,
  Objective,
  ApprovalMode,
  SessionOptions,
  SessionResult,
  DetectedHaltView,
  SessionRecord,
  BaselineRecord,
  AutoconfRemovalRecord,
  IterationState,
  IterationRecord,
  MemberVerification,
  Measurement,
  StatementComparison,
  GuardrailVerdict,
  PatchRecord,
  EventRecord,
  CommandKind,
  CommandStatus,
  CommandRecord,
  SessionDetail,
  StartSessionBody,
  AcknowledgeBody,
  SessionList,
  Forwarded,
  SessionStarted,
  SessionStopping,
  SessionAcknowledged,
  CommandView,
} from './sessions.js';
export type { KnobsView, KnobView, NumericKnob, BoolKnob, EnumKnob, ExclusionReason, StorageKind, DriftReport, DriftView, Drift } from './knobs.js';
export type {
  PendingChangeReason,
  PendingChangeStatus,
  MemoryVerdict,
  ValueChange,
  PendingChangeRecord,
  ApproveBody,
  RejectBody,
  PendingChangeView,
  RecommendationView,
} from './approval.js';
