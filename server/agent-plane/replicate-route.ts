import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ErrorBody,
  MAX_LOG_DATA_BYTES,
  ReplicateRequest,
  ReplicateResponse,
} from '../../protocol/index.js';
import type { PolicyCache } from '../cache/policy-cache.js';
import type { RevokedAgents } from '../cache/revocations.js';
import { ApiError } from '../http/errors.js';
import { bodyBytesOf } from '../http/json-bodies.js';
import type { GroupCommitter } from '../ingest/group-commit.js';
import type { LoadGovernor } from '../ingest/load-governor.js';
import type { OverloadGuard } from '../ingest/overload-guard.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import type { InFlightLimit } from './in-flight-limit.js';
import { peerAgentId } from './peer-identity.js';

export interface ReplicateDeps {
  readonly committer: GroupCommitter;
  readonly governor: LoadGovernor;
  readonly guard: OverloadGuard;
  readonly policy: PolicyCache;
  readonly telemetry: ServerTelemetry;
  readonly revoked: RevokedAgents;
  /** Replications one agent may have in flight at once. */
  readonly inFlight: InFlightLimit;
  /** Jitter agents add to `next.intervalSeconds`, as a fraction of it (ours: 10 %). */
  readonly jitterFraction: number;
}

/**
 * POST /v1/replicate: checks identity, sheds load early, queues the replication for group
 * commit and answers only after its batch committed (so `ack.logsThrough` is durable).
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
        if (!deps.inFlight.tryAcquire(agentId)) {
          deps.telemetry.refused('rejected');
          throw new ApiError(
            'SMC_RATE_LIMITED',
            `agent ${agentId} already has ${deps.inFlight.max} replications in flight; one at a time is enough`,
            undefined,
            1 + Math.random(),
          );
        }
        reply.raw.once('close', () => deps.inFlight.release(agentId));
      },
    },
    async (request) => {
      const started = performance.now();
      const agentId = peerAgentId(request) as string;
      const body = request.body;
      if (body.agent.id !== agentId) {
        deps.telemetry.refused('rejected');
        throw new ApiError(
          'SMC_FORBIDDEN',
          `agent.id ${body.agent.id} is not the certificate's agent`,
          '/agent/id',
        );
      }
      checkLogs(body);

      // Real bytes, counted as the body streamed in (never a header's claim).
      const bytes = bodyBytesOf(request);
      if (deps.guard.saturated || !deps.committer.canAccept(bytes)) {
        deps.telemetry.refused('shed');
        const wait =
          deps.committer.estimatedDrainSeconds(deps.telemetry.lastBatchMs) + 1 + Math.random() * 4;
        throw new ApiError(
          'SMC_OVERLOADED',
          'server is at capacity; retry after the given seconds',
          undefined,
          wait,
        );
      }

      const stored = await deps.committer.submit({ agentId, body, bytes });
      deps.telemetry.replicated((performance.now() - started) / 1_000);
      if (stored.resync) deps.telemetry.seqResyncs.inc();
      const interval = deps.governor.intervalSeconds;
      return {
        ack: { logsThrough: stored.logsThrough },
        tasks: stored.tasks,
        policy: deps.policy.newerThan(body.policyVersion),
        next: {
          intervalSeconds: interval,
          jitterSeconds: Math.max(1, Math.round(interval * deps.jitterFraction)),
        },
        ...(stored.clone ? { clone: stored.clone } : {}),
        ...(stored.resync ? { resync: stored.resync } : {}),
      };
    },
  );
}

/** The agent of the verified client certificate, if it is not revoked. */
export function authenticate(
  request: FastifyRequest,
  deps: Pick<ReplicateDeps, 'revoked' | 'telemetry'>,
): string {
  const agentId = peerAgentId(request);
  if (agentId === null) {
    deps.telemetry.refused('rejected');
    throw new ApiError(
      'SMC_UNAUTHENTICATED',
      'a client certificate signed by the agent CA is required',
    );
  }
  if (deps.revoked.has(agentId)) {
    deps.telemetry.refused('rejected');
    throw new ApiError('SMC_FORBIDDEN', `the certificate of agent ${agentId} was revoked`);
  }
  return agentId;
}

/** Each log's data within its size, and no seq twice in one replication. */
function checkLogs(body: ReplicateRequest): void {
  const seen = new Set<number>();
  for (let i = 0; i < body.logs.length; i++) {
    const log = body.logs[i] as ReplicateRequest['logs'][number];
    if (seen.has(log.seq))
      throw new ApiError(
        'SMC_BAD_BODY',
        `/logs/${i}/seq ${log.seq} appears twice in this replication`,
        `/logs/${i}/seq`,
      );
    seen.add(log.seq);
    if (Buffer.byteLength(JSON.stringify(log.data)) > MAX_LOG_DATA_BYTES) {
      throw new ApiError(
        'SMC_BAD_BODY',
        `/logs/${i}/data is over ${MAX_LOG_DATA_BYTES} bytes serialised`,
        `/logs/${i}/data`,
      );
    }
  }
}
