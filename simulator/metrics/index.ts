/** The measuring half of the simulator: what generators record into and what reports read. */
export * from './contract.js';
export {
  createProcessProbe,
  DEFAULT_GENERATOR_LIMITS,
  type GeneratorHealth,
  type GeneratorLimits,
  type GeneratorProbe,
  type GeneratorReading,
  judgeGeneratorHealth,
} from './generator-health.js';
export {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  type LatencySummary,
  mergeEncodedHistograms,
  summariseHistogram,
} from './histogram.js';
export { MetricsRegistry, type RegistrySnapshot } from './registry.js';
export { OUTCOMES, type OutcomeCounts, type ReplicationFigures } from './replication-figures.js';
export { RUN_MODES } from './run-meta-check.js';
export { createRunMetrics, type RunMetricsOptions, type RunTotals } from './run-metrics.js';
export {
  type DerivedFigures,
  type EncodedHistograms,
  type LogFigures,
  type ResultSource,
  RUN_RESULT_KIND,
  RUN_RESULT_SCHEMA_VERSION,
  type ThresholdVerdict,
  type TimelineMark,
} from './run-result.js';
export { parseRunResult } from './run-result-check.js';
export type { MetricsWindow, WindowFigures } from './window.js';
