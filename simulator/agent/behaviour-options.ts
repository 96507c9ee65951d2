import type { EventPools } from '../profile/events.js';
import type { OsMix } from '../profile/os-mix.js';

/** The shape of the load a fleet of agents produces (the `smc simulate` load flags). */
export interface AgentBehaviourOptions {
  readonly seed: number;
  /**
   * Seed of the agents' machines (hostname, OS, hardware: the fingerprint). Identities
   * reused from a cache keep the seed they enrolled under, or the server sees clones.
   * @default seed
   */
  readonly machineSeed?: number;
  readonly osMix: OsMix;
  /** Mean logs gathered per replication (Poisson-distributed per agent and replication). */
  readonly logsPerReplication: number;
  /** Chance per replication that the agent's inventory changed (new software version). */
  readonly inventoryChangeRate: number;
  /**
   * Chance per replication that a running task finishes and its result is reported; the
   * rest keep running and report later, so results spread over replications like real ones.
   */
  readonly taskResultRate: number;
}

/** Behaviour options plus what is derived from them once per run. */
export interface AgentBehaviour extends AgentBehaviourOptions {
  readonly pools: EventPools;
  /** Wall time the run started (epoch ms): base for uptimes and module update times. */
  readonly runStartEpochMs: number;
  /** Hash each log sent (for `--verify`'s content ledger). @default false */
  readonly hashLogs?: boolean;
}

/** What the simulated agent says it is. */
export const AGENT_VERSION = '7.0.0-smc-sim';
export const MODULES_VERSION = '31234 (20260101)';
