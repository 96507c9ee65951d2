import { ArrivalWorkload } from './workload.js';

/** A fixed rate (`--rate R/s`), spread evenly over the agents: arrival m at m/R seconds. */
export class RateWorkload extends ArrivalWorkload {
  readonly name = 'rate';

  constructor(
    startMs: number,
    endMs: number,
    agentCount: number,
    private readonly ratePerSecond: number,
  ) {
    super(startMs, endMs, agentCount);
    if (!(ratePerSecond > 0)) throw new RangeError('rate: must be above 0');
  }

  protected arrivalOffsetMs(m: number): number {
    return (m * 1_000) / this.ratePerSecond;
  }

  scheduledRate(): number {
    return this.ratePerSecond;
  }
}
