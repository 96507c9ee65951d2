import type { AgentBehaviourOptions } from '../../simulator/agent/behaviour-options.js';
import type { ConsoleEndpoint } from '../../simulator/identity/console-client.js';
import type { EnrolledIdentity } from '../../simulator/identity/enroll.js';
import type {
  CapacitySearch,
  JsonValue,
  RunMode,
  RunResult,
  SecondSample,
} from '../../simulator/metrics/contract.js';
import type { PlaySummary } from '../../simulator/run/agent-fleet.js';
import type { TargetEndpoint } from '../../simulator/transport/target.js';

/**
 * What the rehearsal (parent) and its generator processes say to each other over the fork
 * IPC channel. Each generator holds one contiguous slice of the fleet, exactly like
 * `smc simulate --shard i/n`, and every phase's figures come back as a result or a window
 * whose histograms merge exactly.
 */

/** Given once, at fork time (argv is too small for identities, so they come in `adopt`). */
export interface GeneratorSetup {
  readonly target: TargetEndpoint;
  readonly shard: { readonly index: number; readonly count: number };
  /** Fleet index of this generator's first agent, and how many it holds. */
  readonly first: number;
  readonly count: number;
  readonly timeoutMs: number;
  readonly lateThresholdMs: number;
  readonly behaviour: AgentBehaviourOptions;
  readonly seed: number;
  /**
   * Wake-ups on (the server's push broker, mqtts://host:port): during the fleet run the first
   * `sessions` agents of the slice hold a push session each, and a task probe of this
   * generator's own measures task delivery latency on them. @default none (no push sessions, no probe)
   */
  readonly wakeups?: {
    readonly pushUrl: string;
    /** Agents of the slice with a push session (the probe's targets), from its first. */
    readonly sessions: number;
    readonly console: ConsoleEndpoint;
    /** One probe task every this many wall ms, from this generator. */
    readonly probeEveryMs: number;
    readonly probeTargets: number;
  };
}

/** One phase of play, in this generator's share (rates already divided among generators). */
export type PlaySpec =
  | { readonly kind: 'warm-up'; readonly ratePerSecond: number; readonly maxSeconds: number }
  | {
      readonly kind: 'rate';
      readonly ratePerSecond: number;
      readonly seconds: number;
      /** The first this-many agents of the slice play. */
      readonly agents: number;
    }
  | {
      readonly kind: 'fleet';
      readonly intervalSeconds: number;
      readonly timeScale: number;
      readonly seconds: number;
    }
  | { readonly kind: 'storm'; readonly windowSeconds: number; readonly maxSeconds: number }
  | { readonly kind: 'drain'; readonly ratePerSecond: number; readonly maxSeconds: number };

export type GeneratorRequest =
  | { readonly op: 'setup'; readonly setup: GeneratorSetup }
  | {
      readonly op: 'enroll';
      /** Identities of this slice already enrolled (a reused cache), in order; the rest enroll. */
      readonly have: readonly EnrolledIdentity[];
      readonly token: string;
    }
  | { readonly op: 'adopt'; readonly identities: readonly EnrolledIdentity[] }
  | { readonly op: 'history'; readonly through: number }
  | {
      readonly op: 'begin';
      readonly mode: RunMode;
      readonly intervalSeconds: number | null;
      readonly timeScale: number;
      readonly options: { readonly [key: string]: JsonValue };
    }
  | { readonly op: 'play'; readonly spec: PlaySpec; readonly label: string }
  | { readonly op: 'end'; readonly capacity?: CapacitySearch }
  | { readonly op: 'close-sessions' }
  /** From now on play only agents that replicated at least once (had a session). */
  | { readonly op: 'keep-opened' }
  | { readonly op: 'positions' }
  | { readonly op: 'stop' };

/** A measured slice of one generator's run: counts and histograms, mergeable exactly. */
export interface EncodedWindow {
  readonly seconds: number;
  readonly completed: number;
  readonly ok: number;
  readonly failed: number;
  readonly late: number;
  readonly shed: number;
  readonly fromScheduled: string;
  readonly fromSend: string;
}

export interface PlayReply {
  readonly window: EncodedWindow;
  readonly summary: PlaySummary;
  /** Seconds from the play's start to the last agent's first success (storm, warm-up). */
  readonly recovery: { readonly recovered: number; readonly lastOkSeconds: number };
  readonly openSessions: number;
  /** This generator's own health during the play. */
  readonly generator: { readonly limited: boolean; readonly reasons: readonly string[] };
  /** The fleet run with wake-ups on: its push sessions and task probe. */
  readonly taskDelivery?: EncodedTaskDelivery;
}

/** One generator's task probe over a play; histograms (us) merge exactly across generators. */
export interface EncodedTaskDelivery {
  readonly sessionsSubscribed: number;
  readonly sessionsFailed: number;
  readonly wakeupsReceived: number;
  readonly tasksCreated: number;
  readonly targets: number;
  readonly createFailures: number;
  readonly createdToReceived: string;
  readonly createdToResult: string;
}

export interface EnrollReply {
  readonly identities: readonly EnrolledIdentity[];
  readonly seconds: number;
}

export interface PositionsReply {
  readonly positions: readonly { readonly agentId: string; readonly through: number }[];
  readonly logs: {
    readonly generated: number;
    readonly acknowledged: number;
    readonly pending: number;
  };
}

export type GeneratorReply =
  | Record<string, never>
  | { readonly kept: number }
  | EnrollReply
  | PlayReply
  | PositionsReply
  | { readonly result: RunResult };

/** Worker -> parent. */
export type GeneratorMessage =
  | { readonly id: number; readonly ok: true; readonly reply: GeneratorReply }
  | { readonly id: number; readonly ok: false; readonly error: string }
  | { readonly event: 'second'; readonly run: number; readonly sample: SecondSample };

/** Parent -> worker. */
export interface GeneratorEnvelope {
  readonly id: number;
  readonly request: GeneratorRequest;
}
