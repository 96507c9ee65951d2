/**
 * How fast to play the plan's fleet in the measured window: the time scale k (schedule
 * seconds per wall second) and the window's length. Every agent must replicate at least
 * three times in the window; the rate (clients x k / interval) stays within a share of the
 * measured capacity, so the run checks how the fleet behaves at a load the server is known
 * to hold, not the limit again.
 */
export interface FleetPaceInput {
  readonly clients: number;
  readonly intervalSeconds: number;
  /** The server's jitter as a share of the interval (ours: 0.1). */
  readonly jitterFraction: number;
  /** The highest rate the capacity search held. */
  readonly capacityPerSecond: number;
  /** @default FLEET_CAPACITY_SHARE */
  readonly capacityShare?: number;
  /** @default 15 */
  readonly minWindowSeconds?: number;
  /** @default 600 */
  readonly maxWindowSeconds?: number;
  /** A window the user asked for (--fleet-seconds): its length wins. */
  readonly windowSeconds?: number;
}

export interface FleetPace {
  readonly timeScale: number;
  readonly windowSeconds: number;
  readonly ratePerSecond: number;
  /** Rate / measured capacity. */
  readonly capacityShare: number;
  readonly replicationsPerAgent: number;
}

/**
 * ours: half the measured capacity, the 2x headroom a PASS asks for: a fleet that behaves
 * there has room for the storm.
 */
export const FLEET_CAPACITY_SHARE = 0.5;
/** ours: the window lets every agent replicate at least this often. */
export const REPLICATIONS_PER_AGENT = 3;

export function chooseFleetPace(input: FleetPaceInput): FleetPace {
  const interval = input.intervalSeconds;
  // First slot anywhere in one interval, then interval + up to the jitter: the third
  // replication is due by 3 intervals + 2 jitters at the latest; 5 % more for lateness.
  const scheduleNeeded =
    1.05 * (REPLICATIONS_PER_AGENT * interval + 2 * input.jitterFraction * interval);
  const share = input.capacityShare ?? FLEET_CAPACITY_SHARE;
  let timeScale: number;
  if (input.windowSeconds !== undefined) {
    timeScale = scheduleNeeded / input.windowSeconds;
  } else {
    const byRate =
      input.capacityPerSecond > 0
        ? (share * input.capacityPerSecond * interval) / input.clients
        : 1;
    const byShortest = scheduleNeeded / (input.minWindowSeconds ?? 15);
    const byLongest = scheduleNeeded / (input.maxWindowSeconds ?? 600);
    timeScale = Math.max(byLongest, Math.min(byRate, byShortest));
  }
  timeScale = Math.max(1, timeScale);
  const ratePerSecond = (input.clients * timeScale) / interval;
  return {
    timeScale,
    windowSeconds: scheduleNeeded / timeScale,
    ratePerSecond,
    capacityShare: input.capacityPerSecond > 0 ? ratePerSecond / input.capacityPerSecond : Infinity,
    replicationsPerAgent: REPLICATIONS_PER_AGENT,
  };
}
