/** The rehearsal: before rollout, the plan's fleet against the real server on this machine. */
export type { AfterRollout } from './after-rollout.js';
export {
  type ClientsCarried,
  clientsCarried,
  type Intervals,
  intervalsFor,
  MAX_EXTRAPOLATION,
  PASS_HEADROOM,
} from './carrying.js';
export { type LocalConnector, startLocalConnector } from './children/local-connector.js';
export { type LocalServer, startLocalServer } from './children/local-server.js';
export {
  checkFeasible,
  checkSessionsFit,
  RehearsalSetupError,
  serverWorkersFor,
} from './feasibility.js';
export { RehearsalFeed } from './feed.js';
export * from './findings.js';
export { chooseFleetPace, type FleetPace } from './fleet-pace.js';
export {
  type DeliveryLatency,
  type TaskDeliveryFigures,
  taskDeliveryLine,
} from './generator/task-delivery.js';
export type { MachineRecord } from './machine.js';
export { type Projection, projectOntoPlan } from './projection.js';
export {
  CAPACITY_AGENTS,
  LOGS_PER_CLIENT,
  type RehearsalOptions,
  type RehearsalOutcome,
  runRehearsal,
  WARM_UP_RATE,
} from './run-rehearsal.js';
export { stormBoundSeconds } from './storm-bound.js';
export {
  runUpgradeRehearsal,
  type UpgradeRehearsalOptions,
  type UpgradeRehearsalOutcome,
} from './upgrade/run-upgrade.js';
export { judgeRehearsal, type Limiter, type RehearsalVerdict } from './verdict.js';
