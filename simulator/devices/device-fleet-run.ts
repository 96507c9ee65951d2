import { Compile } from 'typebox/compile';
import { CheckInResponse } from '../../protocol/index.js';
import type { Clock } from '../clock.js';
import type { ReplicationOutcome, RunRecorder } from '../metrics/contract.js';
import { DRAW, unitDraw } from '../random.js';
import { Scheduler } from '../schedule/scheduler.js';
import { TransportFailure } from '../transport/failure.js';
import { checkInBody, handleCommand } from './check-in-body.js';
import type { DeviceTransport } from './device-transport.js';
import type { VirtualDevice } from './virtual-device.js';

const checkResponse = Compile(CheckInResponse);

export interface DeviceFleetTimetable {
  readonly clock: Clock;
  readonly seed: number;
  /** Schedule seconds between two check-ins of one device, until its connector says otherwise. */
  readonly intervalSeconds: number;
  /**
   * Each check-in lands up to this fraction of the interval early or late (seeded), until the
   * connector gives its own jitter.
   */
  readonly jitterFraction: number;
  /** Schedule seconds played per wall second. */
  readonly timeScale: number;
  readonly endMs: number;
  readonly drainTimeoutMs: number;
  readonly signal?: AbortSignal;
  /** No agents share the recorder: the devices may set its run-wide gauges. */
  readonly ownsGauges?: boolean;
}

export interface DeviceFleetTotals {
  checkInsOk: number;
  checkInsFailed: number;
  commandsReceived: number;
  resultsSent: number;
}

/**
 * Plays the devices' check-ins on the shared scheduler until the end of the run (or `signal`):
 * each device first checks in at a seeded point of its first interval, then every interval
 * plus jitter (the connector's `next` once it gave one, as real devices obey it), counted from
 * its last slot (not from when the answer came) so a slow connector shows as latency, never
 * as fewer check-ins. A device never has two check-ins in
 * flight; commands handed out are answered on its next check-in.
 */
export async function runDeviceFleet(
  devices: readonly VirtualDevice[],
  transport: DeviceTransport,
  recorder: RunRecorder,
  timetable: DeviceFleetTimetable,
): Promise<DeviceFleetTotals> {
  const { clock } = timetable;
  const intervalMs = (timetable.intervalSeconds * 1_000) / timetable.timeScale;
  const totals: DeviceFleetTotals = {
    checkInsOk: 0,
    checkInsFailed: 0,
    commandsReceived: 0,
    resultsSent: 0,
  };
  let inFlight = 0;
  let drained: (() => void) | undefined;

  // The run's own interval until the connector says otherwise (at enrollment or a check-in);
  // schedule time, played `timeScale` times faster.
  const intervalWallMs = (device: VirtualDevice) =>
    device.serverIntervalMs > 0 ? device.serverIntervalMs / timetable.timeScale : intervalMs;
  const nextDue = (device: VirtualDevice) => {
    const draw = unitDraw(timetable.seed, device.index, DRAW.jitter, device.checkIns);
    // The connector's jitter is 0..jitter later (as the agents'); the run's own is +/- a fraction.
    const jitter =
      device.serverIntervalMs > 0
        ? (draw * device.serverJitterMs) / timetable.timeScale
        : (draw * 2 - 1) * timetable.jitterFraction * intervalMs;
    return device.dueAtMs + intervalWallMs(device) + jitter;
  };

  const checkIn = async (device: VirtualDevice) => {
    const body = checkInBody(device, timetable.seed);
    const sentAtMs = clock.now();
    let outcome: ReplicationOutcome;
    try {
      const reply = await transport.checkIn(device.index, device.identity, JSON.stringify(body));
      outcome = replyOutcome(reply.status);
      if (outcome === 'ok') {
        const parsed = parseResponse(reply.body);
        if (parsed) {
          device.pendingResults = device.pendingResults.slice(body.commandResults.length);
          totals.resultsSent += body.commandResults.length;
          recorder.count('task_results_sent', body.commandResults.length);
          for (const command of parsed.commands) {
            device.pendingResults.push(handleCommand(device, command, timetable.seed));
          }
          device.followSchedule(parsed.next);
          device.commandsReceived += parsed.commands.length;
          totals.commandsReceived += parsed.commands.length;
          if (parsed.commands.length > 0) recorder.count('tasks_received', parsed.commands.length);
        } else {
          outcome = 'protocol_error';
        }
      }
    } catch (error) {
      outcome = error instanceof TransportFailure ? error.outcome : 'connect_error';
    }
    device.checkIns++;
    if (outcome === 'ok') totals.checkInsOk++;
    else totals.checkInsFailed++;
    // Check-ins are this plane's replications: the same histograms, outcomes and thresholds.
    recorder.recordReplication({
      scheduledAtMs: device.dueAtMs,
      sentAtMs,
      doneAtMs: clock.now(),
      outcome,
      logsSent: 0,
      logsAcked: 0,
    });
    device.dueAtMs = nextDue(device);
    scheduler.schedule(device.index, device.dueAtMs);
  };

  const byIndex = new Map(devices.map((device) => [device.index, device]));
  const scheduler = new Scheduler(clock, timetable.endMs, (index) => {
    const device = byIndex.get(index) as VirtualDevice;
    inFlight++;
    recorder.count('replications_scheduled');
    if (timetable.ownsGauges) recorder.setGauge('in_flight', inFlight);
    void checkIn(device).finally(() => {
      inFlight--;
      if (timetable.ownsGauges) recorder.setGauge('in_flight', inFlight);
      if (inFlight === 0) drained?.();
    });
  });

  const start = clock.now();
  for (const device of devices) {
    device.dueAtMs =
      start + unitDraw(timetable.seed, device.index, DRAW.firstDue) * intervalWallMs(device);
    scheduler.schedule(device.index, device.dueAtMs);
  }
  // Agents and gauges are the agents' (a shared gauge would flip between the two planes);
  // alone, the devices' steady check-in rate is what the chart's scheduled line shows.
  if (timetable.ownsGauges) {
    const perSecond = devices.reduce((sum, device) => sum + 1_000 / intervalWallMs(device), 0);
    recorder.setGauge('scheduled_rate', perSecond);
  }

  await new Promise<void>((resolve) => {
    const timer = clock.setTimer(finish, timetable.endMs - clock.now());
    function finish() {
      timer.cancel();
      timetable.signal?.removeEventListener('abort', finish);
      resolve();
    }
    if (timetable.signal?.aborted) finish();
    else timetable.signal?.addEventListener('abort', finish, { once: true });
  });
  scheduler.stop();
  if (inFlight > 0) {
    // Answers already on their way are counted; a bounded wait, then the run ends regardless.
    await new Promise<void>((resolve) => {
      const timer = clock.setTimer(resolve, timetable.drainTimeoutMs);
      drained = () => {
        timer.cancel();
        resolve();
      };
    });
  }
  return totals;
}

function replyOutcome(status: number): ReplicationOutcome {
  if (status === 200) return 'ok';
  if (status === 503 || status === 429) return 'shed_503';
  return status >= 500 ? 'http_5xx' : 'http_4xx';
}

function parseResponse(text: string): CheckInResponse | undefined {
  try {
    const body: unknown = JSON.parse(text);
    return checkResponse.Check(body) ? (body as CheckInResponse) : undefined;
  } catch {
    return undefined;
  }
}
