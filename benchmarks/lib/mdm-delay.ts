import {
  DeviceTransport,
  MinimalRecorder,
  realClock,
  runDeviceFleet,
  unitDraw,
  VirtualDevice,
} from '../../simulator/index.js';
import { type MdmCpuFigures, MdmCpuSampler } from './mdm-cpu.js';
import { enrollFleet, FLEET_SEED } from './mdm-enroll.js';
import { type DelaySummary, type MdmStack, startMdmStack } from './mdm-stack.js';

/** The connectors' defaults: a 5-minute interval, relay rounds every second (not 5) here. */
const CHECK_IN_INTERVAL_SECONDS = 300;
const RELAY_INTERVAL_SECONDS = 1;
const CHECK_IN_TIMEOUT_MS = 10_000;
/** When commands start, how long they are spread over, how long after the last one we wait (wall intervals). */
const SEND_AT = 1.15;
const SEND_SPREAD = 0.5;
const WAIT_AFTER = 1.4;
/** A command for a device the server has not heard of yet (its summary still on the relay): retry. */
const NOT_FOUND_RETRIES = 10;
const COMMAND = { command: 'ring', params: { seconds: 5 } } as const;
const PICK_SALT = 0x636d64;
/**
 * ours: the shortest wall interval. The first round's lateness (every connection a full TLS
 * handshake) must be over before the commands start at 1.15 intervals, and the commands
 * (spread over half an interval) must not become a burst on the server and the generator:
 * with 5 s intervals both bunched the check-ins and biased the waits low.
 */
const MIN_WALL_INTERVAL_SECONDS = 20;

export interface DelayRow {
  readonly devices: number;
  readonly budgetPerSecond: number;
  /** The interval the connector tells devices at this count (I_eff), schedule seconds. */
  readonly effectiveIntervalSeconds: number;
  /** Time compression k: schedule seconds per wall second. */
  readonly timeScale: number;
  /** What set k: the target rate, --max-scale, the shortest wall interval, or real time (k = 1). */
  readonly timeScaleBoundBy: 'rate' | 'max-scale' | 'min wall interval' | 'real time';
  /** I_eff / k. */
  readonly wallIntervalSeconds: number;
  readonly targetWallRatePerSecond: number;
  readonly enrollment: { readonly seconds: number; readonly perSecond: number };
  readonly runWallSeconds: number;
  readonly checkIns: {
    readonly ok: number;
    readonly failed: number;
    readonly wallPerSecond: number;
    /** From the scheduled time, wall ms (not scaled). */
    readonly p99Ms: number;
    readonly outcomes: Readonly<Record<string, number>>;
  };
  readonly commands: {
    readonly requested: number;
    readonly sent: number;
    readonly sendFailed: number;
    /** Sends that first met a 404 (device not relayed to the server yet) and were retried. */
    readonly retriedNotFound: number;
    readonly delivered: number;
    readonly firstSendError: string | null;
  };
  readonly endedBy: 'all delivered' | 'deadline';
  /** Queued on the connector -> handed to the device, scaled back by k: schedule seconds. */
  readonly waitSeconds: {
    readonly mean: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  /** I_eff x 1.05 / 2: uniform phase over the interval plus the mean 5 % jitter. */
  readonly modelMeanWaitSeconds: number;
  /** Server request -> queued on the connector (the relay), wall ms, not scaled: mean delay - mean wait. */
  readonly relayMeanMs: number;
  readonly commandDelayWallMs: DelaySummary;
  readonly commandWaitWallMs: DelaySummary;
  readonly cpu: MdmCpuFigures;
}

/**
 * (b) One device count: a fresh server and connector (`--check-in-budget`, relay every second),
 * N enrolled devices, the fleet checking in per-check-in at k (see timeScaleFor), then commands through the server's console after every device checked in
 * once, and the connector's own account of how long each waited for its device.
 */
export async function measureDelay(options: {
  devices: number;
  budget: number;
  targetWallRate: number;
  maxScale: number;
  commands: number;
  log: (line: string) => void;
}): Promise<DelayRow> {
  const { devices: n, log } = options;
  log(`(b) ${n.toLocaleString('en')} devices: starting a server and a connector`);
  const stack = await startMdmStack({
    checkInIntervalSeconds: CHECK_IN_INTERVAL_SECONDS,
    checkInBudgetPerSecond: options.budget,
    relayIntervalSeconds: RELAY_INTERVAL_SECONDS,
    log: (line) => log(`  ${line}`),
  });
  try {
    return await measureOn(stack, options);
  } finally {
    await stack.stop();
  }
}

async function measureOn(
  stack: MdmStack,
  options: Parameters<typeof measureDelay>[0],
): Promise<DelayRow> {
  const { devices: n, log } = options;
  const fleet = await enrollFleet(stack, n, log);
  const schedule = (await stack.stats()).checkInSchedule;
  const interval = schedule.effectiveSeconds;
  const jitterSeconds = Math.round(interval * 0.1);
  const { k, boundBy } = timeScaleFor(n, interval, options);
  const wallMs = (interval / k) * 1_000;
  log(
    `(b) ${n.toLocaleString('en')} devices enrolled in ${fleet.seconds} s (${fleet.perSecond}/s); connector counts ${schedule.devices}, interval ${interval} s (configured ${schedule.configuredSeconds}, budget ${schedule.budgetPerSecond}/s); time x${k.toFixed(2)} (set by ${boundBy}): one interval = ${(wallMs / 1_000).toFixed(1)} s wall, the run takes up to ${(((SEND_AT + SEND_SPREAD + WAIT_AFTER) * wallMs) / 60_000).toFixed(1)} min`,
  );

  // A steady fleet: every device already follows the interval the connector gives now (the
  // interval it was told at enrollment was shorter for the early ones), so phases are uniform.
  const devices = fleet.identities.map(
    (identity, index) =>
      new VirtualDevice(
        index,
        { ...identity, next: { intervalSeconds: interval, jitterSeconds } },
        fleet.profiles[index] as (typeof fleet.profiles)[0],
      ),
  );
  const recorder = new MinimalRecorder(1_000);
  const transport = new DeviceTransport(
    stack.deviceTarget,
    CHECK_IN_TIMEOUT_MS,
    recorder,
    'per-check-in',
  );
  const cpu = await MdmCpuSampler.start(stack.connector.ready.pid, stack.connectorPgDir);
  const stop = new AbortController();
  const started = realClock.now();
  // The bound on the run; it normally ends earlier (all delivered, or the deadline below).
  const lastMoment = started + (SEND_AT + SEND_SPREAD + WAIT_AFTER) * wallMs + 60_000;
  const fleetRun = runDeviceFleet(devices, transport, recorder, {
    clock: realClock,
    seed: FLEET_SEED,
    intervalSeconds: interval,
    jitterFraction: 0.1,
    timeScale: k,
    endMs: lastMoment,
    drainTimeoutMs: CHECK_IN_TIMEOUT_MS + 1_000,
    signal: stop.signal,
    ownsGauges: true,
  });
  let endedBy: DelayRow['endedBy'] = 'deadline';
  const sending = { sent: 0, failed: 0, retried: 0, firstError: null as string | null };
  const requested = Math.min(options.commands, n);
  try {
    await sleepUntil(started + SEND_AT * wallMs);
    log(
      `(b) ${n.toLocaleString('en')} devices: ${recorder.stats.completed.toLocaleString('en')} check-ins so far; sending ${requested} commands over ${((SEND_SPREAD * wallMs) / 1_000).toFixed(1)} s`,
    );
    const targets = pickDistinct(n, requested);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < requested; i++) {
      await sleepUntil(started + SEND_AT * wallMs + (i * SEND_SPREAD * wallMs) / requested);
      const identity = fleet.identities[targets[i] as number];
      if (!identity) continue;
      sends.push(sendWithRetry(stack, identity.deviceId, sending));
    }
    await Promise.all(sends);
    const lastSent = realClock.now();
    log(
      `(b) ${n.toLocaleString('en')} devices: ${sending.sent} commands sent (${sending.failed} failed, ${sending.retried} retried after a 404); waiting for delivery`,
    );
    let lastLog = realClock.now();
    for (;;) {
      const stats = await stack.stats().catch(() => undefined);
      const delivered = stats?.commandWait.count ?? 0;
      if (delivered >= sending.sent) {
        endedBy = 'all delivered';
        break;
      }
      if (realClock.now() >= lastSent + WAIT_AFTER * wallMs) break;
      if (realClock.now() - lastLog >= 15_000) {
        lastLog = realClock.now();
        log(`  delivered ${delivered}/${sending.sent}`);
      }
      await sleepUntil(realClock.now() + 1_000);
    }
  } finally {
    stop.abort();
    await fleetRun.catch(() => undefined);
    await transport.close();
  }
  const runWallSeconds = (realClock.now() - started) / 1_000;
  const cpuFigures = await cpu.read().finally(() => cpu.stop());
  const final = await stack.stats();
  const { stats } = recorder;
  const wait = final.commandWait;
  const delay = final.commandDelay;
  const toScheduleSeconds = (ms: number) => Math.round((ms * k) / 100) / 10;
  const row: DelayRow = {
    devices: n,
    budgetPerSecond: schedule.budgetPerSecond,
    effectiveIntervalSeconds: interval,
    timeScale: Math.round(k * 1_000) / 1_000,
    timeScaleBoundBy: boundBy,
    wallIntervalSeconds: round1(wallMs / 1_000),
    targetWallRatePerSecond: round1(options.targetWallRate),
    enrollment: { seconds: fleet.seconds, perSecond: fleet.perSecond },
    runWallSeconds: round1(runWallSeconds),
    checkIns: {
      ok: stats.completed - stats.failed,
      failed: stats.failed,
      wallPerSecond: round1((stats.completed - stats.failed) / runWallSeconds),
      p99Ms: round1(stats.percentile(99)),
      outcomes: Object.fromEntries(stats.outcomes),
    },
    commands: {
      requested,
      sent: sending.sent,
      sendFailed: sending.failed,
      retriedNotFound: sending.retried,
      delivered: wait.count,
      firstSendError: sending.firstError,
    },
    endedBy,
    waitSeconds: {
      mean: toScheduleSeconds(wait.meanMs),
      p50: toScheduleSeconds(wait.p50Ms),
      p90: toScheduleSeconds(wait.p90Ms),
      p99: toScheduleSeconds(wait.p99Ms),
      max: toScheduleSeconds(wait.maxMs),
    },
    modelMeanWaitSeconds: round1((interval * 1.05) / 2),
    relayMeanMs: delay.meanMs - wait.meanMs,
    commandDelayWallMs: delay,
    commandWaitWallMs: wait,
    cpu: cpuFigures,
  };
  log(
    `(b) ${n.toLocaleString('en')} devices: ${row.commands.delivered}/${row.commands.sent} delivered (${endedBy}); wait mean ${row.waitSeconds.mean} s (model ${row.modelMeanWaitSeconds} s), p99 ${row.waitSeconds.p99} s; relay ${row.relayMeanMs} ms; check-ins ${row.checkIns.ok} ok ${row.checkIns.failed} failed, p99 ${row.checkIns.p99Ms} ms`,
  );
  return row;
}

/**
 * k = min(--max-scale, I_eff / MIN_WALL_INTERVAL_SECONDS, rate / (N / I_eff)), and at least 1:
 * never slower than real time (the fleet's own rate is the budget the connector plans for).
 */
function timeScaleFor(
  n: number,
  interval: number,
  options: { maxScale: number; targetWallRate: number },
): { k: number; boundBy: DelayRow['timeScaleBoundBy'] } {
  const candidates: [number, DelayRow['timeScaleBoundBy']][] = [
    [options.targetWallRate / (n / interval), 'rate'],
    [options.maxScale, 'max-scale'],
    [interval / MIN_WALL_INTERVAL_SECONDS, 'min wall interval'],
  ];
  const [k, boundBy] = candidates.reduce((low, next) => (next[0] < low[0] ? next : low));
  return k < 1 ? { k: 1, boundBy: 'real time' } : { k, boundBy };
}

async function sendWithRetry(
  stack: MdmStack,
  deviceId: string,
  tally: { sent: number; failed: number; retried: number; firstError: string | null },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await stack.sendCommand(deviceId, COMMAND);
      tally.sent++;
      return;
    } catch (error) {
      const message = (error as Error).message;
      if (/: 404 /.test(message) && attempt < NOT_FOUND_RETRIES) {
        if (attempt === 0) tally.retried++;
        await sleepUntil(realClock.now() + 1_000);
        continue;
      }
      tally.failed++;
      tally.firstError ??= message;
      return;
    }
  }
}

/** `count` distinct indexes below `n`, a seeded partial Fisher-Yates shuffle. */
function pickDistinct(n: number, count: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(unitDraw(FLEET_SEED, i, PICK_SALT) * (n - i));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order.slice(0, count);
}

function sleepUntil(atMs: number): Promise<void> {
  const ms = atMs - realClock.now();
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
