import type {
  CounterName,
  DeviceConnectionMode,
  GaugeName,
  ReplicationSample,
  RequestSample,
  RunRecorder,
} from '../../simulator/index.js';
import {
  DeviceTransport,
  MinimalRecorder,
  realClock,
  runDeviceFleet,
  VirtualDevice,
} from '../../simulator/index.js';
import type { MdmCpuFigures, MdmCpuSampler } from './mdm-cpu.js';
import { type EnrolledFleet, FLEET_SEED } from './mdm-enroll.js';
import type { MdmStack } from './mdm-stack.js';

/** The service level a step must hold (the issue's): p99 from schedule, errors, throughput. */
export const CAPACITY_SLO = {
  p99Ms: 200,
  maxErrorRatio: 0.001,
  minAchievedShare: 0.95,
} as const;

/** ours: the first rate, the factor between steps, and the bound on steps per mode. */
const START_RATE = 50;
const RATE_FACTOR = 1.4;
const MAX_STEPS = 16;
/** ours: each device's first check-in of a mode opens its connection; at this rate, unmeasured. */
const WARMUP_RATE = 100;
const CHECK_IN_TIMEOUT_MS = 10_000;

export interface CapacityStep {
  readonly mode: DeviceConnectionMode;
  readonly step: number;
  /** The timetable's rate, check-ins per second (the connector's interval + mean jitter, compressed). */
  readonly offeredPerSecond: number;
  /** Check-ins the timetable actually dispatched, per second of the step. */
  readonly dispatchedPerSecond: number;
  /** Successful check-ins per second of the step. */
  readonly achievedPerSecond: number;
  readonly timeScale: number;
  /** Wall seconds between two check-ins of one device (interval + mean jitter). */
  readonly wallIntervalSeconds: number;
  readonly checkIns: { readonly completed: number; readonly ok: number; readonly failed: number };
  /** From each check-in's scheduled time (a late send counts), ms. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly errorRatio: number;
  readonly outcomes: Readonly<Record<string, number>>;
  /** TLS connections opened during the step (per-check-in: one per check-in, resumed). */
  readonly connectionsOpened: number;
  /** Check-ins the connector counted in the same window (its /api/stats totals). */
  readonly connectorCheckIns: number;
  readonly cpu: MdmCpuFigures;
  /** CPU milliseconds per successful check-in: the connector process, and its PostgreSQL. */
  readonly connectorCpuMsPerCheckIn: number;
  readonly postgresCpuMsPerCheckIn: number;
  readonly passed: boolean;
  /** Why a step failed the SLO, e.g. "p99 312 ms > 200". */
  readonly failedOn: readonly string[];
}

export interface CapacityMode {
  readonly mode: DeviceConnectionMode;
  /**
   * Every device's first check-in of the mode at WARMUP_RATE, unmeasured by the SLO: each one
   * a full TLS handshake (no session to resume yet), so its CPU is the full-handshake cost.
   */
  readonly warmup: {
    readonly seconds: number;
    readonly ratePerSecond: number;
    readonly ok: number;
    readonly failed: number;
    readonly p99Ms: number;
    readonly connectorCpuMsPerCheckIn: number;
    readonly postgresCpuMsPerCheckIn: number;
    readonly cpu: MdmCpuFigures;
  };
  readonly steps: readonly CapacityStep[];
  /**
   * What the step that ended the climb (the first failure above the sustained step) ran into:
   * the generator (its CPU or loop lag at the limit: the capacity is a lower bound), the machine
   * (all cores busy, others' work included), the connector (its one JavaScript thread busy),
   * unclear (no party at its limit: contention between processes on shared cores), or no step
   * failed within the bound.
   */
  readonly limitedBy: 'generator' | 'machine' | 'connector' | 'unclear' | 'not reached';
  /** The step that ended the climb, if any. */
  readonly breakStep: number | null;
  /** The highest step that held the SLO; null when none did. */
  readonly sustained: {
    readonly offeredPerSecond: number;
    readonly achievedPerSecond: number;
    readonly p99Ms: number;
    readonly connectorPercent: number;
    readonly postgresPercent: number;
    readonly connectorCpuMsPerCheckIn: number;
    readonly postgresCpuMsPerCheckIn: number;
  } | null;
}

/**
 * (a) For each connection mode: every device checks in once (unmeasured: it opens the
 * connections a steady fleet has open, or the TLS sessions it resumes), then the offered rate
 * climbs by RATE_FACTOR per step, fresh devices (same identities) on the same transport, until
 * a step fails the SLO and the next confirms it, or MAX_STEPS. The rate is set by compressing
 * time: timeScale = rate x (interval + mean jitter) / devices.
 */
export async function measureCapacity(
  stack: MdmStack,
  fleet: EnrolledFleet,
  modes: readonly DeviceConnectionMode[],
  stepSeconds: number,
  cpu: MdmCpuSampler,
  log: (line: string) => void,
): Promise<CapacityMode[]> {
  const schedule = (await stack.stats()).checkInSchedule;
  // The connector's jitter is 0..10 % later: the mean period is the interval plus 5 %.
  const periodSeconds = schedule.effectiveSeconds + Math.round(schedule.effectiveSeconds * 0.1) / 2;
  const devices = fleet.identities.length;
  const results: CapacityMode[] = [];
  for (const mode of modes) {
    const switcher = new SwitchRecorder(new MinimalRecorder(100));
    const transport = new DeviceTransport(stack.deviceTarget, CHECK_IN_TIMEOUT_MS, switcher, mode);
    try {
      const playFor = async (timeScale: number, seconds: number, recorder: MinimalRecorder) => {
        switcher.current = recorder;
        const fresh = fleet.identities.map(
          (identity, index) =>
            new VirtualDevice(index, identity, fleet.profiles[index] as (typeof fleet.profiles)[0]),
        );
        const start = realClock.now();
        await runDeviceFleet(fresh, transport, recorder, {
          clock: realClock,
          seed: FLEET_SEED,
          intervalSeconds: schedule.effectiveSeconds,
          jitterFraction: 0.1,
          timeScale,
          endMs: start + seconds * 1_000,
          drainTimeoutMs: CHECK_IN_TIMEOUT_MS + 1_000,
          ownsGauges: true,
        });
      };

      // Each device's first check-in falls in its first interval: one interval = one round.
      const warmSeconds = Math.max(5, Math.ceil(devices / WARMUP_RATE));
      const warm = new MinimalRecorder(100);
      log(`(a) ${mode}: warm-up, every device checks in once over ${warmSeconds} s`);
      await cpu.reset();
      await playFor(schedule.effectiveSeconds / warmSeconds, warmSeconds, warm);
      const warmCpu = await cpu.read();
      const warmOk = warm.stats.completed - warm.stats.failed;
      const warmup = {
        seconds: warmSeconds,
        ratePerSecond: round1(devices / warmSeconds),
        ok: warmOk,
        failed: warm.stats.failed,
        p99Ms: round1(warm.stats.percentile(99)),
        connectorCpuMsPerCheckIn: cpuMsPer(warmCpu.connectorPercent, warmCpu, warmOk),
        postgresCpuMsPerCheckIn: cpuMsPer(warmCpu.postgresPercent, warmCpu, warmOk),
        cpu: warmCpu,
      };
      log(
        `(a) ${mode} warm-up: ${warmup.ok} ok, ${warmup.failed} failed, p99 ${warmup.p99Ms} ms; connector ${warmup.connectorCpuMsPerCheckIn} ms CPU per check-in (full handshake)`,
      );

      const steps: CapacityStep[] = [];
      let rate = START_RATE;
      let failuresInARow = 0;
      for (let index = 1; index <= MAX_STEPS && failuresInARow < 2; index++) {
        const timeScale = (rate * periodSeconds) / devices;
        const recorder = new MinimalRecorder(100);
        const before = await stack.stats();
        await cpu.reset();
        await playFor(timeScale, stepSeconds, recorder);
        const cpuFigures = await cpu.read();
        const after = await stack.stats();
        const row = stepRow({
          mode,
          index,
          rate,
          timeScale,
          periodSeconds,
          stepSeconds,
          recorder,
          cpu: cpuFigures,
          connectorCheckIns: after.totals.checkIns - before.totals.checkIns,
        });
        steps.push(row);
        log(
          `(a) ${mode} step ${index}: offered ${row.offeredPerSecond}/s, ok ${row.achievedPerSecond}/s, p99 ${row.latencyMs.p99} ms, errors ${(row.errorRatio * 100).toFixed(2)} %, connector ${row.cpu.connectorPercent} % pg ${row.cpu.postgresPercent} % generator ${row.cpu.generatorPercent} % (lag p99 ${row.cpu.generatorLagP99Ms} ms): ${row.passed ? 'held' : `FAILED (${row.failedOn.join(', ')})`}`,
        );
        failuresInARow = row.passed ? 0 : failuresInARow + 1;
        rate = Math.round(rate * RATE_FACTOR);
      }
      const best = steps
        .filter((step) => step.passed)
        .sort((a, b) => b.offeredPerSecond - a.offeredPerSecond)[0];
      results.push({
        mode,
        warmup,
        steps,
        ...limitOf(
          // The break that ended the climb: the first failed step above the sustained one.
          steps.find(
            (step) => !step.passed && step.offeredPerSecond > (best?.offeredPerSecond ?? 0),
          ),
        ),
        sustained: best
          ? {
              offeredPerSecond: best.offeredPerSecond,
              achievedPerSecond: best.achievedPerSecond,
              p99Ms: best.latencyMs.p99,
              connectorPercent: best.cpu.connectorPercent,
              postgresPercent: best.cpu.postgresPercent,
              connectorCpuMsPerCheckIn: best.connectorCpuMsPerCheckIn,
              postgresCpuMsPerCheckIn: best.postgresCpuMsPerCheckIn,
            }
          : null,
      });
    } finally {
      await transport.close();
    }
  }
  return results;
}

function stepRow(input: {
  mode: DeviceConnectionMode;
  index: number;
  rate: number;
  timeScale: number;
  periodSeconds: number;
  stepSeconds: number;
  recorder: MinimalRecorder;
  cpu: MdmCpuFigures;
  connectorCheckIns: number;
}): CapacityStep {
  const { stats } = input.recorder;
  const ok = stats.completed - stats.failed;
  const achievedPerSecond = round1(ok / input.stepSeconds);
  const latencyMs = {
    p50: round1(stats.percentile(50)),
    p90: round1(stats.percentile(90)),
    p99: round1(stats.percentile(99)),
    max: round1(stats.percentile(100)),
  };
  const errorRatio = stats.errorRatio;
  const failedOn: string[] = [];
  if (stats.completed === 0) failedOn.push('no check-ins');
  if (latencyMs.p99 > CAPACITY_SLO.p99Ms)
    failedOn.push(`p99 ${latencyMs.p99} ms > ${CAPACITY_SLO.p99Ms}`);
  if (errorRatio >= CAPACITY_SLO.maxErrorRatio)
    failedOn.push(`errors ${(errorRatio * 100).toFixed(2)} % >= 0.1`);
  if (achievedPerSecond < input.rate * CAPACITY_SLO.minAchievedShare)
    failedOn.push(`ok ${achievedPerSecond}/s < 95 % of ${input.rate}/s`);
  return {
    mode: input.mode,
    step: input.index,
    offeredPerSecond: input.rate,
    dispatchedPerSecond: round1(
      input.recorder.counter('replications_scheduled') / input.stepSeconds,
    ),
    achievedPerSecond,
    timeScale: Math.round(input.timeScale * 1_000) / 1_000,
    wallIntervalSeconds: round1(input.periodSeconds / input.timeScale),
    checkIns: { completed: stats.completed, ok, failed: stats.failed },
    latencyMs,
    errorRatio: Math.round(errorRatio * 1e5) / 1e5,
    outcomes: Object.fromEntries(stats.outcomes),
    connectionsOpened: input.recorder.counter('connections_opened'),
    connectorCheckIns: input.connectorCheckIns,
    cpu: input.cpu,
    connectorCpuMsPerCheckIn: cpuMsPer(input.cpu.connectorPercent, input.cpu, ok),
    postgresCpuMsPerCheckIn: cpuMsPer(input.cpu.postgresPercent, input.cpu, ok),
    passed: failedOn.length === 0,
    failedOn,
  };
}

/** CPU milliseconds per check-in of a party busy `percent` (of one core) over the window. */
function cpuMsPer(percent: number, cpu: MdmCpuFigures, checkIns: number): number {
  return checkIns > 0 ? round2((percent * 10 * cpu.windowSeconds) / checkIns) : 0;
}

/** ours: a machine over 90 % busy (all cores) leaves the connector nothing to grow into. */
const MACHINE_FULL_PERCENT = 90;

/** ours: a Node process over 90 % of a core has no room left on its one JavaScript thread. */
const CONNECTOR_FULL_PERCENT = 90;

function limitOf(failed: CapacityStep | undefined): Pick<CapacityMode, 'limitedBy' | 'breakStep'> {
  if (!failed) return { limitedBy: 'not reached', breakStep: null };
  const { cpu } = failed;
  const limitedBy: CapacityMode['limitedBy'] = cpu.generatorSaturated
    ? 'generator'
    : cpu.machineBusyPercent >= MACHINE_FULL_PERCENT
      ? 'machine'
      : cpu.connectorPercent >= CONNECTOR_FULL_PERCENT
        ? 'connector'
        : 'unclear';
  return { limitedBy, breakStep: failed.step };
}

/** The transport's recorder is fixed at construction: this one forwards to the current step's. */
class SwitchRecorder implements RunRecorder {
  constructor(public current: RunRecorder) {}
  recordReplication(sample: ReplicationSample): void {
    this.current.recordReplication(sample);
  }
  recordRequest(sample: RequestSample): void {
    this.current.recordRequest(sample);
  }
  count(name: CounterName, by?: number): void {
    this.current.count(name, by);
  }
  setGauge(name: GaugeName, value: number): void {
    this.current.setGauge(name, value);
  }
  mark(label: string): void {
    this.current.mark(label);
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
