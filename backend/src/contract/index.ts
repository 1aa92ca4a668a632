/**
 * The agent's wire contract: the request and response shapes of its HTTP API, for the Grafana app and
 * the benches to import type-only (`import type { … } from '@patroni-tuner/backend/contract'`), so a
 * changed field breaks their typecheck instead of a user's page. Nothing outside the backend imports
 * from its internals.
 */
export type { HealthView, ClusterView, DetectedHaltView } from '../api/views.js';
export type { KnobsView } from '../api/knob-routes.js';
export type { ErrorBody } from '../api/errors.js';
export type { SessionDetail } from '../tuning/session/service.js';
export type {
  SessionState,
  SessionOptions,
  SessionResult,
  SessionRecord,
  ParameterValue,
  BaselineRecord,
  IterationState,
  IterationRecord,
  MemberVerification,
  Measurement,
  GuardrailVerdict,
  PatchRecord,
  EventRecord,
  CommandKind,
  CommandStatus,
  CommandRecord,
  ApprovalMode,
  PendingChangeReason,
  PendingChangeStatus,
  PendingChangeRecord,
  PendingChangeContext,
  MemoryVerdict,
  ValueChange,
} from '../store/records.js';
export type { ApproveBody, RejectBody } from '../api/approval-routes.js';
export type { FailoverPhase, FailoverState, HaltRecord, RestoreProgress, UnresolvedRestore, Acknowledgement } from '../tuning/failover/state.js';
export type { Member } from '../topology/model.js';
