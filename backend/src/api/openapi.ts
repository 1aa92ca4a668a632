/**
 * `GET /api/v1/openapi.json`: the OpenAPI 3.1 description @fastify/swagger builds from the routes'
 * own schemas (the contract), so it cannot describe another API than the one served.
 */
import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES } from './errors.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';

/** The generator's options; it is registered on the root instance before the routes it describes. */
export function openapiOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Patroni Tuner agent API',
        version,
        description: 'Errors are `{ "error": { "code", "message", … } }` with the status of their code (README, "Errors").',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'TUNER_API_TOKEN' } } },
    },
    // @fastify/swagger marks every body required; a body without required fields may be left out here.
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const { openapiObject } = document;
      for (const operations of Object.values(openapiObject.paths ?? {})) {
        for (const operation of Object.values(operations ?? {}) as Array<{ requestBody?: { required?: boolean; content?: Record<string, { schema?: { required?: string[] } }> } }>) {
          const body = operation.requestBody;
          if (body) body.required = Object.values(body.content ?? {}).some(({ schema }) => (schema?.required?.length ?? 0) > 0);
        }
      }
      return openapiObject;
    },
  };
}

/** The route serving the description; registered with the other routes, so it lists itself. */
export async function openapiRoute(app: FastifyInstance): Promise<void> {
  app.get(
    OPENAPI_PATH,
    { schema: { tags: ['meta'], summary: 'This description', response: { 200: { type: 'object', additionalProperties: true }, ...ERROR_RESPONSES } } },
    async () => app.swagger(),
  );
}
