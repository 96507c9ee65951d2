import type { RunResult, ThresholdVerdict } from '../metrics/run-result.js';
import { decodeResultHistograms } from '../metrics/run-result-check.js';
import type { WindowFigures } from '../metrics/window.js';
import type { ThresholdSubject } from './catalogue.js';
import { compare, type Threshold } from './parse.js';
import { type DataRule, DEFAULT_DATA_RULE, insufficientData } from './sufficiency.js';

/**
 * Judges thresholds against a subject. A metric the run did not measure fails, with a note:
 * a gate on lost logs must not pass because nobody counted them. A subject with too little
 * data (sufficiency.ts) fails every gate, saying so.
 */
export function evaluateThresholds(
  thresholds: readonly Threshold[],
  subject: ThresholdSubject,
  rule: DataRule = DEFAULT_DATA_RULE,
): ThresholdVerdict[] {
  const tooLittle = thresholds.length > 0 ? insufficientData(subject, rule) : null;
  return thresholds.map((t) => {
    const actual = t.metric.read(subject);
    const base = {
      expression: t.expression,
      metric: t.metric.name,
      kind: t.metric.kind,
      operator: t.operator,
      limit: t.limit,
    };
    if (actual === null) {
      return {
        ...base,
        actual: null,
        passed: false,
        note: tooLittle ?? t.metric.unmeasuredNote ?? 'this run has no such figure',
      };
    }
    if (tooLittle) return { ...base, actual, passed: false, note: tooLittle };
    return { ...base, actual, passed: compare(actual, t.operator, t.limit) };
  });
}

export function subjectOfResult(result: RunResult): ThresholdSubject {
  return {
    figures: result.derived,
    histograms: decodeResultHistograms(result.histograms),
    logs: result.derived.logs,
    generatorBottleneck: result.generator.generatorBottleneck,
    coverage: {
      intervalSeconds: result.meta.mode === 'fleet' ? result.meta.intervalSeconds : null,
      scheduleSeconds: result.durationSeconds * result.meta.timeScale,
    },
  };
}

/** A capacity-search step: SLOs are thresholds judged on the step's window alone. */
export function subjectOfWindow(window: WindowFigures): ThresholdSubject {
  return { figures: window, histograms: window.histograms };
}

/** The result with its verdicts embedded, so `report show` and HTML can print them later. */
export function withThresholds(
  result: RunResult,
  verdicts: readonly ThresholdVerdict[],
): RunResult {
  return { ...result, thresholds: verdicts };
}

export function allPassed(verdicts: readonly ThresholdVerdict[]): boolean {
  return verdicts.every((v) => v.passed);
}
