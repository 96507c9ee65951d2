import {
  KNOWN_METRICS_TEXT,
  type MetricDefinition,
  type MetricKind,
  resolveMetric,
} from './catalogue.js';

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';
const OPERATORS: readonly Operator[] = ['<', '<=', '>', '>=', '==', '!='];

/** A threshold checked and normalised: `limit` is in the metric's base unit. */
export interface Threshold {
  /** As the user typed it (trimmed). */
  readonly expression: string;
  readonly metric: MetricDefinition;
  readonly operator: Operator;
  readonly limit: number;
}

/** A bad threshold expression: a usage error (exit code 2) that names the expression. */
export class ThresholdError extends RangeError {
  override readonly name = 'ThresholdError';
}

/** Units each kind accepts, with the factor to its base unit; '' is a bare number. */
const UNITS: Record<MetricKind, Record<string, number>> = {
  latency: { '': 1, ms: 1, s: 1_000 },
  ratio: { '': 1, '%': 0.01 },
  rate: { '': 1, '/s': 1 },
  count: { '': 1 },
};

const KIND_TEXT: Record<MetricKind, string> = {
  latency: 'a latency: use ms or s, e.g. p99<250ms',
  ratio: 'a ratio: use % or a fraction, e.g. errors<0.1% or errors<0.001',
  rate: 'a rate per second: a bare number or /s, e.g. replications_per_sec>=40',
  count: 'a count: a bare number, e.g. lost_logs==0',
};

const SHAPE = /^([A-Za-z_][A-Za-z0-9_.()]*)\s*([<>=!]+)\s*(.*)$/;
const VALUE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*([a-z%/]*)$/i;

/** Parses one expression such as `p99<250ms`; throws ThresholdError saying what is wrong. */
export function parseThreshold(text: string): Threshold {
  const expression = String(text).trim();
  const fail = (why: string): never => {
    throw new ThresholdError(`threshold ${JSON.stringify(expression)}: ${why}`);
  };
  const shape = SHAPE.exec(expression);
  if (!shape) {
    return fail('must look like METRIC OPERATOR VALUE, e.g. p99<250ms or errors<0.1%');
  }
  const [, name = '', operatorText = '', valueText = ''] = shape;
  let metric: MetricDefinition | undefined;
  try {
    metric = resolveMetric(name);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (!metric) return fail(`unknown metric "${name}"; known metrics: ${KNOWN_METRICS_TEXT}`);
  if (!OPERATORS.includes(operatorText as Operator)) {
    const hint = operatorText === '=' ? ' (use == for equality)' : '';
    return fail(`bad operator "${operatorText}"${hint}; use one of ${OPERATORS.join(' ')}`);
  }
  const value = VALUE.exec(valueText.trim());
  if (!value) {
    return fail(
      `"${valueText}" is not a number with an optional unit; ${metric.name} is ${KIND_TEXT[metric.kind]}`,
    );
  }
  const number = Number(value[1]);
  const unit = (value[2] ?? '').toLowerCase();
  const factor = UNITS[metric.kind][unit];
  if (factor === undefined) {
    return fail(`unit "${unit}" does not fit ${metric.name}, which is ${KIND_TEXT[metric.kind]}`);
  }
  const limit = number * factor;
  if (metric.kind === 'ratio' && (limit < 0 || limit > 1)) {
    return fail(`a ratio is between 0 and 1 (0% and 100%); ${KIND_TEXT.ratio}`);
  }
  if (limit < 0) return fail(`${metric.name} is never negative`);
  return { expression, metric, operator: operatorText as Operator, limit };
}

/** Parses several at once; the first bad one throws. Duplicates are kept (each is judged). */
export function parseThresholds(texts: readonly string[]): Threshold[] {
  return texts.map(parseThreshold);
}

export function compare(actual: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
    case '!=':
      return actual !== limit;
  }
}
