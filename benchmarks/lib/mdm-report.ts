import type { DeviceConnectionMode } from '../../simulator/index.js';
import { CAPACITY_SLO, type CapacityMode } from './mdm-capacity.js';
import type { DelayRow } from './mdm-delay.js';
import type { MdmBenchOptions } from './mdm-options.js';
import { table } from './text-table.js';

/** The guide's MDM sizing: "for about 80 devices: 4 cores 2.5 GHz, 4 GB RAM". */
export const GUIDE_DEVICES = 80;
const GUIDE_CORES = 4;
/** The connector's default check-in interval, seconds: the devices one connector carries at it. */
const INTERVAL_SECONDS = 300;

export interface MdmHeadline {
  /** Highest check-ins/s that held the SLO, per mode (achieved ok/s of that step). */
  readonly sustainedPerSecond: Partial<Record<DeviceConnectionMode, number | null>>;
  /** Per mode: sustained/s x 300 s, the devices one connector checks in every 5 minutes. */
  readonly devicesAt300s: Partial<Record<DeviceConnectionMode, number | null>>;
  /** Per mode: what the break above the sustained step ran into (generator: a lower bound). */
  readonly limitedBy: Partial<Record<DeviceConnectionMode, CapacityMode['limitedBy']>>;
  /** Per mode: connector CPU ms per check-in at the sustained step. */
  readonly connectorCpuMsPerCheckIn: Partial<Record<DeviceConnectionMode, number | null>>;
  readonly guideDevices: number;
  readonly guideCores: number;
  /** Per size: measured mean wait vs the model, schedule seconds. */
  readonly delay: readonly {
    readonly devices: number;
    readonly effectiveIntervalSeconds: number;
    readonly meanWaitSeconds: number;
    readonly modelMeanWaitSeconds: number;
    readonly delivered: number;
    readonly sent: number;
  }[];
}

export interface MdmBenchReport {
  readonly benchmark: 'mdm';
  readonly date: string;
  readonly command: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
    readonly platform: string;
    readonly loadAverageAtStart: readonly number[];
    readonly loadAverageAtEnd: readonly number[];
  };
  readonly options: MdmBenchOptions;
  readonly capacity: {
    readonly devices: number;
    readonly enrollSeconds: number;
    readonly enrollPerSecond: number;
    readonly checkInIntervalSeconds: number;
    readonly slo: typeof CAPACITY_SLO;
    readonly modes: readonly CapacityMode[];
  } | null;
  readonly delay: {
    readonly targetWallRatePerSecond: number;
    /** Where the target rate came from. */
    readonly targetWallRateSource: string;
    readonly rows: readonly DelayRow[];
  } | null;
  readonly headline: MdmHeadline;
  readonly totalSeconds: number;
}

export function headlineOf(
  capacity: MdmBenchReport['capacity'],
  delay: MdmBenchReport['delay'],
): MdmHeadline {
  const sustainedPerSecond: MdmHeadline['sustainedPerSecond'] = {};
  const devicesAt300s: MdmHeadline['devicesAt300s'] = {};
  const limitedBy: MdmHeadline['limitedBy'] = {};
  const connectorCpuMsPerCheckIn: MdmHeadline['connectorCpuMsPerCheckIn'] = {};
  for (const mode of capacity?.modes ?? []) {
    const perSecond = mode.sustained?.achievedPerSecond ?? null;
    sustainedPerSecond[mode.mode] = perSecond;
    devicesAt300s[mode.mode] = perSecond === null ? null : Math.round(perSecond * INTERVAL_SECONDS);
    limitedBy[mode.mode] = mode.limitedBy;
    connectorCpuMsPerCheckIn[mode.mode] = mode.sustained?.connectorCpuMsPerCheckIn ?? null;
  }
  return {
    sustainedPerSecond,
    devicesAt300s,
    limitedBy,
    connectorCpuMsPerCheckIn,
    guideDevices: GUIDE_DEVICES,
    guideCores: GUIDE_CORES,
    delay: (delay?.rows ?? []).map((row) => ({
      devices: row.devices,
      effectiveIntervalSeconds: row.effectiveIntervalSeconds,
      meanWaitSeconds: row.waitSeconds.mean,
      modelMeanWaitSeconds: row.modelMeanWaitSeconds,
      delivered: row.commands.delivered,
      sent: row.commands.sent,
    })),
  };
}

const HEADLINE_LIMIT: Record<CapacityMode['limitedBy'], string> = {
  connector: ' (the connector was the limit)',
  generator: ' (generator-limited: a lower bound)',
  machine: ' (machine full: a lower bound)',
  unclear: ' (no party at its limit at the break: a lower bound)',
  'not reached': ' (no break within the steps: a lower bound)',
};

/** Marks on k in the delay table: what set it (none: the target rate). */
const BOUND_MARK: Record<DelayRow['timeScaleBoundBy'], string> = {
  rate: '',
  'max-scale': 'm',
  'min wall interval': 'w',
  'real time': 'r',
};

/** What the break above the sustained step says about the figure. */
function limitText(mode: CapacityMode): string {
  const at = mode.steps.find((step) => step.step === mode.breakStep);
  if (!at) return 'no step failed within the bound of steps: a lower bound';
  const who = `connector ${at.cpu.connectorPercent} %, PostgreSQL ${at.cpu.postgresPercent} %, generator ${at.cpu.generatorPercent} % of a core (loop lag p99 ${at.cpu.generatorLagP99Ms} ms), machine ${at.cpu.machineBusyPercent} % busy`;
  const verdict: Record<CapacityMode['limitedBy'], string> = {
    generator: 'the GENERATOR was at its limit ("!"): a lower bound for the connector',
    machine:
      'the machine was full (other jobs included): a lower bound for a connector on its own host',
    connector: "the connector's JavaScript thread was full: the connector's limit",
    unclear:
      'no party was at its limit: latency from contention between the processes sharing the cores; a lower bound',
    'not reached': 'a lower bound',
  };
  return `break at ${at.offeredPerSecond}/s: ${who}; ${verdict[mode.limitedBy]}`;
}

/** The readable report: capacity steps, delay per size, then the headline and the guide. */
export function renderReport(report: MdmBenchReport): string {
  const m = report.machine;
  const lines = [
    `smc mdm benchmark, ${report.date}: ${m.cpus} cores (${m.cpuModel}), Node ${m.node}; load average ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ${m.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')} at end`,
    'Everything on this machine: server, connector, both PostgreSQL clusters and the device generator.',
  ];
  const capacity = report.capacity;
  if (capacity) {
    lines.push(
      '',
      `(a) check-in capacity of one connector: ${capacity.devices.toLocaleString('en')} devices (enrolled in ${capacity.enrollSeconds} s, ${capacity.enrollPerSecond}/s), interval ${capacity.checkInIntervalSeconds} s time-compressed to the offered rate, ${report.options.stepSeconds} s per step`,
      `    SLO: p99 from schedule <= ${capacity.slo.p99Ms} ms, errors < ${capacity.slo.maxErrorRatio * 100} %, ok >= ${capacity.slo.minAchievedShare * 100} % of offered; cpu in % of one core; gen = this process (the devices)`,
      '',
      ...table([
        [
          'mode',
          'offered/s',
          'sent/s',
          'ok/s',
          'p50 ms',
          'p99 ms',
          'errors',
          'conns',
          'conn cpu%',
          'pg cpu%',
          'conn ms/ci',
          'pg ms/ci',
          'gen cpu%',
          'gen lag ms',
          'other%',
          'load1',
          'verdict',
        ],
        ...capacity.modes.flatMap((mode) =>
          mode.steps.map((s) => [
            s.mode,
            String(s.offeredPerSecond),
            s.dispatchedPerSecond.toFixed(0),
            s.achievedPerSecond.toFixed(0),
            s.latencyMs.p50.toFixed(1),
            s.latencyMs.p99.toFixed(1),
            errorText(s.errorRatio, s.outcomes),
            String(s.connectionsOpened),
            s.cpu.connectorPercent.toFixed(0),
            s.cpu.postgresPercent.toFixed(0),
            s.connectorCpuMsPerCheckIn.toFixed(2),
            s.postgresCpuMsPerCheckIn.toFixed(2),
            `${s.cpu.generatorPercent.toFixed(0)}${s.cpu.generatorSaturated ? '!' : ''}`,
            s.cpu.generatorLagP99Ms.toFixed(0),
            s.cpu.otherPercent.toFixed(0),
            s.cpu.loadAverage1m.toFixed(2),
            s.passed ? 'held' : `FAIL: ${s.failedOn.join('; ')}`,
          ]),
        ),
      ]),
    );
    for (const mode of capacity.modes) {
      const s = mode.sustained;
      lines.push(
        `  ${mode.mode}: warm-up (full TLS handshakes, ${mode.warmup.ratePerSecond}/s) ${mode.warmup.ok} ok / ${mode.warmup.failed} failed, p99 ${mode.warmup.p99Ms} ms, ${mode.warmup.connectorCpuMsPerCheckIn} + ${mode.warmup.postgresCpuMsPerCheckIn} ms CPU per check-in; sustained ${s ? `${s.achievedPerSecond}/s (offered ${s.offeredPerSecond}/s, p99 ${s.p99Ms} ms; connector ${s.connectorPercent} % + PostgreSQL ${s.postgresPercent} % of a core, ${s.connectorCpuMsPerCheckIn} + ${s.postgresCpuMsPerCheckIn} ms CPU per check-in)` : 'none: even the first step failed'}; ${limitText(mode)}`,
      );
    }
  }
  const delay = report.delay;
  if (delay) {
    lines.push(
      '',
      `(b) command-to-device delay: per-check-in devices at ${delay.targetWallRatePerSecond}/s wall (${delay.targetWallRateSource}), commands through the server's console after every device checked in once`,
      '    wait = queued on the connector -> handed to the device, in schedule seconds (wall x k); relay = server request -> queued, wall ms',
      '',
      ...table([
        [
          'devices',
          'budget/s',
          'I_eff s',
          'k',
          'enroll s',
          'enroll/s',
          'check-ins ok',
          'failed',
          'p99 ms',
          'sent',
          'delivered',
          'mean s',
          'model s',
          'p50 s',
          'p90 s',
          'p99 s',
          'max s',
          'relay ms',
          'conn cpu%',
          'pg cpu%',
          'gen cpu%',
        ],
        ...delay.rows.map((r) => [
          r.devices.toLocaleString('en'),
          String(r.budgetPerSecond),
          String(r.effectiveIntervalSeconds),
          `${r.timeScale.toFixed(2)}${BOUND_MARK[r.timeScaleBoundBy]}`,
          r.enrollment.seconds.toFixed(0),
          r.enrollment.perSecond.toFixed(0),
          r.checkIns.ok.toLocaleString('en'),
          String(r.checkIns.failed),
          r.checkIns.p99Ms.toFixed(0),
          String(r.commands.sent),
          `${r.commands.delivered}${r.endedBy === 'deadline' ? '*' : ''}`,
          r.waitSeconds.mean.toFixed(1),
          r.modelMeanWaitSeconds.toFixed(1),
          r.waitSeconds.p50.toFixed(1),
          r.waitSeconds.p90.toFixed(1),
          r.waitSeconds.p99.toFixed(1),
          r.waitSeconds.max.toFixed(1),
          String(r.relayMeanMs),
          r.cpu.connectorPercent.toFixed(0),
          r.cpu.postgresPercent.toFixed(0),
          `${r.cpu.generatorPercent.toFixed(0)}${r.cpu.generatorSaturated ? '!' : ''}`,
        ]),
      ]),
    );
    lines.push(
      '  k set by the target rate, or m: --max-scale, w: the shortest wall interval (20 s), r: real time (k = 1)',
    );
    if (delay.rows.some((r) => r.cpu.generatorSaturated))
      lines.push(
        '  ! the generator lagged during the run (cpu >= 90 % or loop lag p99 >= 50 ms): its lateness, times k, distorts the waits',
      );
    if (delay.rows.some((r) => r.endedBy === 'deadline'))
      lines.push('  * the run ended at its deadline before every command was delivered');
    for (const r of delay.rows) {
      if (r.commands.sendFailed > 0)
        lines.push(
          `  ${r.devices}: ${r.commands.sendFailed} commands not accepted by the server: ${r.commands.firstSendError}`,
        );
    }
  }
  const h = report.headline;
  lines.push('');
  if (capacity) {
    const modes = capacity.modes.map((mode) => mode.mode);
    lines.push(
      `headline: sustained check-ins/s of one connector at p99 <= ${CAPACITY_SLO.p99Ms} ms: ${modes.map((mode) => `${mode} ${h.sustainedPerSecond[mode] ?? 'none'}/s${HEADLINE_LIMIT[h.limitedBy[mode] ?? 'connector']}`).join(', ')}`,
      `guide: about ${h.guideDevices} devices on a ${h.guideCores}-core host (a minimum host, not a measured limit); ours at a ${INTERVAL_SECONDS} s interval on ${m.cpus} shared cores: ${modes.map((mode) => `${mode} ${h.devicesAt300s[mode]?.toLocaleString('en') ?? 'none'} devices`).join(', ')} (sustained/s x ${INTERVAL_SECONDS}); the check-in budget ${report.options.budget}/s plans for ${(report.options.budget * INTERVAL_SECONDS).toLocaleString('en')} before it stretches the interval`,
    );
    const perCheckIn = capacity.modes.find((mode) => mode.mode === 'per-check-in');
    if (perCheckIn)
      lines.push(
        `  per-check-in steps resume TLS sessions (the connector keeps tickets a day, TLS_SESSION_TIMEOUT_SECONDS); a device that cannot resume pays a full handshake, as in the warm-up (${perCheckIn.warmup.connectorCpuMsPerCheckIn} ms connector CPU per check-in)`,
      );
  }
  if (delay && delay.rows.length > 0) {
    lines.push(
      `delay: mean wait ${h.delay.map((d) => `${d.meanWaitSeconds} s at ${d.devices.toLocaleString('en')} devices (I_eff ${d.effectiveIntervalSeconds} s, model ${d.modelMeanWaitSeconds} s)`).join('; ')}`,
      `  expected: flat near ${((INTERVAL_SECONDS * 1.05) / 2).toFixed(0)} s up to budget x ${INTERVAL_SECONDS} s = ${(report.options.budget * INTERVAL_SECONDS).toLocaleString('en')} devices, then in proportion to the count (the interval stretches to devices / budget): the guide's "grows in proportion to the number of devices"`,
    );
  }
  return lines.join('\n');
}

function errorText(ratio: number, outcomes: Readonly<Record<string, number>>): string {
  const failed = Object.entries(outcomes).filter(([outcome]) => outcome !== 'ok');
  if (failed.length === 0) return '0';
  return `${(ratio * 100).toFixed(2)}% ${failed.map(([outcome, n]) => `${outcome}:${n}`).join(' ')}`;
}
