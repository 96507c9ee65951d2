import { VirtualAgent } from '../agent/agent.js';
import type { AgentBehaviour } from '../agent/behaviour-options.js';
import { ContentLedger } from '../agent/content-ledger.js';
import { pendingLogCount } from '../agent/outbox.js';
import { realClock } from '../clock.js';
import { auditStoredLogs, createEnrollmentToken } from '../identity/console-client.js';
import type { EnrolledIdentity } from '../identity/enroll.js';
import { provisionIdentities } from '../identity/provision.js';
import type { RunRecorder } from '../metrics/contract.js';
import { buildEventPools } from '../profile/events.js';
import { AgentTransport } from '../transport/agent-transport.js';
import { type CapacityResult, searchCapacity } from '../workload/capacity.js';
import { FleetWorkload } from '../workload/fleet.js';
import { RampWorkload } from '../workload/ramp.js';
import { RateWorkload } from '../workload/rate.js';
import type { Workload } from '../workload/workload.js';
import { type PhaseContext, runPhase } from './phase.js';
import type { DeviceSimulationOutcome } from './run-device-simulation.js';
import { type SimulationOptions, shardSlice } from './simulation-options.js';

/** What the load-generating half knows at the end of a run (the recorder has the rest). */
export interface SimulationOutcome {
  readonly workload: SimulationOptions['mode']['kind'];
  readonly agents: { readonly first: number; readonly count: number; readonly fleet: number };
  readonly identities: {
    readonly reused: number;
    readonly enrolled: number;
    readonly enrollSeconds: number;
  };
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly logs: {
    readonly generated: number;
    readonly acknowledged: number;
    readonly pending: number;
  };
  readonly capacity?: CapacityResult;
  /**
   * Present with `verify`: acknowledged logs the server does not hold as sent. `lost` counts
   * missing logs plus one per run of seqs whose stored content differs (`mismatched`: a log
   * there is not what was sent, though the count is right).
   */
  readonly verify?: {
    readonly agents: number;
    readonly acknowledged: number;
    readonly stored: number;
    readonly lost: number;
    readonly mismatched: number;
  };
  /** Present when simulated phones ran in the same process (`smc simulate --devices`). */
  readonly devices?: DeviceSimulationOutcome;
}

export class SimulationSetupError extends Error {
  override readonly name = 'SimulationSetupError';
}

/**
 * Runs one simulation against a server that speaks protocol v1: provisions identities
 * (cache, then enrollment), plays the workload with every agent on its own timetable and
 * connection, and reports everything through `recorder`. `smc simulate` and `smc rehearse`
 * both call this.
 */
export async function runSimulation(
  options: SimulationOptions,
  recorder: RunRecorder,
): Promise<SimulationOutcome> {
  const clock = options.clock ?? realClock;
  const progress = options.onProgress ?? (() => {});
  const slice = shardSlice(options.agents, options.shard);
  if (slice.count < 1)
    throw new SimulationSetupError(
      `--shard: shard ${options.shard.index}/${options.shard.count} of ${options.agents} agents is empty`,
    );
  const share = slice.count / options.agents;

  const provisioned = await provisionIdentities({
    target: options.target,
    ...(options.proxy ? { proxy: options.proxy } : {}),
    count: slice.count,
    firstIndex: slice.first,
    ...(options.identitiesDir ? { cacheDir: options.identitiesDir } : {}),
    enrollToken: () => enrollmentToken(options, slice.count),
    onProgress: progress,
  });
  if (provisioned.enrolled > 0) recorder.count('enrollments', provisioned.enrolled);
  progress(
    `identities: ${provisioned.reused} reused, ${provisioned.enrolled} enrolled in ${provisioned.enrollSeconds.toFixed(1)} s`,
  );
  const identities = provisioned.identities;
  const agents = identities.map(
    (identity, k) => new VirtualAgent(slice.first + k, identity.agentId, k),
  );
  if (options.verify) for (const agent of agents) agent.ledger = new ContentLedger();

  const transport = new AgentTransport({
    target: options.target,
    ...(options.proxy ? { proxy: options.proxy } : {}),
    mode: options.connection,
    timeoutMs: options.timeoutMs,
    recorder,
  });
  const behaviour: AgentBehaviour = {
    ...options.behaviour,
    pools: buildEventPools(options.behaviour.seed),
    runStartEpochMs: Date.now(),
    hashLogs: options.verify,
  };
  const startedAt = new Date().toISOString();
  const started = clock.now();
  const phase = (workload: Workload, phaseRecorder: RunRecorder) => {
    const context: PhaseContext = {
      clock,
      agents,
      behaviour,
      recorder: phaseRecorder,
      drainTimeoutMs: options.timeoutMs + 1_000,
      port: {
        replicate: (agent, body) =>
          transport.replicate(
            agent.identityRef,
            identities[agent.identityRef] as EnrolledIdentity,
            body,
          ),
      },
    };
    return runPhase(context, workload);
  };

  let capacity: CapacityResult | undefined;
  try {
    const { mode } = options;
    const now = clock.now();
    const end = now + options.durationSeconds * 1_000;
    recorder.mark(`${mode.kind} start`);
    if (mode.kind === 'fleet') {
      await phase(
        new FleetWorkload({
          startMs: now,
          endMs: end,
          agentCount: agents.length,
          intervalSeconds: mode.intervalSeconds,
          timeScale: options.timeScale,
          seed: options.seed,
        }),
        recorder,
      );
    } else if (mode.kind === 'rate') {
      await phase(new RateWorkload(now, end, agents.length, mode.ratePerSecond * share), recorder);
    } else if (mode.kind === 'ramp') {
      const rampEnd = Math.max(end, now + mode.shape.overSeconds * 1_000);
      const shape = {
        ...mode.shape,
        fromPerSecond: mode.shape.fromPerSecond * share,
        toPerSecond: mode.shape.toPerSecond * share,
      };
      await phase(new RampWorkload(now, rampEnd, agents.length, shape), recorder);
    } else {
      const search = {
        ...mode.search,
        startRate: mode.search.startRate * share,
        maxRate: mode.search.maxRate * share,
      };
      capacity = await searchCapacity(
        search,
        agents.length,
        clock,
        recorder,
        (workload, stepRecorder) => phase(workload, stepRecorder),
      );
      progress(`capacity: highest rate that held ${capacity.highestHeldRate ?? 'none'}/s`);
    }
    recorder.mark(`${mode.kind} end`);
  } finally {
    await transport.close();
  }

  const logs = {
    generated: agents.reduce((sum, agent) => sum + agent.nextSeq - 1 - agent.seqShift, 0),
    acknowledged: agents.reduce((sum, agent) => sum + agent.ackedThrough - agent.seqShift, 0),
    pending: agents.reduce((sum, agent) => sum + pendingLogCount(agent), 0),
  };
  const verify = options.verify ? await verifyStored(options, agents) : undefined;
  return {
    workload: options.mode.kind,
    agents: { first: slice.first, count: slice.count, fleet: options.agents },
    identities: {
      reused: provisioned.reused,
      enrolled: provisioned.enrolled,
      enrollSeconds: provisioned.enrollSeconds,
    },
    startedAt,
    wallSeconds: (clock.now() - started) / 1_000,
    logs,
    ...(capacity ? { capacity } : {}),
    ...(verify ? { verify } : {}),
  };
}

async function enrollmentToken(options: SimulationOptions, uses: number): Promise<string> {
  if (options.enrollToken) return options.enrollToken;
  if (options.console) return createEnrollmentToken(options.console, uses);
  throw new SimulationSetupError(
    `--enroll-token: ${uses} agents need enrolling; pass --enroll-token, or --console-url with --admin-token-file to make one`,
  );
}

/**
 * Asks the server, per agent and run of acknowledged seqs, how many logs it holds and the
 * digest of their content, and compares both with what this run sent (ContentLedger).
 */
async function verifyStored(options: SimulationOptions, agents: readonly VirtualAgent[]) {
  if (!options.console)
    throw new SimulationSetupError('--verify: needs --console-url and --admin-token-file');
  const ranges = agents.flatMap((agent) =>
    (agent.ledger?.filled ?? []).map((segment) => ({ agent, segment })),
  );
  const answers = await auditStoredLogs(
    options.console,
    ranges.map(({ agent, segment }) => ({
      agentId: agent.agentId,
      from: segment.from,
      through: segment.through,
    })),
  );
  let acknowledged = 0;
  let held = 0;
  let mismatched = 0;
  ranges.forEach(({ segment }, i) => {
    const expected = segment.through - segment.from + 1;
    const answer = answers[i];
    const stored = Math.min(expected, answer?.stored ?? 0);
    acknowledged += expected;
    held += stored;
    if (stored === expected && answer?.digest !== segment.digest.toHex()) mismatched += 1;
  });
  return {
    agents: agents.length,
    acknowledged,
    stored: held,
    lost: acknowledged - held + mismatched,
    mismatched,
  };
}
