import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AgentBehaviour, EnrolledIdentity, HttpReply } from '../../simulator/index.js';
import {
  buildEventPools,
  DEFAULT_OS_MIX,
  FleetWorkload,
  MinimalRecorder,
  RateWorkload,
  realClock,
  runPhase,
  VirtualAgent,
} from '../../simulator/index.js';

/** An in-process answer that acknowledges everything sent: isolates the generator's own cost. */
export function instantReply(body: string): HttpReply {
  const at = body.lastIndexOf('"seq":');
  const seq = at < 0 ? 0 : Number.parseInt(body.slice(at + 6, at + 20), 10);
  return {
    status: 200,
    retryAfter: undefined,
    body: `{"ack":{"logsThrough":${seq}},"tasks":[],"policy":null,"next":{"intervalSeconds":600,"jitterSeconds":60}}`,
  };
}

/** PEM-sized, distinct strings standing in for keys and certificates (no sharing between agents). */
function syntheticIdentity(i: number): EnrolledIdentity {
  return {
    agentId: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    keyPem: `-----BEGIN PRIVATE KEY-----\n${randomBytes(138).toString('base64')}\n-----END PRIVATE KEY-----\n`,
    certPem: `-----BEGIN CERTIFICATE-----\n${randomBytes(480).toString('base64')}\n-----END CERTIFICATE-----\n`,
  };
}

function behaviour(): AgentBehaviour {
  return {
    seed: 1,
    osMix: DEFAULT_OS_MIX,
    logsPerReplication: 5,
    inventoryChangeRate: 0.01,
    taskResultRate: 1,
    pools: buildEventPools(1),
    runStartEpochMs: Date.now(),
  };
}

// A full GC before each reading, without needing `node --expose-gc` on the npm script.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function settle(): void {
  collectGarbage();
}

export interface MemoryFigures {
  readonly agents: number;
  readonly replications: number;
  readonly rssMiB: number;
  readonly bytesPerAgentRss: number;
  readonly bytesPerAgentHeap: number;
}

/**
 * (a) 100,000 agents held with their schedules running (fleet, 10 min interval played at
 * time scale 60, so each replicates about once every 10 s) against an in-process answer.
 */
export async function measureMemory(agentCount: number, seconds: number): Promise<MemoryFigures> {
  settle();
  const before = process.memoryUsage();
  const identities = Array.from({ length: agentCount }, (_, i) => syntheticIdentity(i));
  const agents = identities.map((identity, i) => new VirtualAgent(i, identity.agentId, i));
  const recorder = new MinimalRecorder(1_000);
  const start = realClock.now();
  const workload = new FleetWorkload({
    startMs: start,
    endMs: start + seconds * 1_000,
    agentCount,
    intervalSeconds: 600,
    timeScale: 60,
    seed: 1,
  });
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 500);
  await runPhase(
    {
      clock: realClock,
      agents,
      behaviour: behaviour(),
      recorder,
      drainTimeoutMs: 5_000,
      port: { replicate: async (_agent, body) => instantReply(body) },
    },
    workload,
  );
  clearInterval(sampler);
  settle();
  const after = process.memoryUsage();
  peakRss = Math.max(peakRss, after.rss);
  // Keep the fleet reachable until measured.
  if (identities.length !== agents.length) throw new Error('unreachable');
  return {
    agents: agentCount,
    replications: recorder.stats.completed,
    rssMiB: after.rss / 1_048_576,
    bytesPerAgentRss: (after.rss - before.rss) / agentCount,
    bytesPerAgentHeap:
      (after.heapUsed + after.external - before.heapUsed - before.external) / agentCount,
  };
}

export interface LatenessFigures {
  readonly agents: number;
  readonly ratePerSecond: number;
  readonly replications: number;
  readonly latenessP50Ms: number;
  readonly latenessP99Ms: number;
  readonly latenessMaxMs: number;
}

/** (c) How late the scheduler starts replications when nothing is saturated. */
export async function measureLateness(
  agentCount: number,
  ratePerSecond: number,
  seconds: number,
): Promise<LatenessFigures> {
  const agents = Array.from(
    { length: agentCount },
    (_, i) => new VirtualAgent(i, syntheticIdentity(i).agentId, i),
  );
  const recorder = new MinimalRecorder(1_000, true);
  const start = realClock.now() + 100;
  await runPhase(
    {
      clock: realClock,
      agents,
      behaviour: behaviour(),
      recorder,
      drainTimeoutMs: 5_000,
      port: {
        // A 2 ms server, answered on a later turn of the loop like a real socket would be.
        replicate: (_agent, body) =>
          new Promise((resolve) => setTimeout(() => resolve(instantReply(body)), 2)),
      },
    },
    new RateWorkload(start, start + seconds * 1_000, agentCount, ratePerSecond),
  );
  const lateness = Float64Array.from(
    recorder.samples.map((s) => s.sentAtMs - s.scheduledAtMs),
  ).sort();
  const at = (p: number) =>
    lateness[Math.min(lateness.length - 1, Math.floor(p * lateness.length))] ?? 0;
  return {
    agents: agentCount,
    ratePerSecond,
    replications: lateness.length,
    latenessP50Ms: at(0.5),
    latenessP99Ms: at(0.99),
    latenessMaxMs: lateness[lateness.length - 1] ?? 0,
  };
}
