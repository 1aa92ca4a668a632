import type { FastifySchemaValidationError, SchemaErrorDataVar } from 'fastify/types/schema.js';

/**
 * One message naming the offending field, e.g. `body/iterations must be <= 200` or
 * `body/colour is not allowed` (ajv's own text for an unknown field does not name it).
 */
export function formatValidationErrors(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error {
  const messages = errors.map((error) => {
    const path = `${dataVar}${error.instancePath}`;
    const extra = (error.params as { additionalProperty?: unknown }).additionalProperty;
    if (typeof extra === 'string') return `${path}/${extra} is not allowed`;
    return `${path} ${error.message ?? 'is invalid'}`;
  });
  return new Error(messages.join('; '));
}
