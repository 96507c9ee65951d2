/**
 * The simulator's front door (`smc-kit/simulator`): run a simulated fleet against a server
 * that speaks protocol v1, record it, judge thresholds, write and merge reports.
 */
export * from './metrics/index.js';
export * from './report/index.js';
export {
  runSimulation,
  type SimulationOutcome,
  SimulationSetupError,
} from './run/run-simulation.js';
export * from './run/simulation-options.js';
export * from './thresholds.js';
