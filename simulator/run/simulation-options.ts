import type { AgentBehaviourOptions } from '../agent/behaviour-options.js';
import type { Clock } from '../clock.js';
import type { ConsoleEndpoint } from '../identity/console-client.js';
import type { ConnectionMode } from '../transport/agent-transport.js';
import type { ProxyEndpoint } from '../transport/proxy-tunnel.js';
import type { TargetEndpoint } from '../transport/target.js';
import type { CapacitySearchOptions } from '../workload/capacity.js';
import type { RampShape } from '../workload/ramp.js';

/** Which workload model drives the run. */
export type WorkloadMode =
  | { readonly kind: 'fleet'; readonly intervalSeconds: number }
  | { readonly kind: 'rate'; readonly ratePerSecond: number }
  | { readonly kind: 'ramp'; readonly shape: RampShape }
  | { readonly kind: 'capacity'; readonly search: CapacitySearchOptions };

/** A validated simulation: what `smc simulate` (and later `smc rehearse`) hands to runSimulation. */
export interface SimulationOptions {
  readonly target: TargetEndpoint;
  readonly proxy?: ProxyEndpoint;
  readonly enrollToken?: string;
  /** For making an enrollment token when none is given, and for `verify`. */
  readonly console?: ConsoleEndpoint;
  /** Agents in the whole fleet (all shards). */
  readonly agents: number;
  /** This process's share: shard `index` (1-based) of `count`. */
  readonly shard: { readonly index: number; readonly count: number };
  readonly mode: WorkloadMode;
  /** Wall seconds the fleet, rate and ramp models run (ramp: at least its own length). */
  readonly durationSeconds: number;
  /** Schedule seconds played per wall second (fleet intervals and the server's `next`). */
  readonly timeScale: number;
  readonly seed: number;
  readonly identitiesDir?: string;
  readonly connection: ConnectionMode;
  /** Bound on one replication, connect included. */
  readonly timeoutMs: number;
  /** A start later than this after its slot counts as late (the recorder's limit too). */
  readonly lateThresholdMs: number;
  readonly behaviour: AgentBehaviourOptions;
  /** After the run, ask the console API which acknowledged logs it really holds. */
  readonly verify: boolean;
  /** Push sessions for wake-up calls (`--wakeups on`): the broker, mqtts://host:port. */
  readonly push?: { readonly url: string };
  /**
   * Create a task on the console API every `everyMs` for `targetsPerTask` agents and measure
   * task delivery latency (needs `console`). @default none
   */
  readonly taskProbe?: { readonly everyMs: number; readonly targetsPerTask: number };
  /**
   * Play Rogue Detection Sensors reporting the fleet's machines plus this many unmanaged ones,
   * and read how the server judged them (needs `console`). @default none
   */
  readonly rogues?: number;
  readonly onProgress?: (line: string) => void;
  readonly clock?: Clock;
  /** Aborting ends the run early (Ctrl-C); what ran so far is measured and reported. */
  readonly signal?: AbortSignal;
}

/** This process's slice of the fleet: contiguous agent indices [first, first + count). */
export function shardSlice(
  agents: number,
  shard: SimulationOptions['shard'],
): { first: number; count: number } {
  const first = Math.floor(((shard.index - 1) * agents) / shard.count);
  const end = Math.floor((shard.index * agents) / shard.count);
  return { first, count: end - first };
}
