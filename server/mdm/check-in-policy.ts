/** Ours: what one connector plans to take, check-ins per second (see CheckInPolicy). */
export const DEFAULT_CHECK_IN_BUDGET_PER_SECOND = 50;

export interface CheckInIntervalState {
  /** The interval the operator configured (`--check-in-interval`). */
  readonly configuredSeconds: number;
  /** What devices are told now: the configured interval, stretched when the budget needs it. */
  readonly effectiveSeconds: number;
  readonly budgetPerSecond: number;
  /** Devices enrolled on this connector, as last counted. */
  readonly devices: number;
}

/**
 * When devices come back. The operator sets an interval (ours: 5 minutes) and a budget of
 * check-ins per second the connector plans for; once `devices / interval` would pass the
 * budget, the interval told to devices stretches to `devices / budget`. That keeps a growing
 * fleet from overloading the connector, and it is why, as the guide says, the delay from a
 * command to the device grows in proportion to the device count: a pending command waits for
 * the device's next check-in, on average half an interval. Jitter is a tenth of the interval.
 */
export class CheckInPolicy {
  private devices = 0;

  constructor(
    readonly intervalSeconds = 300,
    readonly budgetPerSecond = DEFAULT_CHECK_IN_BUDGET_PER_SECOND,
  ) {
    if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1) {
      throw new RangeError('checkInIntervalSeconds: must be a whole number of seconds from 1');
    }
    if (!Number.isFinite(budgetPerSecond) || budgetPerSecond <= 0) {
      throw new RangeError('checkInBudgetPerSecond: must be a number above 0');
    }
  }

  /** The enrolled-device count the interval is sized for (counted at start, then kept up). */
  setDeviceCount(devices: number): void {
    this.devices = Math.max(0, Math.floor(devices));
  }

  deviceEnrolled(): void {
    this.devices += 1;
  }

  schedule(): CheckInIntervalState {
    return {
      configuredSeconds: this.intervalSeconds,
      effectiveSeconds: Math.max(
        this.intervalSeconds,
        Math.ceil(this.devices / this.budgetPerSecond),
      ),
      budgetPerSecond: this.budgetPerSecond,
      devices: this.devices,
    };
  }

  next(): { intervalSeconds: number; jitterSeconds: number } {
    const intervalSeconds = this.schedule().effectiveSeconds;
    return { intervalSeconds, jitterSeconds: Math.max(0, Math.round(intervalSeconds * 0.1)) };
  }
}
