import type { TaskDeliveryFigures } from './generator/task-delivery.js';

/**
 * What a rehearsal measured, phase by phase: the facts the verdict is judged from. Plain
 * JSON (verdict.json carries it), every figure as measured; derived figures live in the
 * verdict, which says which is which.
 */

export interface SloLimits {
  /** p99 latency from the scheduled time, ms. */
  readonly p99Ms: number;
  /** failed / completed. */
  readonly errorRatio: number;
  /** late / completed: sent later than the late limit after the timetable said. */
  readonly lateRatio: number;
}

/** ours: an agent barely notices 250 ms; 0.1 % errors; 1 % of starts late is a generator symptom. */
export const REHEARSAL_SLOS: SloLimits = { p99Ms: 250, errorRatio: 0.001, lateRatio: 0.01 };

export interface PhaseGenerator {
  /** The generator itself was saturated (event-loop lag or CPU): its figures may be its own. */
  readonly limited: boolean;
  readonly reasons: readonly string[];
}

export interface IdentityFindings {
  readonly agents: number;
  readonly reused: number;
  readonly enrolled: number;
  readonly enrollSeconds: number;
  /** Enrollments per second, server signing included (null: none were needed). */
  readonly enrollmentsPerSecond: number | null;
}

export interface WarmUpFindings {
  readonly agents: number;
  /** Agents that replicated once and kept their session. */
  readonly sessionsOpened: number;
  /** Agents that replicated once (a session they may since have lost). @default sessionsOpened */
  readonly agentsReplicated?: number;
  readonly failed: number;
  readonly seconds: number;
  /** New mutual-TLS sessions per second, each with its first replication. */
  readonly handshakesPerSecond: number;
  readonly generator: PhaseGenerator;
}

export interface DatabaseFindings {
  readonly logsPerClient: number;
  readonly logsSeeded: number;
  readonly seedSeconds: number;
  /** pg_database_size once computers, inventories and the history are in. */
  readonly bytes: number;
}

export interface CapacityFindings {
  /** Highest rate that held the SLOs (null: none did). */
  readonly heldPerSecond: number | null;
  /** Lowest rate that broke them twice (null: nothing broke up to maxRate). */
  readonly brokenPerSecond: number | null;
  readonly maxRatePerSecond: number;
  readonly steps: number;
  /** The breaking step had a saturated generator: the server may hold more. */
  readonly generatorLimitedBreak: boolean;
  /** How busy the whole machine was during the breaking step (0..1), when measured. */
  readonly machineBusyAtBreak: number | null;
  /**
   * At the break the machine was saturated while the server itself had CPU to spare: the
   * generator and the database (and anything else on the box) took the cores it needed.
   */
  readonly machineLimitedBreak: boolean;
  /** Cores' worth of CPU each part used during the breaking step. */
  readonly coresAtBreak: {
    readonly server: number;
    readonly database: number;
    readonly generator: number;
  } | null;
  /** CPU per successful replication at the highest step that held, ms. */
  readonly serverCpuMsPerReplication: number | null;
  readonly databaseCpuMsPerReplication: number | null;
  readonly agents: number;
}

export interface FleetFindings {
  readonly agents: number;
  readonly timeScale: number;
  readonly windowSeconds: number;
  readonly ratePerSecond: number;
  readonly capacityShare: number;
  readonly completed: number;
  readonly failed: number;
  readonly late: number;
  readonly errorRatio: number;
  readonly lateRatio: number;
  readonly p99Ms: number;
  readonly intervalsCovered: number;
  readonly minReplicationsPerAgent: number;
  readonly meanReplicationsPerAgent: number;
  readonly serverCpuMsPerReplication: number | null;
  readonly databaseCpuMsPerReplication: number | null;
  readonly generator: PhaseGenerator;
  /** The server or its database spent a quarter of the run waiting for a core (see capacity). */
  readonly machineStarved: boolean;
  /**
   * Task delivery latency with wake-ups on, measured by task probes during this run beside
   * its replication figures; null with wake-ups off (`--wakeups off`).
   */
  readonly taskDelivery: TaskDeliveryFigures | null;
}

export interface StormFindings {
  readonly agents: number;
  /** The window every agent came back in, and the plan's (they differ with --storm-window). */
  readonly windowSeconds: number;
  readonly planWindowSeconds: number;
  readonly boundSeconds: number;
  readonly recovered: number;
  /** From the storm's start to the last agent's first success. */
  readonly recoverySeconds: number;
  readonly attempts: number;
  readonly shed: number;
  /** Failures other than a 503/429 with Retry-After (timeouts, resets, errors). */
  readonly otherFailures: number;
  readonly p99Ms: number;
  readonly generator: PhaseGenerator;
  readonly machineStarved: boolean;
}

export interface LogFindings {
  /** Logs the agents made during the rehearsal (the seeded history not counted). */
  readonly generated: number;
  readonly acknowledged: number;
  /** Still unacknowledged after the drain. */
  readonly pendingAfterDrain: number;
  readonly drainSeconds: number;
  /** Acknowledged logs the server does not hold (null: the check could not run). */
  readonly lost: number | null;
}

export interface SessionFindings {
  readonly wanted: number;
  /** Agent sessions the server held after the warm-up (its established TCP connections). */
  readonly heldAfterWarmUp: number;
  /** ...and again after the storm (every agent reconnected). */
  readonly heldAfterStorm: number | null;
  readonly serverRssBeforeBytes: number;
  readonly serverRssAfterBytes: number;
  /** Server memory per held session, bytes (null: nothing held). */
  readonly serverBytesPerSession: number | null;
  /**
   * The server process's open-files limit (ulimit -n): every session is a socket, so it
   * caps the sessions one server process can hold. Null when it could not be read.
   */
  readonly serverOpenFilesLimit: number | null;
  /** Server processes holding sessions (`smc serve --workers`). @default 1 */
  readonly serverProcesses?: number;
  readonly databaseRssBytes: number;
}

export interface RehearsalFindings {
  readonly identities: IdentityFindings;
  readonly warmUp: WarmUpFindings;
  readonly database: DatabaseFindings | null;
  readonly capacity: CapacityFindings;
  /** Null when the capacity search gave nothing to play the fleet at. */
  readonly fleet: FleetFindings | null;
  readonly storm: StormFindings | null;
  readonly logs: LogFindings;
  readonly sessions: SessionFindings;
}
