import type { FastifyInstance } from 'fastify';
import {
  ErrorBody,
  MAX_LOG_DATA_BYTES,
  ReplicateRequest,
  ReplicateResponse,
} from '../../protocol/index.js';
import type { PolicyCache } from '../cache/policy-cache.js';
import { ApiError } from '../http/errors.js';
import type { GroupCommitter } from '../ingest/group-commit.js';
import type { LoadGovernor } from '../ingest/load-governor.js';
import type { OverloadGuard } from '../ingest/overload-guard.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { peerAgentId } from './peer-identity.js';

export interface ReplicateDeps {
  readonly committer: GroupCommitter;
  readonly governor: LoadGovernor;
  readonly guard: OverloadGuard;
  readonly policy: PolicyCache;
  readonly telemetry: ServerTelemetry;
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
          503: ErrorBody,
        },
      },
      // Identity before parsing: an unauthenticated peer never costs a body parse.
      onRequest: async (request) => {
        if (peerAgentId(request) === null) {
          deps.telemetry.refused('rejected');
          throw new ApiError(
            'SMC_UNAUTHENTICATED',
            'a client certificate signed by the agent CA is required',
          );
        }
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
      checkLogSizes(body);

      const bytes = Number(request.headers['content-length'] ?? 2_048);
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
      };
    },
  );
}

function checkLogSizes(body: ReplicateRequest): void {
  for (let i = 0; i < body.logs.length; i++) {
    const data = body.logs[i]?.data;
    if (Buffer.byteLength(JSON.stringify(data)) > MAX_LOG_DATA_BYTES) {
      throw new ApiError(
        'SMC_BAD_BODY',
        `/logs/${i}/data is over ${MAX_LOG_DATA_BYTES} bytes serialised`,
        `/logs/${i}/data`,
      );
    }
  }
}
