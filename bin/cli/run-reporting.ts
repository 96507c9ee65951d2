import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import type {
  RunMetrics,
  RunResult,
  SecondSample,
  SimulationOptions,
  SimulationOutcome,
} from '../../simulator/index.js';
import {
  createProgressLine,
  createRunMetrics,
  type DataRule,
  DEFAULT_DATA_RULE,
  evaluateThresholds,
  exitCodeFor,
  gatherThresholds,
  isStdout,
  type ProgressLine,
  parseWhole,
  simulationRunMeta,
  subjectOfResult,
  type Threshold,
  withThresholds,
  writeHtmlReport,
  writeRunJson,
} from '../../simulator/index.js';
import { renderRunSummary } from '../render/run-summary.js';
import { UsageError } from './usage-error.js';

export interface ReportingFlags {
  readonly threshold: readonly string[];
  readonly thresholdsFile?: string;
  readonly json?: string;
  readonly html?: string;
  /** `--min-replications`: fewer completed replications fail every gate. */
  readonly minReplications?: string;
}

/**
 * The measuring half of a run, shared by `smc simulate` and `smc rehearse`: thresholds are
 * parsed before any work (a typo is exit 2, never a gate that silently passes), output
 * folders are checked up front, and the end of the run prints the summary, writes the
 * files and returns the gate's exit code (0 pass, 99 a threshold failed).
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
      throw new UsageError((error as Error).message);
    }
    for (const [file, flag] of [
      [flags.json, '--json'],
      [flags.html, '--html'],
    ] as const) {
      if (file)
        await access(dirname(file)).catch(() => {
          throw new UsageError(`${flag}: the folder of ${file} does not exist`);
        });
    }
    return new RunReporting(flags, thresholds, dataRuleFrom(flags.minReplications));
  }

  /**
   * A started recorder with a live progress line on stderr (a plain line every 10 s off a
   * TTY); `onSecond` also gets every closed second (the rehearsal feeds the web console).
   */
  createRecorder(
    options: SimulationOptions,
    onSecond?: (sample: SecondSample) => void,
  ): RunMetrics {
    const progress = createProgressLine(process.stderr);
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

  /** Closes the run: summary on stdout, --json/--html files, the gate's exit code. */
  async finish(
    options: SimulationOptions,
    outcome: SimulationOutcome,
    metrics: RunMetrics,
    // With --json - the JSON owns stdout; the human summary moves to stderr.
    write: (text: string) => void = (text) =>
      (isStdout(this.flags.json) ? process.stderr : process.stdout).write(text),
  ): Promise<{ result: RunResult; exitCode: number }> {
    metrics.stop();
    this.progress?.done();
    const raw = metrics.finish(simulationRunMeta(options, outcome, new Date()));
    const result = withThresholds(
      raw,
      evaluateThresholds(this.thresholds, subjectOfResult(raw), this.dataRule),
    );
    write(renderRunSummary(result));
    if (this.flags.json) await writeRunJson(this.flags.json, result);
    if (this.flags.html) await writeHtmlReport(this.flags.html, result);
    return { result, exitCode: exitCodeFor(result.thresholds ?? []) };
  }
}

/** `--min-replications` (default 100): the not-enough-data rule every gate obeys. */
export function dataRuleFrom(text: string | undefined): DataRule {
  if (text === undefined) return DEFAULT_DATA_RULE;
  try {
    return {
      ...DEFAULT_DATA_RULE,
      minReplications: parseWhole(text, '--min-replications', 1, 100_000_000),
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
