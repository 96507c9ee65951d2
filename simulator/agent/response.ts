import { Compile } from 'typebox/compile';
import { AGENT_VERSION_PATTERN, ReplicateResponse } from '../../protocol/index.js';
import type { ReplicationOutcome, RunRecorder } from '../metrics/contract.js';
import type { VirtualAgent } from './agent.js';
import { acknowledgeLogs, resyncSeqs } from './outbox.js';
import type { PreparedReplication } from './request.js';
import type { TaskObserver } from './task-observer.js';

const checkResponse = Compile(ReplicateResponse);
const VERSION = new RegExp(AGENT_VERSION_PATTERN);

/** An HTTP answer as the transport hands it over. */
export interface HttpReply {
  readonly status: number;
  /** The raw `Retry-After` header, if any. */
  readonly retryAfter: string | undefined;
  readonly body: string;
}

export interface ReplicationVerdict {
  readonly outcome: ReplicationOutcome;
  readonly logsAcked: number;
  /** Seconds the server asked us to wait (429/503), already parsed. */
  readonly retryAfterSeconds: number | null;
  readonly detail?: string;
}

/** Retry-After when the server sends none or an unreadable one (ours). */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Applies one answer to the agent the way a good agent does: drop logs only through the
 * ack, remember the inventory the server now has, take tasks and newer policies, and obey
 * the server's pace. Anything but a schema-valid 200 leaves the agent's data untouched, so
 * the next replication resends it.
 */
export function applyReply(
  agent: VirtualAgent,
  prepared: PreparedReplication,
  reply: HttpReply,
  recorder: RunRecorder,
  tasks?: TaskObserver,
): ReplicationVerdict {
  agent.highestSent = Math.max(agent.highestSent, prepared.highestSeqSent);
  if (reply.status === 429 || reply.status === 503) {
    return {
      outcome: 'shed_503',
      logsAcked: 0,
      retryAfterSeconds: parseRetryAfter(reply.retryAfter),
    };
  }
  if (reply.status >= 400 && reply.status < 500) {
    return failed('http_4xx', `HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
  }
  if (reply.status >= 500) return failed('http_5xx', `HTTP ${reply.status}`);
  if (reply.status !== 200) return failed('protocol_error', `unexpected HTTP ${reply.status}`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    return failed('protocol_error', 'response body is not JSON');
  }
  if (!checkResponse.Check(parsed)) {
    return failed('protocol_error', 'response does not match ReplicateResponse');
  }
  const response = parsed as ReplicateResponse;
  if (response.ack.logsThrough > agent.highestSent && agent.ackedThrough === 0) {
    // First ack for a reused identity: the server is ahead of this run's numbering.
    resyncSeqs(agent, response.ack.logsThrough);
    agent.ledger?.restartAt(response.ack.logsThrough + 1);
    recorder.count('seq_resyncs');
  } else if (response.ack.logsThrough > agent.highestSent) {
    return failed(
      'protocol_error',
      `ack.logsThrough ${response.ack.logsThrough} is beyond the highest seq sent (${agent.highestSent})`,
    );
  }

  const ackedBefore = agent.ackedThrough;
  const logsAcked = acknowledgeLogs(agent, response.ack.logsThrough);
  agent.ledger?.acknowledged(ackedBefore, agent.ackedThrough, prepared.logHashes);
  if (response.resync) {
    // The server holds some seqs we sent with other content (this identity was used before):
    // everything above the ack is numbered again after the server's position and resent.
    resyncSeqs(agent, response.resync.nextSeq - 1);
    agent.ledger?.restartAt(response.resync.nextSeq);
    recorder.count('seq_resyncs');
  }
  if (prepared.inventoryGenerationSent !== null) {
    agent.inventoryAckedGeneration = prepared.inventoryGenerationSent;
    recorder.count('inventory_full_sent');
  }
  // Tasks first: one repeated in the answer to its own result must not run twice.
  takeTasks(agent, response.tasks, recorder, tasks);
  if (prepared.taskResultsSent > 0 && agent.taskResults) {
    const acknowledged = agent.taskResults.splice(0, prepared.taskResultsSent);
    if (tasks) for (const result of acknowledged) tasks.resultAcknowledged(agent, result.taskId);
    if (agent.taskResults.length === 0) agent.taskResults = null;
    recorder.count('task_results_sent', prepared.taskResultsSent);
  }
  if (response.policy && response.policy.version > agent.policyVersion) {
    agent.policyVersion = response.policy.version;
    recorder.count('policies_applied');
  }
  if (response.clone) recorder.count('clone_flags');
  agent.serverIntervalMs = response.next.intervalSeconds * 1_000;
  agent.serverJitterMs = response.next.jitterSeconds * 1_000;
  return { outcome: 'ok', logsAcked, retryAfterSeconds: null };
}

function takeTasks(
  agent: VirtualAgent,
  tasks: ReplicateResponse['tasks'],
  recorder: RunRecorder,
  observer: TaskObserver | undefined,
) {
  if (tasks.length === 0) return;
  recorder.count('tasks_received', tasks.length);
  const known = new Set([
    ...(agent.runningTasks ?? []),
    ...(agent.taskResults ?? []).map((r) => r.taskId),
  ]);
  for (const task of tasks) {
    // A task the server repeats (our result not stored yet) is not started twice.
    if (known.has(task.id)) continue;
    known.add(task.id);
    observer?.received(agent, task.id);
    const version =
      task.type === 'upgrade-agent' ? (task.params as { version?: unknown }).version : undefined;
    // A version the protocol would refuse in our own report is not taken: the task fails.
    if (task.type === 'upgrade-agent') {
      if (typeof version === 'string' && VERSION.test(version))
        agent.upgradeTo = { taskId: task.id, version };
      else {
        agent.taskResults ??= [];
        agent.taskResults.push({
          taskId: task.id,
          state: 'failed',
          time: new Date().toISOString(),
          detail: 'upgrade-agent: params.version is not an agent version',
        });
        continue;
      }
    }
    agent.runningTasks ??= [];
    agent.runningTasks.push(task.id);
  }
}

function failed(outcome: ReplicationOutcome, detail: string): ReplicationVerdict {
  return { outcome, logsAcked: 0, retryAfterSeconds: null, detail };
}

/** `Retry-After` is seconds or an HTTP date (RFC 9110); anything else gets our default. */
export function parseRetryAfter(header: string | undefined, nowEpochMs = Date.now()): number {
  if (header === undefined) return DEFAULT_RETRY_AFTER_SECONDS;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isFinite(at)) return Math.max(0, (at - nowEpochMs) / 1_000);
  return DEFAULT_RETRY_AFTER_SECONDS;
}
