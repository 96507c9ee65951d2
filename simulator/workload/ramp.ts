import { ArrivalWorkload } from './workload.js';

export interface RampShape {
  readonly fromPerSecond: number;
  readonly toPerSecond: number;
  readonly overSeconds: number;
}

/** Parses `100:5000:60s` (from rate, to rate, ramp length); RangeError naming `field`. */
export function parseRamp(
  text: string,
  field: string,
  parseSeconds: (t: string) => number,
): RampShape {
  const match = /^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*:\s*(\S+)\s*$/.exec(text);
  if (!match) {
    throw new RangeError(
      `${field}: must be FROM:TO:DURATION in replications/s, e.g. 100:5000:60s (got ${JSON.stringify(text)})`,
    );
  }
  const fromPerSecond = Number(match[1]);
  const toPerSecond = Number(match[2]);
  const overSeconds = parseSeconds(match[3] as string);
  if (!(fromPerSecond > 0) || !(toPerSecond > 0))
    throw new RangeError(`${field}: rates must be above 0`);
  if (!(overSeconds > 0)) throw new RangeError(`${field}: the duration must be above 0`);
  return { fromPerSecond, toPerSecond, overSeconds };
}

/**
 * A linear ramp from one rate to another, then holding the last rate until the run ends.
 * Arrival times invert the cumulative count A(t) = r0 t + (r1 - r0) t^2 / 2T.
 */
export class RampWorkload extends ArrivalWorkload {
  readonly name = 'ramp';
  private readonly slope: number;
  private readonly rampArrivals: number;

  constructor(
    startMs: number,
    endMs: number,
    agentCount: number,
    private readonly shape: RampShape,
  ) {
    super(startMs, endMs, agentCount);
    this.slope = (shape.toPerSecond - shape.fromPerSecond) / shape.overSeconds;
    this.rampArrivals = ((shape.fromPerSecond + shape.toPerSecond) / 2) * shape.overSeconds;
  }

  protected arrivalOffsetMs(m: number): number {
    const { fromPerSecond: r0, toPerSecond: r1, overSeconds } = this.shape;
    if (m >= this.rampArrivals) return (overSeconds + (m - this.rampArrivals) / r1) * 1_000;
    if (Math.abs(this.slope) < 1e-12) return (m / r0) * 1_000;
    // Solve (slope/2) t^2 + r0 t - m = 0 for the root in [0, T].
    const t = (-r0 + Math.sqrt(r0 * r0 + 2 * this.slope * m)) / this.slope;
    return t * 1_000;
  }

  scheduledRate(nowMs: number): number {
    const t = Math.max(0, (nowMs - this.startMs) / 1_000);
    return t >= this.shape.overSeconds
      ? this.shape.toPerSecond
      : this.shape.fromPerSecond + this.slope * t;
  }
}
