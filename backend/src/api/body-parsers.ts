/**
 * The API reads JSON bodies only. An empty body is no body whatever type it declares, so the calls
 * whose body is optional work as curl sends them (`curl -X POST` without data, or with `-d ''`); any
 * other non-JSON body is 415 `unsupported_media_type`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  // Fastify's JSON parser, with its prototype-poisoning protection, for every non-empty JSON body.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
    if (body.length === 0) return done(null, undefined);
    return parseJson(request, body, done);
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined);
    return done(new ApiError('unsupported_media_type', `a body must be application/json, not ${request.headers['content-type'] ?? 'untyped'}`), undefined);
  });
}

/** For routes whose body is optional: no body is an empty object, so the body schema checks one shape. */
export async function noBodyIsEmptyObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
