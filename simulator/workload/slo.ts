import { parseDurationMs } from '../../sizing/index.js';

/**
 * The service-level objectives a capacity-search step must meet: a latency percentile bound
 * (`p99<250ms`) and an error-ratio bound (`errors<0.1%`). Same expression syntax as the
 * run thresholds; this per-step evaluator reads only these two forms.
 */
export type Slo =
  | {
      readonly kind: 'latency';
      readonly text: string;
      readonly percentile: number;
      readonly limitMs: number;
      readonly inclusive: boolean;
    }
  | {
      readonly kind: 'errors';
      readonly text: string;
      readonly limitRatio: number;
      readonly inclusive: boolean;
    };

export function parseSlo(text: string, field: string): Slo {
  const latency = /^\s*p(\d{1,2}(?:\.\d+)?)\s*(<=?)\s*(\S+)\s*$/.exec(text);
  if (latency) {
    const percentile = Number(latency[1]);
    if (!(percentile > 0 && percentile < 100))
      throw new RangeError(
        `${field}: percentile must be between 0 and 100 (got ${JSON.stringify(text)})`,
      );
    const limitMs = parseDurationMs(latency[3] as string, field);
    return {
      kind: 'latency',
      text: text.trim(),
      percentile,
      limitMs,
      inclusive: latency[2] === '<=',
    };
  }
  const errors = /^\s*errors\s*(<=?)\s*(\d+(?:\.\d+)?)(%?)\s*$/.exec(text);
  if (errors) {
    const value = Number(errors[2]);
    const limitRatio = errors[3] === '%' ? value / 100 : value;
    if (limitRatio > 1)
      throw new RangeError(
        `${field}: an error ratio above 100% never breaks (got ${JSON.stringify(text)})`,
      );
    return { kind: 'errors', text: text.trim(), limitRatio, inclusive: errors[1] === '<=' };
  }
  throw new RangeError(
    `${field}: must be like 'p99<250ms' or 'errors<0.1%' (got ${JSON.stringify(text)})`,
  );
}

export interface SloCheck {
  readonly slo: string;
  readonly actual: number;
  readonly held: boolean;
  /** Why it did not hold when the figure itself was within the bound. */
  readonly note?: string;
}

/** What one step measured: outcomes and latency from the scheduled time. */
export interface StepMeasure {
  readonly completed: number;
  readonly failed: number;
  readonly late: number;
  readonly errorRatio: number;
  /** Latency percentile (0-100) from the scheduled time, ms. */
  percentile(p: number): number;
  /** The generator itself was saturated during the step (when the runner can tell). */
  readonly generatorLimited?: boolean;
}

/**
 * Checks each SLO against one step. A step with fewer than `minSamples` answers holds
 * nothing: its p99 is a handful of values and its error ratio says nothing.
 */
export function checkSlos(slos: readonly Slo[], step: StepMeasure, minSamples = 1): SloCheck[] {
  const enough = step.completed >= Math.max(1, minSamples);
  const note = enough
    ? undefined
    : `not enough data: ${step.completed} replications in the step (at least ${minSamples} needed)`;
  return slos.map((slo) => {
    const actual = slo.kind === 'latency' ? step.percentile(slo.percentile) : step.errorRatio;
    const limit = slo.kind === 'latency' ? slo.limitMs : slo.limitRatio;
    const within = slo.inclusive ? actual <= limit : actual < limit;
    return { slo: slo.text, actual, held: enough && within, ...(note ? { note } : {}) };
  });
}
