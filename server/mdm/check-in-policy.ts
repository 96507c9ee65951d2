/**
 * When devices come back. Ours: 5 minutes plus up to 10 % jitter by default; the guide leaves
 * the device interval to the operator, and every pending command waits for the next check-in,
 * so this is the main term of the command-to-device delay.
 */
export class CheckInPolicy {
  constructor(readonly intervalSeconds = 300) {
    if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1) {
      throw new RangeError('checkInIntervalSeconds: must be a whole number of seconds from 1');
    }
  }

  next(): { intervalSeconds: number; jitterSeconds: number } {
    return {
      intervalSeconds: this.intervalSeconds,
      jitterSeconds: Math.max(0, Math.round(this.intervalSeconds * 0.1)),
    };
  }
}
