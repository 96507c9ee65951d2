/**
 * The simulator's front door (`smc-kit/simulator`): run a simulated fleet against a server
 * that speaks protocol v1, record it, judge thresholds, write and merge reports. The parts
 * below the run (agents, devices, workloads, transports) are here too: the CLI and the
 * benchmarks drive them directly.
 */
export { VirtualAgent } from './agent/agent.js';
export type { AgentBehaviour } from './agent/behaviour-options.js';
export { prepareReplication } from './agent/request.js';
export type { HttpReply } from './agent/response.js';
export { type Clock, realClock } from './clock.js';
export { runDeviceFleet } from './devices/device-fleet-run.js';
export { type DeviceProfile, deviceProfile } from './devices/device-profile.js';
export * from './devices/device-simulation-options.js';
export { DeviceTransport } from './devices/device-transport.js';
export { enrollDevices } from './devices/enroll-devices.js';
export { type DeviceIdentity, VirtualDevice } from './devices/virtual-device.js';
export { IdentityCacheMismatch } from './identity/cache.js';
export { consoleCall } from './identity/console-client.js';
export type { EnrolledIdentity } from './identity/enroll.js';
export { certificateFingerprint, createKeyAndCsr } from './identity/keys.js';
export { provisionIdentities } from './identity/provision.js';
export { type Histogram, percentileMs } from './metrics/histogram.js';
export * from './metrics/index.js';
export { buildEventPools } from './profile/events.js';
export { DEFAULT_OS_MIX, parseOsMix } from './profile/os-mix.js';
export { pushOutcomeLines } from './push/push-figures.js';
export { unitDraw } from './random.js';
export * from './report/index.js';
export * from './report/shard-sources.js';
export { rogueOutcomeLines } from './rogue/rogue-judgement.js';
export {
  deviceOutcomeLine,
  devicesOnlySimulationOptions,
  devicesOnlySimulationOutcome,
} from './run/devices-only-run.js';
export { parseNumberIn, parseRatePerSecond, parseShard, parseWhole } from './run/flag-rules.js';
export { MinimalRecorder } from './run/minimal-recorder.js';
export { runPhase } from './run/phase.js';
export {
  type DeviceSimulationOutcome,
  runDeviceSimulation,
} from './run/run-device-simulation.js';
export { simulationRunMeta } from './run/run-meta.js';
export {
  runSimulation,
  type SimulationOutcome,
  SimulationSetupError,
} from './run/run-simulation.js';
export * from './run/simulation-options.js';
export {
  type SimulationOptionProblem,
  validateSimulationOptions,
} from './run/validate-options.js';
export * from './thresholds.js';
export {
  AgentTransport,
  CONNECTION_MODES,
  type ConnectionMode,
} from './transport/agent-transport.js';
export { parseProxyUrl } from './transport/proxy-tunnel.js';
export { parseTargetUrl, type TargetEndpoint } from './transport/target.js';
export { FleetWorkload } from './workload/fleet.js';
export { parseRamp } from './workload/ramp.js';
export { RateWorkload } from './workload/rate.js';
export { parseSlo } from './workload/slo.js';
