import {
  DEFAULT_DEVICE_JITTER_FRACTION,
  type DeviceSimulationOptions,
} from '../simulator/devices/device-simulation-options.js';
import { parseTargetUrl } from '../simulator/transport/target.js';
import type { LocalConnector } from './children/local-connector.js';

/**
 * The connector's check-in interval (`smc mdm --check-in-interval` default, 5 min): the
 * rehearsal's connector is started with it and its devices play it, time-compressed.
 */
export const REHEARSAL_DEVICE_INTERVAL_SECONDS = 300;

/** ours: the same share as `smc simulate --android-ratio`'s default. */
const ANDROID_RATIO = 0.7;

/** The phones of a rehearsal: the plan's mobile devices against the local connector. */
export function rehearsalDeviceOptions(options: {
  connector: LocalConnector;
  enrollToken: string;
  devices: number;
  durationSeconds: number;
  timeScale: number;
  log: (line: string) => void;
}): DeviceSimulationOptions {
  const { connector } = options;
  return {
    devices: options.devices,
    target: { ...parseTargetUrl(connector.ready.deviceUrl, 'deviceUrl'), caPem: connector.caPem },
    enroll: { ...parseTargetUrl(connector.ready.enrollUrl, 'enrollUrl'), caPem: connector.caPem },
    enrollToken: options.enrollToken,
    androidRatio: ANDROID_RATIO,
    intervalSeconds: REHEARSAL_DEVICE_INTERVAL_SECONDS,
    jitterFraction: DEFAULT_DEVICE_JITTER_FRACTION,
    durationSeconds: options.durationSeconds,
    timeScale: options.timeScale,
    seed: 1,
    timeoutMs: 10_000,
    onProgress: options.log,
    // The agents share the recorder and own its run-wide gauges.
    alone: false,
  };
}
