import type { Clock } from '../clock.js';
import type { RunRecorder } from '../metrics/contract.js';
import { StepStats } from '../run/step-stats.js';
import { teeRecorder } from '../run/tee-recorder.js';
import { RateWorkload } from './rate.js';
import { checkSlos, type Slo, type SloCheck } from './slo.js';

export interface CapacitySearchOptions {
  readonly slos: readonly Slo[];
  readonly startRate: number;
  readonly maxRate: number;
  /** Each step's rate is the previous one times this (e.g. 1.25). */
  readonly growth: number;
  readonly stepSeconds: number;
  /** Latency over which a start counts as late (the recorder's own limit, for the curve). */
  readonly lateThresholdMs: number;
}

export interface CapacityStep {
  readonly ratePerSecond: number;
  readonly achievedPerSecond: number;
  readonly completed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errorRatio: number;
  readonly late: number;
  readonly confirm: boolean;
  readonly held: boolean;
  readonly checks: readonly SloCheck[];
}

export interface CapacityResult {
  /** The highest rate whose step met every SLO (null: even the first step broke). */
  readonly highestHeldRate: number | null;
  /** The rate that broke twice in a row (null: the search reached maxRate unbroken). */
  readonly brokenRate: number | null;
  readonly slos: readonly string[];
  readonly curve: readonly CapacityStep[];
}

/** Runs one fixed-rate step over the run's agents (the caller owns agents and transport). */
export type RunStep = (workload: RateWorkload, recorder: RunRecorder) => Promise<void>;

/**
 * Capacity search: after a warm-up that opens every agent's connection, raise the rate step
 * by step until an SLO breaks, play the breaking rate once more to confirm (one bad step can
 * be a hiccup), and report the highest rate that held with the whole curve.
 */
export async function searchCapacity(
  options: CapacitySearchOptions,
  agentCount: number,
  clock: Clock,
  recorder: RunRecorder,
  runStep: RunStep,
): Promise<CapacityResult> {
  const curve: CapacityStep[] = [];
  let highestHeldRate: number | null = null;
  let brokenRate: number | null = null;
  // Warm-up at the first rate until every agent has replicated once (at most 30 s): the
  // first step would otherwise measure the fleet's TLS handshakes, not the server's pace.
  recorder.mark(`capacity warm-up ${round(options.startRate)}/s`);
  const warmStart = clock.now();
  const warmSeconds = Math.min(30, Math.max(1, agentCount / options.startRate));
  await runStep(
    new RateWorkload(warmStart, warmStart + warmSeconds * 1_000, agentCount, options.startRate),
    recorder,
  );
  let rate = options.startRate;
  let confirming = false;
  while (rate <= options.maxRate * (1 + 1e-9)) {
    recorder.mark(`${confirming ? 'capacity confirm' : 'capacity step'} ${round(rate)}/s`);
    const stats = new StepStats(options.lateThresholdMs);
    const startMs = clock.now();
    const workload = new RateWorkload(
      startMs,
      startMs + options.stepSeconds * 1_000,
      agentCount,
      rate,
    );
    await runStep(workload, teeRecorder(recorder, stats));
    const checks = checkSlos(options.slos, stats);
    const held = checks.every((check) => check.held);
    curve.push({
      ratePerSecond: round(rate),
      achievedPerSecond: round(stats.completed / options.stepSeconds),
      completed: stats.completed,
      p50Ms: round(stats.percentile(50)),
      p99Ms: round(stats.percentile(99)),
      errorRatio: stats.errorRatio,
      late: stats.late,
      confirm: confirming,
      held,
      checks,
    });
    if (held) {
      highestHeldRate = rate;
      confirming = false;
      rate *= options.growth;
    } else if (!confirming) {
      confirming = true;
    } else {
      brokenRate = rate;
      break;
    }
  }
  return {
    highestHeldRate: highestHeldRate === null ? null : round(highestHeldRate),
    brokenRate: brokenRate === null ? null : round(brokenRate),
    slos: options.slos.map((slo) => slo.text),
    curve,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
