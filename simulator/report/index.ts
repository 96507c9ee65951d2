/** Reports of a run: summary pieces, JSON and HTML files, merge and compare. */
export {
  type Comparison,
  compareRuns,
  DEFAULT_TOLERANCE,
  type FigureDelta,
  type Judgement,
} from './compare.js';
export { renderComparisonRows } from './compare-text.js';
export * from './format.js';
export { type CompareReportInput, renderCompareHtmlReport } from './html/compare-page.js';
export { escapeHtml } from './html/escape.js';
export { renderHtmlReport } from './html/page.js';
export { MergeError, mergeRunResults, mergeSecondSamples, type NamedResult } from './merge.js';
export {
  createProgressLine,
  formatProgress,
  type ProgressLine,
  type ProgressOptions,
  type ProgressStream,
  type ProgressTotals,
} from './progress-line.js';
export {
  isStdout,
  readRunJson,
  writeHtmlReport,
  writeJsonOutput,
  writeRunJson,
} from './result-file.js';
export { dataRuleFrom, type ReportingFlags, RunReporting } from './run-reporting.js';
