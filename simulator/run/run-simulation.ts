import { realClock } from '../clock.js';
import { createEnrollmentToken } from '../identity/console-client.js';
import { provisionIdentities } from '../identity/provision.js';
import type { JsonValue, RunRecorder } from '../metrics/contract.js';
import { pushFigures, WakeupLatency } from '../push/push-figures.js';
import { TaskProbe } from '../push/task-probe.js';
import { WakeupSessions } from '../push/wakeup-sessions.js';
import { readRogueJudgement } from '../rogue/rogue-judgement.js';
import { planSightings } from '../rogue/rogue-plan.js';
import { reportSightings } from '../rogue/sensor-reports.js';
import { type CapacityResult, searchCapacity } from '../workload/capacity.js';
import { FleetWorkload } from '../workload/fleet.js';
import { RampWorkload } from '../workload/ramp.js';
import { RateWorkload } from '../workload/rate.js';
import { AgentFleet } from './agent-fleet.js';
import type { DeviceSimulationOutcome } from './run-device-simulation.js';
import { type SimulationOptions, shardSlice } from './simulation-options.js';
import { StepStats } from './step-stats.js';
import { teeRecorder } from './tee-recorder.js';
import { verifyStoredContent } from './verify-stored.js';

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
  /** The signal that ended the run before its end (Ctrl-C: `SIGINT`); the run is partial. */
  readonly interruptedBy?: string;
  /** Push sessions and task delivery latency (push/push-figures.ts), with --wakeups or a probe. */
  readonly push?: { [key: string]: JsonValue };
  /** With `rogues`: what the simulated sensors reported and how the server judged it. */
  readonly rogues?: { [key: string]: JsonValue };
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
    seed: options.seed,
    enrollToken: () => enrollmentToken(options, slice.count),
    onProgress: progress,
    recorder,
  });
  progress(
    `identities: ${provisioned.reused} reused, ${provisioned.enrolled} enrolled in ${provisioned.enrollSeconds.toFixed(1)} s`,
  );
  const machineSeed = provisioned.machineSeed ?? options.behaviour.seed;
  if (machineSeed !== options.behaviour.seed)
    progress(
      `identities: enrolled under --seed ${machineSeed}, so their machines keep that seed (no clones); logs and timing follow --seed ${options.behaviour.seed}`,
    );
  const rogues =
    options.rogues === undefined
      ? undefined
      : await playSensors(options, slice, machineSeed, recorder);
  const sessions = options.push
    ? new WakeupSessions({
        url: options.push.url,
        caPem: options.target.caPem,
        identities: provisioned.identities,
        seed: options.seed,
      })
    : undefined;
  const latency = sessions ? new WakeupLatency() : undefined;
  const opened = sessions ? await sessions.open() : undefined;
  if (sessions && opened)
    progress(
      `push sessions: ${opened.subscribed} subscribed, ${opened.failed} not (yet) at ${options.push?.url}`,
    );
  const fleet = new AgentFleet({
    target: options.target,
    ...(options.proxy ? { proxy: options.proxy } : {}),
    connection: options.connection,
    timeoutMs: options.timeoutMs,
    identities: provisioned.identities,
    firstIndex: slice.first,
    behaviour: { ...options.behaviour, machineSeed },
    recorder,
    clock,
    ...(options.verify ? { ledgers: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(sessions && latency
      ? {
          wakeups: {
            listen: (handler) => sessions.listen(handler),
            replicated: (at) => latency.record(at),
          },
        }
      : {}),
  });
  const probe =
    options.taskProbe && options.console
      ? new TaskProbe({
          console: options.console,
          agents: fleet.agents,
          everyMs: options.taskProbe.everyMs,
          targetsPerTask: options.taskProbe.targetsPerTask,
          seed: options.seed,
        })
      : undefined;
  fleet.observeTasks(probe);
  probe?.start();
  const agentCount = fleet.agents.length;
  const startedAt = new Date().toISOString();
  const started = clock.now();

  let capacity: CapacityResult | undefined;
  let heldAtEnd = 0;
  try {
    const { mode } = options;
    const now = clock.now();
    const end = now + options.durationSeconds * 1_000;
    recorder.mark(`${mode.kind} start`);
    if (mode.kind === 'fleet') {
      await fleet.play(
        new FleetWorkload({
          startMs: now,
          endMs: end,
          agentCount,
          intervalSeconds: mode.intervalSeconds,
          timeScale: options.timeScale,
          seed: options.seed,
        }),
        recorder,
      );
    } else if (mode.kind === 'rate') {
      await fleet.play(
        new RateWorkload(now, end, agentCount, mode.ratePerSecond * share),
        recorder,
      );
    } else if (mode.kind === 'ramp') {
      const rampEnd = Math.max(end, now + mode.shape.overSeconds * 1_000);
      const shape = {
        ...mode.shape,
        fromPerSecond: mode.shape.fromPerSecond * share,
        toPerSecond: mode.shape.toPerSecond * share,
      };
      await fleet.play(new RampWorkload(now, rampEnd, agentCount, shape), recorder);
    } else {
      const search = {
        ...mode.search,
        startRate: mode.search.startRate * share,
        maxRate: mode.search.maxRate * share,
        ...(options.signal ? { signal: options.signal } : {}),
      };
      // Warm-up at the first rate until every agent has replicated once (at most 30 s): the
      // first step would otherwise measure the fleet's TLS handshakes, not the server's pace.
      recorder.mark(`capacity warm-up ${round2(search.startRate)}/s`);
      const warmStart = clock.now();
      const warmSeconds = Math.min(30, Math.max(1, agentCount / search.startRate));
      await fleet.play(
        new RateWorkload(warmStart, warmStart + warmSeconds * 1_000, agentCount, search.startRate),
        recorder,
      );
      capacity = await searchCapacity(search, async (rate, seconds, label) => {
        recorder.mark(label);
        const stats = new StepStats(search.lateThresholdMs);
        const at = clock.now();
        await fleet.play(
          new RateWorkload(at, at + seconds * 1_000, agentCount, rate),
          teeRecorder(recorder, stats),
        );
        return stats;
      });
      progress(`capacity: highest rate that held ${capacity.highestHeldRate ?? 'none'}/s`);
    }
    recorder.mark(`${mode.kind} end`);
  } finally {
    probe?.stop();
    heldAtEnd = sessions?.held ?? 0;
    await fleet.close();
    await sessions?.close();
  }

  const wallSeconds = (clock.now() - started) / 1_000;
  const logs = fleet.logTotals();
  const verify = options.verify ? await verifyStored(options, fleet) : undefined;
  // Judged after the workload: a fleet machine is managed once its agent's inventory is stored.
  const judged =
    rogues && options.console
      ? await readRogueJudgement(options.console, rogues.plan, rogues.report)
      : undefined;
  return {
    workload: options.mode.kind,
    agents: { first: slice.first, count: slice.count, fleet: options.agents },
    identities: {
      reused: provisioned.reused,
      enrolled: provisioned.enrolled,
      enrollSeconds: provisioned.enrollSeconds,
    },
    startedAt,
    wallSeconds,
    logs,
    ...(sessions || probe
      ? {
          push: pushFigures({
            wakeups: sessions ? 'on' : 'off',
            ...(sessions ? { sessions } : {}),
            ...(opened ? { opened } : {}),
            heldAtEnd,
            ...(latency ? { latency } : {}),
            ...(probe ? { probe } : {}),
            wallSeconds,
          }),
        }
      : {}),
    ...(capacity ? { capacity } : {}),
    ...(verify ? { verify } : {}),
    ...(judged ? { rogues: { ...judged } } : {}),
  };
}

/** `--rogues N`: sensors report this shard's fleet machines and its share of the N unmanaged. */
async function playSensors(
  options: SimulationOptions,
  slice: { first: number; count: number },
  machineSeed: number,
  recorder: RunRecorder,
) {
  if (!options.console)
    throw new SimulationSetupError(
      '--rogues: needs --console-url and --admin-token-file (sensor tokens, and the judgement)',
    );
  const rogueSlice = shardSlice(options.rogues ?? 0, options.shard);
  const plan = planSightings({
    // What the agents' inventories carry (simulator/agent/request.ts draws hardware so).
    hardwareSeed: options.behaviour.seed,
    machineSeed,
    osMix: options.behaviour.osMix,
    firstAgent: slice.first,
    agents: slice.count,
    firstRogue: rogueSlice.first,
    rogues: rogueSlice.count,
    seenAt: new Date().toISOString(),
  });
  const report = await reportSightings({
    target: options.target,
    ...(options.proxy ? { proxy: options.proxy } : {}),
    console: options.console,
    sightings: [...plan.fleet, ...plan.planted],
    timeoutMs: options.timeoutMs,
    recorder,
  });
  options.onProgress?.(
    `rogue detection: ${report.sensors} sensor(s) reported ${report.reported} machines (${plan.planted.length} unmanaged) in ${report.seconds.toFixed(1)} s`,
  );
  return { plan, report };
}

const round2 = (value: number) => Math.round(value * 100) / 100;

async function enrollmentToken(options: SimulationOptions, uses: number): Promise<string> {
  if (options.enrollToken) return options.enrollToken;
  if (options.console) return createEnrollmentToken(options.console, uses);
  throw new SimulationSetupError(
    `--enroll-token: ${uses} agents need enrolling; pass --enroll-token, or --console-url with --admin-token-file to make one`,
  );
}

async function verifyStored(options: SimulationOptions, fleet: AgentFleet) {
  if (!options.console)
    throw new SimulationSetupError('--verify: needs --console-url and --admin-token-file');
  return verifyStoredContent(options.console, fleet.agents);
}
