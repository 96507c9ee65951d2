import {
  MAX_LOG_DATA_BYTES,
  type ReplicateRequest,
  type ReplicateResponse,
} from '../../protocol/index.js';
import type { PolicyCache } from '../cache/policy-cache.js';
import type { RevokedAgents } from '../cache/revocations.js';
import { ApiError } from '../http/errors.js';
import type { GroupCommitter } from '../ingest/group-commit.js';
import type { LoadGovernor } from '../ingest/load-governor.js';
import { logRow } from '../ingest/log-rows.js';
import type { OverloadGuard } from '../ingest/overload-guard.js';
import type { StoredReplication } from '../ingest/types.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { admissionRefusal } from './admission.js';
import type { InFlightLimit } from './in-flight-limit.js';

/**
 * One replication's steps, free of any transport: fastify's route (HTTP/1.1) and the core
 * HTTP/2 stream handlers (core/) run exactly these, in the same order, so the protocol is one.
 */
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

/** The agent of the verified client certificate (null: none or not ours), if it is not revoked. */
export function authenticatedAgent(
  agentId: string | null,
  deps: Pick<ReplicateDeps, 'revoked' | 'telemetry'>,
): string {
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

/** Takes one of the agent's in-flight places, or throws the 429 (before its body is read). */
export function acquireInFlight(deps: ReplicateDeps, agentId: string): void {
  if (deps.inFlight.tryAcquire(agentId)) return;
  deps.telemetry.refused('rejected');
  throw new ApiError(
    'SMC_RATE_LIMITED',
    `agent ${agentId} already has ${deps.inFlight.max} replications in flight; one at a time is enough`,
    undefined,
    1 + Math.random(),
  );
}

/**
 * A schema-valid body from the certificate's agent: checks what the schema cannot say, sheds
 * load (admission.ts), queues it for group commit and resolves once its batch committed.
 */
export async function storeReplication(
  deps: ReplicateDeps,
  agentId: string,
  body: ReplicateRequest,
  bytes: number,
): Promise<StoredReplication> {
  if (body.agent.id !== agentId) {
    deps.telemetry.refused('rejected');
    throw new ApiError(
      'SMC_FORBIDDEN',
      `agent.id ${body.agent.id} is not the certificate's agent`,
      '/agent/id',
    );
  }
  const logRows = checkLogs(agentId, body);
  const refusal = admissionRefusal(deps, bytes);
  if (refusal) throw refusal;
  const started = performance.now();
  const stored = await deps.committer.submit({ agentId, body, bytes, logRows });
  deps.telemetry.replicated((performance.now() - started) / 1_000);
  if (stored.resync) deps.telemetry.seqResyncs.inc();
  return stored;
}

/** The answer object (fastify serialises it from the response schema). */
export function replicateAnswer(
  deps: ReplicateDeps,
  stored: StoredReplication,
  policyVersion: number,
): ReplicateResponse {
  const interval = deps.governor.intervalSeconds;
  return {
    ack: { logsThrough: stored.logsThrough },
    tasks: stored.tasks,
    policy: deps.policy.newerThan(policyVersion),
    next: {
      intervalSeconds: interval,
      jitterSeconds: Math.max(1, Math.round(interval * deps.jitterFraction)),
    },
    ...(stored.clone ? { clone: stored.clone } : {}),
    ...(stored.resync ? { resync: stored.resync } : {}),
  };
}

/**
 * The same answer as JSON text by template, for the core handlers: fields in the response
 * schema's order, as fastify's serialiser writes them; only tasks, policy and a clone note
 * (rare) go through JSON.stringify, and the policy's text is cached per version.
 */
export function replicateAnswerText(
  deps: ReplicateDeps,
  stored: StoredReplication,
  policyVersion: number,
): string {
  const interval = deps.governor.intervalSeconds;
  const jitter = Math.max(1, Math.round(interval * deps.jitterFraction));
  let text = `{"ack":{"logsThrough":${stored.logsThrough}},"tasks":${
    stored.tasks.length === 0 ? '[]' : tasksText(stored.tasks)
  },"policy":${deps.policy.newerThanText(policyVersion)},"next":{"intervalSeconds":${interval},"jitterSeconds":${jitter}}`;
  const { clone, resync } = stored;
  if (clone)
    text += `,"clone":${JSON.stringify({ reason: clone.reason, questionId: clone.questionId, action: clone.action })}`;
  if (resync) text += `,"resync":{"nextSeq":${resync.nextSeq},"conflictSeq":${resync.conflictSeq}}`;
  return `${text}}`;
}

function tasksText(tasks: StoredReplication['tasks']): string {
  return JSON.stringify(tasks.map((t) => ({ id: t.id, type: t.type, params: t.params })));
}

/**
 * Each log's data within its size, and no seq twice in one replication. Returns the logs as
 * rows of the batch's log document (flush-batch.ts), built from the same serialisation of
 * each log's data that measured its size.
 */
function checkLogs(agentId: string, body: ReplicateRequest): string {
  const seen = new Set<number>();
  const agent = JSON.stringify(agentId);
  let rows = '';
  for (let i = 0; i < body.logs.length; i++) {
    const log = body.logs[i] as ReplicateRequest['logs'][number];
    if (seen.has(log.seq))
      throw new ApiError(
        'SMC_BAD_BODY',
        `/logs/${i}/seq ${log.seq} appears twice in this replication`,
        `/logs/${i}/seq`,
      );
    seen.add(log.seq);
    const data = JSON.stringify(log.data);
    if (Buffer.byteLength(data) > MAX_LOG_DATA_BYTES) {
      throw new ApiError(
        'SMC_BAD_BODY',
        `/logs/${i}/data is over ${MAX_LOG_DATA_BYTES} bytes serialised`,
        `/logs/${i}/data`,
      );
    }
    rows += `${i === 0 ? '' : ','}${logRow(agent, log, data)}`;
  }
  return rows;
}
