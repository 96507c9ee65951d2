import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/**
 * OpenAPI generated from the route schemas (the schemas are the contract), served as JSON at
 * `path` on the same listener. Must be registered before the routes it documents.
 */
export async function installOpenApi(
  app: FastifyInstance,
  options: { title: string; description: string; path: string; bearer?: boolean },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: options.title, description: options.description, version: '1' },
      ...(options.bearer
        ? {
            components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
            security: [{ admin: [] }],
          }
        : {}),
    },
  });
  app.get(options.path, { schema: { hide: true } }, async () => app.swagger());
}
