import type { FastifyInstance } from 'fastify';
import type { RevokedAgents } from '../cache/revocations.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { authenticate } from './replicate-route.js';

/**
 * POST /v1/noop: the same TLS, HTTP/2, client-certificate check and JSON parsing as a
 * replication, but no validation and no database. Benchmarks measure it beside
 * /v1/replicate, in the same run, to show what storing costs. Only on when asked for.
 */
export function registerNoopRoute(
  app: FastifyInstance,
  deps: { revoked: RevokedAgents; telemetry: ServerTelemetry },
): void {
  app.post(
    '/v1/noop',
    {
      onRequest: async (request) => {
        authenticate(request, deps);
      },
    },
    async () => ({ ok: true }),
  );
}
