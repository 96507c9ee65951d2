import type { DeviceSimulationOptions } from '../devices/device-simulation-options.js';
import { DEFAULT_OS_MIX } from '../profile/os-mix.js';
import type { DeviceSimulationOutcome } from './run-device-simulation.js';
import type { SimulationOutcome } from './run-simulation.js';
import type { SimulationOptions } from './simulation-options.js';

/**
 * A run of devices alone, described in the agents' words so the one reporting path (summary,
 * JSON, HTML, thresholds) serves it unchanged: the connector's check-in port is the target,
 * check-ins are the replications, the fleet model's interval is the device interval, and the
 * agent count is 0 (nothing here pretends to be a computer).
 */
export function devicesOnlySimulationOptions(
  devices: DeviceSimulationOptions,
  lateThresholdMs: number,
): SimulationOptions {
  return {
    target: devices.target,
    agents: 0,
    shard: { index: 1, count: 1 },
    mode: { kind: 'fleet', intervalSeconds: devices.intervalSeconds },
    durationSeconds: devices.durationSeconds,
    timeScale: devices.timeScale,
    seed: devices.seed,
    connection: 'persistent',
    timeoutMs: devices.timeoutMs,
    lateThresholdMs,
    behaviour: {
      seed: devices.seed,
      osMix: DEFAULT_OS_MIX,
      logsPerReplication: 0,
      inventoryChangeRate: 0,
      taskResultRate: 0,
    },
    verify: false,
  };
}

/** The devices' outcome as a SimulationOutcome with no agents and no logs. */
export function devicesOnlySimulationOutcome(outcome: DeviceSimulationOutcome): SimulationOutcome {
  return {
    workload: 'fleet',
    agents: { first: 0, count: 0, fleet: 0 },
    identities: { reused: 0, enrolled: 0, enrollSeconds: 0 },
    startedAt: outcome.startedAt,
    wallSeconds: outcome.wallSeconds,
    logs: { generated: 0, acknowledged: 0, pending: 0 },
  };
}

/** One line for the end of a run: what the devices did. */
export function deviceOutcomeLine(outcome: DeviceSimulationOutcome): string {
  const { devices, checkIns, commands } = outcome;
  return `devices: ${devices.count} (${devices.android} Android, ${devices.ios} iOS) enrolled in ${outcome.enrollSeconds.toFixed(1)} s; check-ins ${checkIns.ok} ok, ${checkIns.failed} failed (${checkIns.perSecond.toFixed(1)}/s); commands ${commands.received} received, ${commands.resultsSent} results sent, ${commands.resultsPending} pending`;
}
