/**
 * Gates (k6 style): `--threshold 'p99<250ms'`, also from a JSON file. Parse up front (bad
 * expressions are usage errors), evaluate at the end, exit 99 when any fails.
 */
export {
  KNOWN_METRICS_TEXT,
  type MetricDefinition,
  type MetricKind,
  metricCatalogue,
  resolveMetric,
  type ThresholdSubject,
} from './thresholds/catalogue.js';
export {
  gatherThresholds,
  loadThresholdFile,
  thresholdsFromJsonText,
} from './thresholds/config-file.js';
export {
  allPassed,
  evaluateThresholds,
  subjectOfResult,
  subjectOfWindow,
  withThresholds,
} from './thresholds/evaluate.js';
export { exitCodeFor, THRESHOLD_EXIT } from './thresholds/exit-code.js';
export {
  type Operator,
  parseThreshold,
  parseThresholds,
  type Threshold,
  ThresholdError,
} from './thresholds/parse.js';
export { type DataRule, DEFAULT_DATA_RULE, insufficientData } from './thresholds/sufficiency.js';
