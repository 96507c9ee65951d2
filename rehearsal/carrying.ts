import { MIN_INTERVAL_SECONDS } from '../sizing/index.js';
import { stormBoundSeconds } from './storm-bound.js';

/**
 * ours: the guide's own example (10 replications/s measured, 5,000 clients) advises a 20-30
 * minute interval where 8 minutes would be 100 % load, i.e. 2.5-4x headroom. A rehearsal
 * passes at 2x or more and is marginal between 1x and 2x.
 */
export const PASS_HEADROOM = 2;

/** ours: no figure is carried further than ten times what was measured. */
export const MAX_EXTRAPOLATION = 10;

/** ours: sessions may take this share of the machine's memory; the rest is for everything else. */
export const SESSION_MEMORY_SHARE = 0.8;

export interface CarryingInput {
  /**
   * The fleet the rehearsal planned; every extrapolation is measured against it, or against
   * the sessions the server held when fewer.
   */
  readonly clients: number;
  readonly intervalSeconds: number;
  readonly heldPerSecond: number | null;
  readonly storm: {
    readonly agents: number;
    readonly recovered: number;
    readonly recoverySeconds: number;
    readonly boundSeconds: number;
    /** The window the agents came back in, and the plan's (they differ with --storm-window). */
    readonly windowSeconds: number;
    readonly planWindowSeconds: number;
  } | null;
  readonly sessions: {
    readonly held: number;
    readonly bytesPerSession: number | null;
    readonly serverBaseBytes: number;
    readonly databaseBytes: number;
    readonly machineMemoryBytes: number;
  };
}

export type CarryingLimit = 'rate' | 'sessions' | 'storm';

export interface ClientsCarried {
  /** The smallest of the three; null when none could be measured. */
  readonly value: number | null;
  readonly limitedBy: CarryingLimit | null;
  /** The smallest was more than 10x the fleet played: `value` is that bound, not a measurement. */
  readonly beyondMeasured: boolean;
  /** Clients the measured rate carries at the plan's interval with PASS_HEADROOM. */
  readonly byRate: number | null;
  /** Clients whose sessions the machine's memory holds at the measured bytes per session. */
  readonly bySessions: number | null;
  /** Clients whose reconnect storm the server absorbs within the bound, at the measured pace. */
  readonly byStorm: number | null;
}

/**
 * "Clients it carries" is the minimum of what three things allow: the rate limit at the plan's
 * interval with headroom, the sessions the server held against the machine's memory, and the
 * storm. Each is derived from a measurement; none is carried past 10x what the rehearsal
 * played, and past that the answer is "more than 10x, not measured".
 */
export function clientsCarried(input: CarryingInput): ClientsCarried {
  const byRate =
    input.heldPerSecond && input.heldPerSecond > 0
      ? Math.floor((input.heldPerSecond * input.intervalSeconds) / PASS_HEADROOM)
      : null;
  const { sessions } = input;
  const bySessions =
    sessions.bytesPerSession && sessions.bytesPerSession > 0
      ? Math.max(
          0,
          Math.floor(
            (sessions.machineMemoryBytes * SESSION_MEMORY_SHARE -
              sessions.serverBaseBytes -
              sessions.databaseBytes) /
              sessions.bytesPerSession,
          ),
        )
      : null;
  // The storm drained its agents at storm.agents / recovery per second at least (and never
  // faster than they arrived): at that pace, this many recover within the bound of a storm
  // in the plan's own window.
  const { storm } = input;
  const byStorm = !storm
    ? null
    : storm.recovered < storm.agents || storm.recoverySeconds > storm.boundSeconds
      ? storm.recovered
      : Math.floor(
          (storm.agents * stormBoundSeconds(storm.planWindowSeconds)) /
            Math.max(storm.recoverySeconds, storm.windowSeconds, 1),
        );
  const candidates = (
    [
      ['rate', byRate],
      ['sessions', bySessions],
      ['storm', byStorm],
    ] as const
  ).filter((c): c is readonly [CarryingLimit, number] => c[1] !== null);
  // Without a rate that held, the other two bound nothing the server is known to carry.
  if (byRate === null || candidates.length === 0) {
    return { value: null, limitedBy: null, beyondMeasured: false, byRate, bySessions, byStorm };
  }
  const [limitedBy, smallest] = candidates.reduce((a, b) => (b[1] < a[1] ? b : a));
  // Measured against the fleet that really played: the sessions held, when fewer than planned.
  const played = sessions.held > 0 ? Math.min(input.clients, sessions.held) : input.clients;
  const ceiling = MAX_EXTRAPOLATION * played;
  return {
    value: Math.min(smallest, ceiling),
    limitedBy,
    beyondMeasured: smallest > ceiling,
    byRate,
    bySessions,
    byStorm,
  };
}

export interface Intervals {
  /** The shortest interval the plan's clients can use at 100 % of the held rate. */
  readonly sustainableSeconds: number | null;
  /** The interval that keeps PASS_HEADROOM, never below smc plan's minimum. */
  readonly recommendedSeconds: number | null;
  /** Both were raised to smc plan's minimum: the server could go shorter, the plan may not. */
  readonly atPlanMinimum: boolean;
}

export function intervalsFor(clients: number, heldPerSecond: number | null): Intervals {
  if (!heldPerSecond || heldPerSecond <= 0) {
    return { sustainableSeconds: null, recommendedSeconds: null, atPlanMinimum: false };
  }
  const sustainable = Math.ceil(clients / heldPerSecond);
  const wanted = Math.ceil((clients * PASS_HEADROOM) / heldPerSecond);
  return {
    sustainableSeconds: Math.max(sustainable, MIN_INTERVAL_SECONDS),
    recommendedSeconds: Math.max(wanted, MIN_INTERVAL_SECONDS),
    atPlanMinimum: wanted < MIN_INTERVAL_SECONDS,
  };
}
