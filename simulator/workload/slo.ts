import { parseDurationMs } from '../../sizing/index.js';
import type { StepStats } from '../run/step-stats.js';

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
}

/** Checks each SLO against one step's statistics. A step with no answers holds nothing. */
export function checkSlos(slos: readonly Slo[], stats: StepStats): SloCheck[] {
  return slos.map((slo) => {
    if (slo.kind === 'latency') {
      const actual = stats.percentile(slo.percentile);
      const within = slo.inclusive ? actual <= slo.limitMs : actual < slo.limitMs;
      return { slo: slo.text, actual, held: stats.completed > 0 && within };
    }
    const actual = stats.errorRatio;
    const within = slo.inclusive ? actual <= slo.limitRatio : actual < slo.limitRatio;
    return { slo: slo.text, actual, held: stats.completed > 0 && within };
  });
}
