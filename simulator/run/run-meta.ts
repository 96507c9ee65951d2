import { hostname } from 'node:os';
import type { CapacitySearch, JsonValue, RunMeta } from '../metrics/contract.js';
import type { DeviceSimulationOutcome } from './run-device-simulation.js';
import type { SimulationOutcome } from './run-simulation.js';
import type { SimulationOptions } from './simulation-options.js';

/** The load half's account of a run in contract.ts's words, for `RunMetrics.finish(meta)`. */
export function simulationRunMeta(
  options: SimulationOptions,
  outcome: SimulationOutcome,
  endedAt: Date,
): RunMeta {
  const { mode } = options;
  const capacity: CapacitySearch | undefined = outcome.capacity && {
    slos: outcome.capacity.slos,
    steps: outcome.capacity.curve.map((step) => ({
      rate: step.ratePerSecond,
      achievedPerSec: step.achievedPerSecond,
      p99Ms: step.p99Ms,
      errorRatio: step.errorRatio,
      passed: step.held,
    })),
    highestPassingRate: outcome.capacity.highestHeldRate,
  };
  return {
    mode: mode.kind,
    target: options.target.url,
    agents: outcome.agents.count,
    intervalSeconds: mode.kind === 'fleet' ? mode.intervalSeconds : null,
    timeScale: options.timeScale,
    seed: options.seed,
    ...(options.shard.count > 1 ? { shard: options.shard } : {}),
    startedAt: outcome.startedAt,
    endedAt: endedAt.toISOString(),
    options: {
      ...recordedOptions(options),
      // The phones' own account: the samples are already in the shared histograms.
      ...(outcome.devices ? { devices: deviceRecord(outcome.devices) } : {}),
      // A run cut short says so in its file, so a partial run is never read as a full one.
      ...(outcome.interruptedBy ? { interruptedBy: outcome.interruptedBy } : {}),
      // Push sessions and task delivery latency: the load half's own histograms.
      ...(outcome.push ? { push: outcome.push } : {}),
      // Rogue Detection: what the sensors reported and how the server judged it.
      ...(outcome.rogues ? { rogues: outcome.rogues } : {}),
    },
    generatorHost: hostname(),
    ...(capacity ? { capacity } : {}),
    ...(outcome.verify
      ? {
          verify: {
            logsAcknowledged: outcome.verify.acknowledged,
            lost: outcome.verify.lost,
            checkedAgents: outcome.verify.agents,
            contentMismatches: outcome.verify.mismatched,
          },
        }
      : {}),
  };
}

function deviceRecord(devices: DeviceSimulationOutcome): { [key: string]: JsonValue } {
  return {
    devices: { ...devices.devices },
    enrollSeconds: devices.enrollSeconds,
    wallSeconds: devices.wallSeconds,
    checkIns: { ...devices.checkIns },
    commands: { ...devices.commands },
  };
}

/** The options worth keeping with a result (never tokens or keys). */
function recordedOptions(options: SimulationOptions): { [key: string]: JsonValue } {
  const { mode, behaviour } = options;
  return {
    fleetAgents: options.agents,
    durationSeconds: options.durationSeconds,
    connection: options.connection,
    proxy: options.proxy ? `${options.proxy.host}:${options.proxy.port}` : null,
    timeoutMs: options.timeoutMs,
    lateThresholdMs: options.lateThresholdMs,
    logsPerReplication: behaviour.logsPerReplication,
    inventoryChangeRate: behaviour.inventoryChangeRate,
    taskResultRate: behaviour.taskResultRate,
    osMix: { ...behaviour.osMix },
    ...(mode.kind === 'rate' ? { ratePerSecond: mode.ratePerSecond } : {}),
    ...(mode.kind === 'ramp' ? { ramp: { ...mode.shape } } : {}),
    ...(mode.kind === 'capacity'
      ? {
          capacity: {
            startRate: mode.search.startRate,
            maxRate: mode.search.maxRate,
            growth: mode.search.growth,
            stepSeconds: mode.search.stepSeconds,
          },
        }
      : {}),
  };
}
