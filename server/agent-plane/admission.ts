import { ApiError } from '../http/errors.js';
import type { GroupCommitter } from '../ingest/group-commit.js';
import type { OverloadGuard } from '../ingest/overload-guard.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';

export interface AdmissionDeps {
  readonly committer: GroupCommitter;
  readonly guard: OverloadGuard;
  readonly telemetry: ServerTelemetry;
}

/**
 * Whether a replication whose body holds `bytes` may be queued now, for every transport (the
 * core HTTP/2 handlers and fastify's HTTP/1.1 route call this one function): null to admit, or
 * the refusal to answer (503 + Retry-After, counted as shed). Every reason the agent plane turns
 * work away belongs here, one line each, so a new one (a drain flag) cannot miss a transport.
 */
export function admissionRefusal(deps: AdmissionDeps, bytes: number): ApiError | null {
  const { committer, guard, telemetry } = deps;
  if (guard.saturated || !committer.canAccept(bytes)) {
    telemetry.refused('shed');
    const wait = committer.estimatedDrainSeconds(telemetry.lastBatchMs) + 1 + Math.random() * 4;
    return new ApiError(
      'SMC_OVERLOADED',
      'server is at capacity; retry after the given seconds',
      undefined,
      wait,
    );
  }
  return null;
}
