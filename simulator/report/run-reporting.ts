import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunMetrics, RunResult, SecondSample } from '../metrics/contract.js';
import { createRunMetrics } from '../metrics/run-metrics.js';
import { parseWhole } from '../run/flag-rules.js';
import { simulationRunMeta } from '../run/run-meta.js';
import type { SimulationOutcome } from '../run/run-simulation.js';
import type { SimulationOptions } from '../run/simulation-options.js';
import {
  type DataRule,
  DEFAULT_DATA_RULE,
  evaluateThresholds,
  exitCodeFor,
  gatherThresholds,
  subjectOfResult,
  type Threshold,
  withThresholds,
} from '../thresholds.js';
import { createProgressLine, type ProgressLine, type ProgressStream } from './progress-line.js';
import { writeHtmlReport, writeRunJson } from './result-file.js';

/** What a run is judged by and where its files go; field names are the flags a user types. */
export interface ReportingFlags {
  readonly threshold: readonly string[];
  readonly thresholdsFile?: string;
  readonly json?: string;
  readonly html?: string;
  /** `--min-replications`: fewer completed replications fail every gate. */
  readonly minReplications?: string;
}

/**
 * The measuring half of a run: thresholds are parsed before any work (a typo is bad input,
 * never a gate that silently passes), output folders are checked up front, and the end of
 * the run judges the gates, writes the files and gives the gate's exit code (0 pass, 99 a
 * threshold failed). Bad input is a RangeError naming the flag; the caller prints.
 */
export class RunReporting {
  private progress: ProgressLine | undefined;

  private constructor(
    private readonly flags: ReportingFlags,
    readonly thresholds: readonly Threshold[],
    readonly dataRule: DataRule,
  ) {}

  static async prepare(flags: ReportingFlags): Promise<RunReporting> {
    let thresholds: Threshold[];
    try {
      thresholds = await gatherThresholds([...flags.threshold], flags.thresholdsFile);
    } catch (error) {
      // An unreadable --thresholds-file is bad input too, not a failed run.
      throw new RangeError((error as Error).message);
    }
    for (const [file, flag] of [
      [flags.json, '--json'],
      [flags.html, '--html'],
    ] as const) {
      if (file)
        await access(dirname(file)).catch(() => {
          throw new RangeError(`${flag}: the folder of ${file} does not exist`);
        });
    }
    return new RunReporting(flags, thresholds, dataRuleFrom(flags.minReplications));
  }

  /**
   * A started recorder with a live progress line on `progress` (a plain line every 10 s off
   * a TTY); `onSecond` also gets every closed second (the rehearsal feeds the web console).
   */
  createRecorder(
    options: SimulationOptions,
    progressStream: ProgressStream,
    onSecond?: (sample: SecondSample) => void,
  ): RunMetrics {
    const progress = createProgressLine(progressStream);
    this.progress = progress;
    const metrics = createRunMetrics({
      lateThresholdMs: options.lateThresholdMs,
      onSecond: (sample, totals) => {
        progress.update(sample, totals);
        onSecond?.(sample);
      },
    });
    metrics.start();
    return metrics;
  }

  /**
   * Closes the run: the judged result goes to `summarise` (the caller prints it), then to the
   * --json/--html files; returns the result and the gate's exit code.
   */
  async finish(
    options: SimulationOptions,
    outcome: SimulationOutcome,
    metrics: RunMetrics,
    summarise: (result: RunResult) => void,
  ): Promise<{ result: RunResult; exitCode: number }> {
    metrics.stop();
    this.progress?.done();
    const raw = metrics.finish(simulationRunMeta(options, outcome, new Date()));
    const result = withThresholds(
      raw,
      evaluateThresholds(this.thresholds, subjectOfResult(raw), this.dataRule),
    );
    summarise(result);
    if (this.flags.json) await writeRunJson(this.flags.json, result);
    if (this.flags.html) await writeHtmlReport(this.flags.html, result);
    return { result, exitCode: exitCodeFor(result.thresholds ?? []) };
  }
}

/** `--min-replications` (default 100): the not-enough-data rule every gate obeys. */
export function dataRuleFrom(text: string | undefined): DataRule {
  if (text === undefined) return DEFAULT_DATA_RULE;
  return {
    ...DEFAULT_DATA_RULE,
    minReplications: parseWhole(text, '--min-replications', 1, 100_000_000),
  };
}
