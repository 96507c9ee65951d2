import { checkSlos, type Slo, type SloCheck, type StepMeasure } from './slo.js';

export interface CapacitySearchOptions {
  readonly slos: readonly Slo[];
  readonly startRate: number;
  readonly maxRate: number;
  /** Each growing step's rate is the previous one times this (e.g. 1.25). */
  readonly growth: number;
  readonly stepSeconds: number;
  /** Latency over which a start counts as late (the recorder's own limit, for the curve). */
  readonly lateThresholdMs: number;
  /**
   * Once a rate broke, bisect between the last that held and the first that broke until the
   * bracket is this narrow (relative: 0.05 = the broken rate is within 5 % of the held one).
   * @default 0.05
   */
  readonly resolution?: number;
  /** At most this many bisection steps (each confirmed when it breaks). @default 5 */
  readonly maxBisections?: number;
  /** A step with fewer completed replications holds nothing ("not enough data"). @default 100 */
  readonly minSamplesPerStep?: number;
  /**
   * Aborted (Ctrl-C): the step being played is dropped unjudged (it was cut short) and the
   * search ends with what the finished steps showed. @default never
   */
  readonly signal?: AbortSignal;
  /**
   * When even the first rate breaks, step down (dividing by `growth`) to no lower than this,
   * so a busy machine still learns whether the rate it needs holds; a step is never slower
   * than its minimum samples allow. @default startRate: no descent
   */
  readonly minRate?: number;
}

export interface CapacityStep {
  readonly ratePerSecond: number;
  readonly achievedPerSecond: number;
  readonly completed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errorRatio: number;
  readonly late: number;
  /** A second run of a rate that broke (one bad step can be a hiccup). */
  readonly confirm: boolean;
  /** Growing the rate, stepping down after the first broke, or narrowing the bracket. */
  readonly stage: 'grow' | 'descend' | 'bisect';
  readonly held: boolean;
  readonly checks: readonly SloCheck[];
  /** The generator itself was saturated during the step (when the runner can tell). */
  readonly generatorLimited?: boolean;
}

export interface CapacityResult {
  /** The highest rate whose step met every SLO (null: even the first step broke). */
  readonly highestHeldRate: number | null;
  /** The lowest rate that broke twice in a row (null: the search reached maxRate unbroken). */
  readonly brokenRate: number | null;
  readonly slos: readonly string[];
  readonly curve: readonly CapacityStep[];
  /** The step that broke was generator-limited: the server may hold more than measured. */
  readonly generatorLimitedBreak: boolean;
}

/** Runs one fixed-rate step and measures it (the caller owns agents, transport, workers). */
export type RunStep = (
  ratePerSecond: number,
  seconds: number,
  label: string,
) => Promise<StepMeasure>;

/**
 * Capacity search: raise the rate step by step until an SLO breaks, play a breaking rate once
 * more to confirm it (one bad step can be a hiccup), then bisect between the highest rate
 * that held and the lowest that broke, so the answer is a bracket of known width rather than
 * a point of a coarse step grid. Open every agent's connection before calling (a warm-up):
 * the first step would otherwise measure TLS handshakes, not the server's pace.
 */
export async function searchCapacity(
  options: CapacitySearchOptions,
  runStep: RunStep,
): Promise<CapacityResult> {
  const resolution = options.resolution ?? 0.05;
  const maxBisections = options.maxBisections ?? 5;
  const minSamples = options.minSamplesPerStep ?? 100;
  const curve: CapacityStep[] = [];
  let held: number | null = null;
  let broken: number | null = null;

  /** Achieved ok/s of the last step that broke: where the server saturated. */
  let saturatedAt: number | null = null;
  const saturation = () => saturatedAt;
  /**
   * Plays `rate`; a break is played once more and only two breaks in a row count, unless it
   * was clear (latency past twice its bound or errors ten times theirs: no hiccup does that).
   */
  const stopped = () => options.signal?.aborted === true;
  const judge = async (
    rate: number,
    stage: CapacityStep['stage'],
  ): Promise<boolean | 'stopped'> => {
    for (const confirm of [false, true]) {
      const what = confirm ? 'confirm' : stage === 'grow' ? 'step' : stage;
      const label = `capacity ${what} ${round(rate)}/s`;
      if (stopped()) return 'stopped';
      const measure = await runStep(rate, options.stepSeconds, label);
      if (stopped()) return 'stopped';
      const checks = checkSlos(options.slos, measure, minSamples);
      const stepHeld = checks.every((check) => check.held);
      curve.push({
        ratePerSecond: round(rate),
        achievedPerSecond: round((measure.completed - measure.failed) / options.stepSeconds),
        completed: measure.completed,
        p50Ms: round(measure.percentile(50)),
        p99Ms: round(measure.percentile(99)),
        errorRatio: measure.errorRatio,
        late: measure.late,
        confirm,
        stage,
        held: stepHeld,
        checks,
        ...(measure.generatorLimited !== undefined
          ? { generatorLimited: measure.generatorLimited }
          : {}),
      });
      if (stepHeld) return true;
      saturatedAt = (measure.completed - measure.failed) / options.stepSeconds;
      if (clearBreak(options.slos, checks)) break;
    }
    return false;
  };

  for (let rate = options.startRate; rate <= options.maxRate * (1 + 1e-9); ) {
    const verdict = await judge(rate, 'grow');
    if (verdict === 'stopped') break;
    if (verdict) {
      held = rate;
      if (rate >= options.maxRate) break;
      rate = Math.min(options.maxRate, rate * options.growth);
    } else {
      broken = rate;
      break;
    }
  }
  if (held === null && broken !== null && options.minRate !== undefined) {
    const floor = Math.max(options.minRate, minSamples / options.stepSeconds);
    for (let rate = broken / options.growth; rate >= floor * (1 - 1e-9); rate /= options.growth) {
      const verdict = await judge(rate, 'descend');
      if (verdict === 'stopped') break;
      if (verdict) {
        held = rate;
        break;
      }
      broken = rate;
    }
  }
  if (held !== null && broken !== null) {
    let low: number = held;
    let high: number = broken;
    for (let i = 0; i < maxBisections && high / low > 1 + resolution; i++) {
      const middle = bisectionPoint(low, high, i === 0 ? saturation() : null, resolution);
      const verdict = await judge(middle, 'bisect');
      if (verdict === 'stopped') break;
      if (verdict) low = middle;
      else high = middle;
    }
    held = low;
    broken = high;
  }
  const lastBreak = [...curve].reverse().find((step) => !step.held);
  return {
    highestHeldRate: held === null ? null : round(held),
    brokenRate: broken === null ? null : round(broken),
    slos: options.slos.map((slo) => slo.text),
    curve,
    generatorLimitedBreak: broken !== null && lastBreak?.generatorLimited === true,
  };
}

/**
 * Where to try next between `low` (held) and `high` (broke). The first time, just above the
 * rate the breaking step delivered while it could not keep up, where the limit most likely
 * is (never closer to `low` than the resolution); then halves. A narrow bracket in few steps.
 */
export function bisectionPoint(
  low: number,
  high: number,
  saturatedAt: number | null,
  resolution: number,
): number {
  const middle = (low + high) / 2;
  if (saturatedAt === null) return middle;
  const floor = low * (1 + resolution);
  return Math.min(middle, Math.max(floor, saturatedAt * 1.05));
}

/** A break too large for a hiccup: p99 past twice its bound, errors past ten times theirs. */
function clearBreak(slos: readonly Slo[], checks: readonly SloCheck[]): boolean {
  return checks.some((check, i) => {
    const slo = slos[i];
    if (!slo || check.held || check.note) return false;
    return slo.kind === 'latency'
      ? check.actual > 2 * slo.limitMs
      : check.actual > 10 * Math.max(slo.limitRatio, 0.0001);
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
