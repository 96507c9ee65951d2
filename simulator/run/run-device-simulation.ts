import { realClock } from '../clock.js';
import { runDeviceFleet } from '../devices/device-fleet-run.js';
import { deviceProfile } from '../devices/device-profile.js';
import type { DeviceSimulationOptions } from '../devices/device-simulation-options.js';
import { DeviceTransport } from '../devices/device-transport.js';
import { enrollDevices } from '../devices/enroll-devices.js';
import { VirtualDevice } from '../devices/virtual-device.js';
import type { RunRecorder } from '../metrics/contract.js';

/** What the device half knows at the end of a run (the recorder has the latencies). */
export interface DeviceSimulationOutcome {
  readonly devices: { readonly count: number; readonly android: number; readonly ios: number };
  readonly enrollSeconds: number;
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly checkIns: { readonly ok: number; readonly failed: number; readonly perSecond: number };
  readonly commands: {
    readonly received: number;
    readonly resultsSent: number;
    /** Results still owed at the end (their check-in fell after the run). */
    readonly resultsPending: number;
  };
}

/**
 * Runs simulated phones against a Mobile Device Connector: enrolls every device with the MDM
 * token (faker profile per (seed, index)), then plays their check-ins on the scheduler and
 * records each through `recorder`, so the agents' metrics, thresholds and reports apply.
 */
export async function runDeviceSimulation(
  options: DeviceSimulationOptions,
  recorder: RunRecorder,
): Promise<DeviceSimulationOutcome> {
  const clock = options.clock ?? realClock;
  const progress = options.onProgress ?? (() => {});
  const profiles = Array.from({ length: options.devices }, (_, index) =>
    deviceProfile(options.seed, index, options.androidRatio),
  );
  const enrollStarted = performance.now();
  const step = Math.max(1, Math.round(options.devices / 10));
  const identities = await enrollDevices(profiles, 0, {
    enroll: options.enroll,
    token: options.enrollToken,
    timeoutMs: options.timeoutMs,
    recorder,
    onEnrolled: (done) => {
      // One at a time, so the report's enrolled line climbs as enrollment goes.
      recorder.count('enrollments');
      if (done % step === 0 || done === options.devices)
        progress(`enrolled ${done}/${options.devices} devices`);
    },
  });
  const enrollSeconds = (performance.now() - enrollStarted) / 1_000;
  const devices = identities.map(
    (identity, index) =>
      new VirtualDevice(index, identity, profiles[index] as (typeof profiles)[0]),
  );

  const transport = new DeviceTransport(
    options.target,
    options.timeoutMs,
    recorder,
    options.connection,
  );
  const startedAt = new Date().toISOString();
  const started = clock.now();
  recorder.mark('devices start');
  let totals: Awaited<ReturnType<typeof runDeviceFleet>>;
  try {
    totals = await runDeviceFleet(devices, transport, recorder, {
      clock,
      seed: options.seed,
      intervalSeconds: options.intervalSeconds,
      jitterFraction: options.jitterFraction,
      timeScale: options.timeScale,
      endMs: started + options.durationSeconds * 1_000,
      drainTimeoutMs: options.timeoutMs + 1_000,
      ...(options.signal ? { signal: options.signal } : {}),
      ownsGauges: options.alone === true,
    });
  } finally {
    await transport.close();
  }
  recorder.mark('devices end');
  const wallSeconds = (clock.now() - started) / 1_000;
  const android = profiles.filter((profile) => profile.platform === 'android').length;
  return {
    devices: { count: devices.length, android, ios: devices.length - android },
    enrollSeconds,
    startedAt,
    wallSeconds,
    checkIns: {
      ok: totals.checkInsOk,
      failed: totals.checkInsFailed,
      perSecond: wallSeconds > 0 ? totals.checkInsOk / wallSeconds : 0,
    },
    commands: {
      received: totals.commandsReceived,
      resultsSent: totals.resultsSent,
      resultsPending: devices.reduce((sum, device) => sum + device.pendingResults.length, 0),
    },
  };
}
