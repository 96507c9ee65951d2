import type { FastifyInstance } from 'fastify';
import { ApiError } from '../http/errors.js';
import { peerAgentId } from './peer-identity.js';

/**
 * POST /v1/noop: the same TLS, HTTP/2, client-certificate check and JSON parsing as a
 * replication, but no validation and no database. Benchmarks measure it beside
 * /v1/replicate, in the same run, to show what storing costs. Only on when asked for.
 */
export function registerNoopRoute(app: FastifyInstance): void {
  app.post(
    '/v1/noop',
    {
      onRequest: async (request) => {
        if (peerAgentId(request) === null) {
          throw new ApiError(
            'SMC_UNAUTHENTICATED',
            'a client certificate signed by the agent CA is required',
          );
        }
      },
    },
    async () => ({ ok: true }),
  );
}
