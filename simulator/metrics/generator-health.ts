import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { SecondSample } from './contract.js';

/**
 * Health of the load generator itself. A generator whose event loop lags or whose CPU is
 * pegged sends late and measures its own queueing as server latency; such a run says so
 * instead of blaming the server.
 */

/** What a probe reads once per second. */
export interface GeneratorReading {
  readonly eventLoopLagP99Ms: number;
  /** CPU time of this process over the last window, in % of one core (can exceed 100). */
  readonly cpuPercent: number;
}

export interface GeneratorProbe {
  /** Reads and resets the window since the previous read. */
  read(): GeneratorReading;
  stop(): void;
}

/** Limits past which a second counts as "generator saturated". */
export interface GeneratorLimits {
  readonly lagP99Ms: number;
  readonly cpuPercent: number;
  /** Share of the run's seconds that may be over a limit before the run is flagged. */
  readonly maxFractionOverLimit: number;
}

/**
 * Ours: 50 ms of loop lag already delays every send by a visible amount at p99; 90 % of one
 * core leaves no room for the loop to keep up; a fifth of the run is more than a hiccup (GC,
 * start-up) and enough to colour the percentiles.
 */
export const DEFAULT_GENERATOR_LIMITS: GeneratorLimits = {
  lagP99Ms: 50,
  cpuPercent: 90,
  maxFractionOverLimit: 0.2,
};

const LAG_RESOLUTION_MS = 10;

/** The real probe: node:perf_hooks loop-delay histogram and process.cpuUsage(). */
export function createProcessProbe(): GeneratorProbe {
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  let lastCpu = process.cpuUsage();
  let lastWallMs = performance.now();
  return {
    read() {
      const nowMs = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const wallMs = nowMs - lastWallMs;
      // The histogram holds timer-to-timer delays, resolution included: subtract it. A loop
      // blocked for the whole window recorded nothing; then the window itself is the lag.
      const lagP99Ms =
        lag.count > 0
          ? Math.max(0, lag.percentile(99) / 1e6 - LAG_RESOLUTION_MS)
          : Math.max(0, wallMs - LAG_RESOLUTION_MS);
      const cpuPercent = wallMs > 0 ? ((cpu.user + cpu.system) / 1_000 / wallMs) * 100 : 0;
      lag.reset();
      lastCpu = process.cpuUsage();
      lastWallMs = nowMs;
      return { eventLoopLagP99Ms: round1(lagP99Ms), cpuPercent: round1(cpuPercent) };
    },
    stop() {
      lag.disable();
    },
  };
}

export interface GeneratorHealth {
  readonly limits: GeneratorLimits;
  readonly seconds: number;
  readonly eventLoopLag: {
    /** 99th percentile over the run's seconds of each second's p99. */
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly secondsOverLimit: number;
  };
  readonly cpu: {
    readonly meanPercent: number;
    readonly maxPercent: number;
    readonly secondsOverLimit: number;
  };
  /** True when the generator, not the server, likely limited the run. */
  readonly generatorBottleneck: boolean;
  /** Why, in words; empty when healthy. */
  readonly reasons: readonly string[];
}

/** Judges a run's per-second series against the limits. Pure: works on merged series too. */
export function judgeGeneratorHealth(
  series: readonly SecondSample[],
  limits: GeneratorLimits = DEFAULT_GENERATOR_LIMITS,
): GeneratorHealth {
  const lags = series.map((s) => s.eventLoopLagP99Ms);
  const cpus = series.map((s) => s.cpuPercent);
  const lagOver = lags.filter((v) => v > limits.lagP99Ms).length;
  const cpuOver = cpus.filter((v) => v > limits.cpuPercent).length;
  const seconds = series.length;
  const share = (n: number) => (seconds > 0 ? n / seconds : 0);
  const reasons: string[] = [];
  if (share(lagOver) > limits.maxFractionOverLimit) {
    reasons.push(
      `event-loop lag p99 was over ${limits.lagP99Ms} ms in ${percent(share(lagOver))} of seconds (max ${round1(Math.max(...lags))} ms): the generator sent late`,
    );
  }
  if (share(cpuOver) > limits.maxFractionOverLimit) {
    reasons.push(
      `generator CPU was over ${limits.cpuPercent}% of one core in ${percent(share(cpuOver))} of seconds (max ${round1(Math.max(...cpus))}%): add shards (--shard i/n) or machines`,
    );
  }
  return {
    limits,
    seconds,
    eventLoopLag: {
      p99Ms: round1(percentileOf(lags, 99)),
      maxMs: round1(lags.length > 0 ? Math.max(...lags) : 0),
      secondsOverLimit: lagOver,
    },
    cpu: {
      meanPercent: round1(seconds > 0 ? cpus.reduce((a, b) => a + b, 0) / seconds : 0),
      maxPercent: round1(cpus.length > 0 ? Math.max(...cpus) : 0),
      secondsOverLimit: cpuOver,
    },
    generatorBottleneck: reasons.length > 0,
    reasons,
  };
}

/** Nearest-rank percentile of a small list. */
function percentileOf(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const percent = (share: number) => `${Math.round(share * 100)}%`;
