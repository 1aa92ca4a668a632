/** Approval mode and recommendations on the wire: pending changes, decisions, advice that applies nothing. */
import { type Static, Type } from '@sinclair/typebox';
import { IsoTime, Nullable, ParameterValue, StringEnum } from './common.js';

export const PendingChangeReason = StringEnum(['first', 'initial', 'model', 'remeasure', 'restore_best', 'final_best', 'revert_to_baseline', 'keep_current']);

/** `pending` awaits a person; only an `approved` change is ever applied. */
export const PendingChangeStatus = StringEnum(['pending', 'approved', 'rejected', 'expired', 'dropped']);

/** The memory guardrail's verdict on a pending configuration, with the numbers behind it. */
export const MemoryVerdict = Type.Object({
  ok: Type.Boolean(),
  detail: Type.String(),
  boundBytes: Type.Number(),
  limitBytes: Type.Number(),
  hostMemoryBytes: Type.Number(),
  boundBy: Nullable(Type.String()),
});

export const ValueChange = Type.Object({ from: Nullable(ParameterValue), to: ParameterValue });

/** A configuration the session would apply, waiting for (or past) a person's decision. */
export const PendingChangeRecord = Type.Object({
  id: Type.Integer(),
  sessionId: Type.String(),
  /** The iteration a candidate would be measured as; null for a restore, the final change and fallbacks. */
  iteration: Nullable(Type.Integer()),
  reason: PendingChangeReason,
  /** The expired change this one was proposed instead of; null otherwise. */
  replaces: Nullable(Type.Integer()),
  /** The whole configuration the cluster would be on, in pg_settings units. */
  configuration: Type.Record(Type.String(), ParameterValue),
  /** What would be sent in PATCH /config (`postgresql.parameters`), null removing a parameter. */
  parameters: Type.Record(Type.String(), Nullable(Type.String())),
  vsBaseline: Type.Record(Type.String(), ValueChange),
  vsBest: Type.Record(Type.String(), ValueChange),
  memory: Nullable(MemoryVerdict),
  /** The model's predicted score (lower is better) with its standard deviation, when the model proposed it. */
  prediction: Nullable(Type.Object({ score: Type.Number(), sd: Type.Number() })),
  createdAt: IsoTime,
  /** Dropped, never applied, when not decided by then. */
  expiresAt: IsoTime,
  status: PendingChangeStatus,
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(IsoTime),
  /** The reviewer's adjustments (pg_settings units), applied over `configuration`. */
  changes: Nullable(Type.Record(Type.String(), ParameterValue)),
  /** Why it was rejected, expired or dropped. */
  decisionReason: Nullable(Type.String()),
});

/** Who decides: a person's name or login, recorded with the decision. */
const By = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

export const ApproveBody = Type.Object(
  {
    by: By,
    /** Adjusted values in pg_settings units, over the pending configuration; validated like any candidate. */
    changes: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.String({ maxLength: 1000 }), Type.Boolean()]), { maxProperties: 100 })),
  },
  { additionalProperties: false },
);

export const RejectBody = Type.Object({ by: By, reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

export const PendingChangeView = Type.Object({ pendingChange: PendingChangeRecord });

const Recommendation = Type.Object({
  source: StringEnum(['pgtune', 'best_measured']),
  /** Where the best measured configuration comes from; null for PGTune's advice. */
  measuredIn: Nullable(
    Type.Object({ sessionId: Type.String(), iteration: Type.Integer(), improvementRatio: Nullable(Type.Number()), endedAt: Nullable(IsoTime) }),
  ),
  /** Patroni's strings, only the knobs whose value would change. */
  parameters: Type.Record(Type.String(), Type.String()),
  patronictl: Type.Object({ command: Type.String(), yaml: Type.String() }),
  /** The body of Patroni's `PATCH /config`. */
  patch: Type.Object({ postgresql: Type.Object({ parameters: Type.Record(Type.String(), Nullable(ParameterValue)) }) }),
  notes: Type.Array(Type.String()),
});

export const RecommendationView = Type.Object({
  pgtune: Recommendation,
  /** The best configuration measured by the latest session that found one; null before. */
  bestMeasured: Nullable(Recommendation),
});

export type PendingChangeReason = Static<typeof PendingChangeReason>;
export type PendingChangeStatus = Static<typeof PendingChangeStatus>;
export type MemoryVerdict = Static<typeof MemoryVerdict>;
export type ValueChange = Static<typeof ValueChange>;
export type PendingChangeRecord = Static<typeof PendingChangeRecord>;
export type ApproveBody = Static<typeof ApproveBody>;
export type RejectBody = Static<typeof RejectBody>;
export type PendingChangeView = Static<typeof PendingChangeView>;
export type RecommendationView = Static<typeof RecommendationView>;
