import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../http/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs no token: the web console's own files, which hold no data. */
    public?: boolean;
  }
}

/** Paths anyone on the console port may read: liveness, Prometheus scraping, the API description. */
const PUBLIC_PATHS = new Set(['/healthz', '/metrics', '/openapi.json']);

/** `Authorization: Bearer <admin token>` on every other console route, compared in constant time. */
export function installBearerAuth(app: FastifyInstance, adminToken: string): void {
  const expected = Buffer.from(adminToken);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (PUBLIC_PATHS.has(path) || request.routeOptions.config?.public === true) return;
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiError(
        'SMC_UNAUTHENTICATED',
        'send Authorization: Bearer <admin token> (see the data folder)',
      );
    }
  });
}
