import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorBody, ReplicateRequest, ReplicateResponse } from '../../protocol/index.js';
import { bodyBytesOf } from '../http/json-bodies.js';
import { peerAgentId } from './peer-identity.js';
import {
  acquireInFlight,
  authenticatedAgent,
  type ReplicateDeps,
  replicateAnswer,
  storeReplication,
} from './replication.js';

export type { ReplicateDeps } from './replication.js';

/**
 * POST /v1/replicate on fastify: what HTTP/1.1 peers (curl, autocannon, proxies that do not
 * speak h2) reach, and what the OpenAPI document describes. HTTP/2 streams are answered by
 * core/ (the same steps from replication.ts, without the compat layer). Checks identity, sheds
 * load early, queues the replication for group commit and answers only after its batch
 * committed (so `ack.logsThrough` is durable).
 */
export function registerReplicateRoute(app: FastifyInstance, deps: ReplicateDeps): void {
  app.post<{ Body: ReplicateRequest }>(
    '/v1/replicate',
    {
      schema: {
        body: ReplicateRequest,
        response: {
          200: ReplicateResponse,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          429: ErrorBody,
          503: ErrorBody,
        },
      },
      // Identity and the per-agent bound before parsing: neither an unauthenticated peer nor
      // an agent already at its bound costs a body read.
      onRequest: async (request, reply) => {
        const agentId = authenticate(request, deps);
        acquireInFlight(deps, agentId);
        reply.raw.once('close', () => deps.inFlight.release(agentId));
      },
    },
    async (request) => {
      const agentId = peerAgentId(request) as string;
      // Real bytes, counted as the body streamed in (never a header's claim).
      const stored = await storeReplication(deps, agentId, request.body, bodyBytesOf(request));
      return replicateAnswer(deps, stored, request.body.policyVersion);
    },
  );
}

/** The agent of the verified client certificate, if it is not revoked. */
export function authenticate(
  request: FastifyRequest,
  deps: Pick<ReplicateDeps, 'revoked' | 'telemetry'>,
): string {
  return authenticatedAgent(peerAgentId(request), deps);
}
