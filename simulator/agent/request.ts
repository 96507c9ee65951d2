import {
  logContentHash,
  MAX_LOGS_PER_REPLICATION,
  MAX_TASK_RESULTS_PER_REPLICATION,
  type ProtectionStatus,
  type ReplicateRequest,
} from '../../protocol/index.js';
import { generateLog } from '../profile/events.js';
import {
  describeMachine,
  describeSoftware,
  fingerprintOf,
  inventoryHashOf,
} from '../profile/machine.js';
import { DRAW, poissonDraw, unitDraw } from '../random.js';
import type { VirtualAgent } from './agent.js';
import { AGENT_VERSION, type AgentBehaviour, MODULES_VERSION } from './behaviour-options.js';
import { gatherLogs, pendingLogs } from './outbox.js';

/** A request ready to send, plus what the response handler must know about it. */
export interface PreparedReplication {
  readonly body: string;
  readonly logsSent: number;
  readonly logsResent: number;
  readonly highestSeqSent: number;
  readonly inventoryGenerationSent: number | null;
  readonly taskResultsSent: number;
  /** Content hash of each log sent, by seq (only when the behaviour hashes logs). */
  readonly logHashes: ReadonlyMap<number, Uint8Array>;
}

const NO_HASHES: ReadonlyMap<number, Uint8Array> = new Map();

/**
 * Advances the agent's own life by one replication (gathers logs, maybe changes inventory,
 * finishes tasks) and builds the request body. Bumps `agent.replications`.
 */
export function prepareReplication(
  agent: VirtualAgent,
  behaviour: AgentBehaviour,
  nowEpochMs: number,
): PreparedReplication {
  const { seed } = behaviour;
  const n = ++agent.replications;
  if (agent.fingerprint === null || agent.hostname === null || agent.os === null) {
    const machine = describeMachine(behaviour.machineSeed ?? seed, agent.index, behaviour.osMix);
    agent.fingerprint = fingerprintOf(machine);
    agent.hostname = machine.hostname;
    agent.os = machine.os;
  }

  gatherLogs(
    agent,
    poissonDraw(behaviour.logsPerReplication, seed, agent.index, n, DRAW.logCount),
    nowEpochMs,
  );

  // The first inventory is generation 0; later ones change with the configured chance.
  if (
    agent.inventoryHash !== null &&
    unitDraw(seed, agent.index, n, DRAW.inventoryChange) < behaviour.inventoryChangeRate
  ) {
    agent.inventoryGeneration++;
  }
  let inventory: ReplicateRequest['inventory'];
  let inventoryGenerationSent: number | null = null;
  // Full inventory only while the server has not acknowledged the current generation.
  if (agent.inventoryAckedGeneration !== agent.inventoryGeneration) {
    const { hardware } = describeMachine(seed, agent.index, behaviour.osMix);
    const software = describeSoftware(seed, agent.index, agent.inventoryGeneration);
    agent.inventoryHash = inventoryHashOf(hardware, software);
    inventory = { hash: agent.inventoryHash, hardware: { ...hardware }, software };
    inventoryGenerationSent = agent.inventoryGeneration;
  } else {
    inventory = { hash: agent.inventoryHash as string };
  }

  finishTasks(agent, behaviour, n, nowEpochMs);

  const logs: ReplicateRequest['logs'] = [];
  let logsResent = 0;
  let highestSeqSent = agent.ackedThrough;
  for (const [seq, gatheredAt] of pendingLogs(agent, MAX_LOGS_PER_REPLICATION)) {
    logs.push(generateLog(behaviour.pools, agent.index, seq, gatheredAt));
    if (seq <= agent.highestSent) logsResent++;
    highestSeqSent = seq;
  }
  const taskResults = (agent.taskResults ?? []).slice(0, MAX_TASK_RESULTS_PER_REPLICATION);

  const request: ReplicateRequest = {
    agent: {
      id: agent.agentId,
      fingerprint: agent.fingerprint,
      version: agent.version ?? AGENT_VERSION,
      hostname: agent.hostname,
      os: { family: agent.os.family, name: agent.os.name, version: agent.os.version },
    },
    status: statusOf(agent, behaviour, n, nowEpochMs),
    inventory,
    logs,
    taskResults,
    policyVersion: agent.policyVersion,
  };
  return {
    body: JSON.stringify(request),
    logHashes: behaviour.hashLogs
      ? new Map(logs.map((log) => [log.seq, logContentHash(log)]))
      : NO_HASHES,
    logsSent: logs.length,
    logsResent,
    highestSeqSent,
    inventoryGenerationSent,
    taskResultsSent: taskResults.length,
  };
}

/** Running tasks finish with the configured chance; about 1 in 20 fails. */
function finishTasks(
  agent: VirtualAgent,
  behaviour: AgentBehaviour,
  n: number,
  nowEpochMs: number,
): void {
  if (!agent.runningTasks) return;
  const still: string[] = [];
  agent.runningTasks.forEach((taskId, i) => {
    const upgrade = agent.upgradeTo;
    if (upgrade?.taskId === taskId) {
      // A component upgrade always completes by the next replication, which already speaks
      // as the new version (the agent restarted into it) and reports the task done.
      agent.version = upgrade.version;
      agent.upgradeTo = null;
      agent.taskResults ??= [];
      agent.taskResults.push({ taskId, state: 'done', time: new Date(nowEpochMs).toISOString() });
      return;
    }
    if (unitDraw(behaviour.seed, agent.index, n, DRAW.taskFinish, i) >= behaviour.taskResultRate) {
      still.push(taskId);
      return;
    }
    const failed = unitDraw(behaviour.seed, agent.index, n, DRAW.taskOutcome, i) < 0.05;
    agent.taskResults ??= [];
    agent.taskResults.push({
      taskId,
      state: failed ? 'failed' : 'done',
      time: new Date(nowEpochMs).toISOString(),
      ...(failed ? { detail: 'simulated failure: the endpoint refused the action' } : {}),
    });
  });
  agent.runningTasks = still.length > 0 ? still : null;
}

const DAY_MS = 86_400_000;

function statusOf(agent: VirtualAgent, behaviour: AgentBehaviour, n: number, nowEpochMs: number) {
  const { seed, runStartEpochMs } = behaviour;
  const bootedAt =
    runStartEpochMs - Math.floor(unitDraw(seed, agent.index, 0, DRAW.protection) * 14 * DAY_MS);
  const updatedAt =
    runStartEpochMs - Math.floor(unitDraw(seed, agent.index, 1, DRAW.protection) * DAY_MS);
  const health = unitDraw(seed, agent.index, n, DRAW.protection);
  const protection: ProtectionStatus =
    health < 0.005 ? 'critical' : health < 0.035 ? 'warning' : 'ok';
  return {
    protection,
    modulesVersion: MODULES_VERSION,
    lastUpdate: new Date(updatedAt).toISOString(),
    uptimeSeconds: Math.max(0, Math.floor((nowEpochMs - bootedAt) / 1_000)),
  };
}
