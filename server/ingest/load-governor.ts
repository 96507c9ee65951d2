/**
 * Watches how busy group commit is and stretches the interval it tells agents to wait
 * (adaptive interval): near capacity, agents come back later instead of piling up.
 *
 * Utilisation = time batches spent committing / (window x commit slots). Above the target,
 * the interval grows in proportion (ours: target 0.7, at most 4x), and shrinks back as load
 * falls. Smoothed so one slow batch does not swing every agent's schedule.
 */
export interface LoadGovernorOptions {
  readonly baseIntervalSeconds: number;
  readonly targetUtilisation?: number;
  readonly maxStretch?: number;
}

export class LoadGovernor {
  private lastBusyMs = 0;
  private lastAt = performance.now();
  private smoothed = 0;
  private stretchValue = 1;
  private readonly target: number;
  private readonly maxStretch: number;

  constructor(private readonly options: LoadGovernorOptions) {
    this.target = options.targetUtilisation ?? 0.7;
    this.maxStretch = options.maxStretch ?? 4;
  }

  /** Called once a second with the committer's cumulative busy time and slot count. */
  sample(busyMsTotal: number, slots: number, now = performance.now()): void {
    const elapsed = now - this.lastAt;
    if (elapsed <= 0) return;
    const utilisation = Math.min(1, (busyMsTotal - this.lastBusyMs) / (elapsed * slots));
    this.lastBusyMs = busyMsTotal;
    this.lastAt = now;
    this.smoothed = 0.7 * this.smoothed + 0.3 * utilisation;
    const wanted = Math.min(this.maxStretch, Math.max(1, this.smoothed / this.target));
    // Grow quickly, shrink slowly: a drop in load is often the stretch working.
    this.stretchValue =
      wanted > this.stretchValue ? wanted : 0.9 * this.stretchValue + 0.1 * wanted;
  }

  get utilisation(): number {
    return this.smoothed;
  }

  get stretch(): number {
    return this.stretchValue;
  }

  get intervalSeconds(): number {
    return Math.round(this.options.baseIntervalSeconds * this.stretchValue);
  }

  get baseIntervalSeconds(): number {
    return this.options.baseIntervalSeconds;
  }
}
