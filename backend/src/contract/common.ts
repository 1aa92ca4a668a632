/** Building blocks of the wire contract: one time format, nullable values, string enums, the error body. */
import { type Static, type TSchema, Type, type TUnsafe } from '@sinclair/typebox';

/** Every time on the wire: an ISO 8601 string in UTC (`2026-12-05T07:00:00.000Z`). */
export const IsoTime = Type.String({ format: 'date-time' });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A string out of a fixed list, as one JSON schema `enum` (not an anyOf of constants). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** A PostgreSQL parameter value as the tuner handles it (pg_settings units). */
export const ParameterValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

/** Free-form JSON: a field whose shape depends on a `type` or `kind` beside it. */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

/** Every error: the catalogue's code (README "Errors"), a message, and details beside them (the leader, the active session …). */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }),
});

export type IsoTime = Static<typeof IsoTime>;
export type ParameterValue = Static<typeof ParameterValue>;
export type JsonObject = Static<typeof JsonObject>;
export type ErrorBody = Static<typeof ErrorBody>;
