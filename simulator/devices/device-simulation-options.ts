import type { Clock } from '../clock.js';
import type { TargetEndpoint } from '../transport/target.js';

/** One session per device kept open, or one connection per check-in (TLS resumed). */
export type DeviceConnectionMode = 'persistent' | 'per-check-in';
export const DEVICE_CONNECTION_MODES: readonly DeviceConnectionMode[] = [
  'persistent',
  'per-check-in',
];

/** A validated device simulation: what `smc simulate --devices` hands to runDeviceSimulation. */
export interface DeviceSimulationOptions {
  readonly devices: number;
  /** The connector's check-in listener (9981); its CA also verifies the enrollment listener. */
  readonly target: TargetEndpoint;
  /** The connector's enrollment listener (9980). */
  readonly enroll: TargetEndpoint;
  /** MDM enrollment token made on the connector's console API. */
  readonly enrollToken: string;
  /** Share of the fleet that is Android, 0..1 (the rest is iOS). */
  readonly androidRatio: number;
  /** Schedule seconds between two check-ins of one device, until the connector says otherwise. */
  readonly intervalSeconds: number;
  /** Check-ins land up to this fraction of the interval early or late. */
  readonly jitterFraction: number;
  readonly durationSeconds: number;
  readonly timeScale: number;
  readonly seed: number;
  /** @default 'persistent' */
  readonly connection?: DeviceConnectionMode;
  /** Bound on one check-in, connect included. */
  readonly timeoutMs: number;
  readonly onProgress?: (line: string) => void;
  readonly clock?: Clock;
  /** Ends the run early (tests stop once they have seen what they wait for). */
  readonly signal?: AbortSignal;
  /** No agents share the recorder, so the devices set its run-wide gauges (in flight, rate). */
  readonly alone?: boolean;
}

/** Default jitter: a tenth of the interval either way, so check-ins never march in step. */
export const DEFAULT_DEVICE_JITTER_FRACTION = 0.1;
