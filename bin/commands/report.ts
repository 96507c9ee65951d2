import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { RunResult, ThresholdVerdict } from '../../simulator/metrics/run-result.js';
import { compareRuns, DEFAULT_TOLERANCE } from '../../simulator/report/compare.js';
import { renderComparisonRows } from '../../simulator/report/compare-text.js';
import { mergeRunResults } from '../../simulator/report/merge.js';
import { readRunJson, writeHtmlReport, writeRunJson } from '../../simulator/report/result-file.js';
import {
  evaluateThresholds,
  exitCodeFor,
  gatherThresholds,
  subjectOfResult,
  type Threshold,
  withThresholds,
} from '../../simulator/thresholds.js';
import { EXIT } from '../cli/exit-codes.js';
import { runAction } from '../cli/run-action.js';
import { UsageError } from '../cli/usage-error.js';
import { renderRunSummary, terminalSafe, thresholdLines } from '../render/run-summary.js';
import { renderColumns } from '../render/table.js';

interface GateOptions {
  threshold: string[];
  thresholdsFile?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function gateOptions(command: Command): Command {
  return command
    .option(
      '--threshold <expr>',
      "a gate, e.g. 'p99<250ms' or 'errors<0.1%' (repeatable)",
      collect,
      [],
    )
    .option('--thresholds-file <file>', 'JSON file: { "thresholds": ["p99<250ms", ...] }');
}

export function registerReportCommand(program: Command): void {
  const report = program
    .command('report')
    .summary('show, merge and compare simulator results')
    .description(
      'Work with the JSON results `smc simulate --json` writes: print them again, merge shards, compare before and after.',
    );

  gateOptions(
    report
      .command('show')
      .summary('print the summary of a result again')
      .argument('<result>', 'a result file from smc simulate --json')
      .option('--html <file>', 'also write the HTML report'),
  ).action((file: string, options: GateOptions & { html?: string }) =>
    runAction(async () => {
      const thresholds = await gatherThresholds(options.threshold, options.thresholdsFile);
      const result = judged(await readRunJson(file), thresholds);
      process.stdout.write(renderRunSummary(result));
      if (options.html) await writeHtmlReport(options.html, result);
      return exitCodeFor(result.thresholds ?? []);
    }),
  );

  gateOptions(
    report
      .command('merge')
      .summary('merge the results of --shard i/n runs into one')
      .argument('<results...>', 'two or more result files')
      .requiredOption('--json <file>', 'where to write the merged result')
      .option('--html <file>', 'also write the HTML report of the merged run')
      .addHelpText(
        'after',
        '\nExample:\n  smc report merge shard-1.json shard-2.json --json all.json --html all.html --threshold p99<250ms',
      ),
  ).action((files: string[], options: GateOptions & { json: string; html?: string }) =>
    runAction(async () => {
      if (files.length < 2) throw new UsageError('report merge: give two or more result files');
      const thresholds = await gatherThresholds(options.threshold, options.thresholdsFile);
      const inputs = await Promise.all(
        files.map(async (name) => ({ name, result: await readRunJson(name) })),
      );
      const merged = judged(mergeRunResults(inputs), thresholds);
      await writeRunJson(options.json, merged);
      if (options.html) await writeHtmlReport(options.html, merged);
      process.stdout.write(renderRunSummary(merged));
      return exitCodeFor(merged.thresholds ?? []);
    }),
  );

  gateOptions(
    report
      .command('compare')
      .summary('compare two results (before and after a rollout) and give a verdict')
      .argument('<before>', 'the baseline result')
      .argument('<after>', 'the result to judge')
      .option(
        '--tolerance <ratio>',
        'moves smaller than this are "same" (5% or 0.05)',
        `${DEFAULT_TOLERANCE * 100}%`,
      )
      .option('--fail-on-regression', 'exit 99 when the verdict is worse')
      .option('--json <file>', 'write the comparison (and threshold results) as JSON')
      .addHelpText(
        'after',
        '\nThresholds are judged on <after>. Exit codes: 0 ok, 99 a threshold failed (or worse with\n--fail-on-regression), 2 bad usage or input.',
      ),
  ).action(
    (
      beforeFile: string,
      afterFile: string,
      options: GateOptions & { tolerance: string; failOnRegression?: boolean; json?: string },
    ) =>
      runAction(async () => {
        const tolerance = parseTolerance(options.tolerance);
        const thresholds = await gatherThresholds(options.threshold, options.thresholdsFile);
        const [before, after] = await Promise.all([
          readRunJson(beforeFile),
          readRunJson(afterFile),
        ]);
        const comparison = compareRuns(before, after, tolerance);
        const verdicts = evaluateThresholds(thresholds, subjectOfResult(after));
        const lines = [
          `smc report compare: ${terminalSafe(beforeFile)} -> ${terminalSafe(afterFile)} (tolerance ${formatTolerance(tolerance)})`,
          `  before: ${sideText(before)}`,
          `  after:  ${sideText(after)}`,
          '',
          ...renderColumns(
            ['figure', 'before', 'after', 'change', 'judgement'],
            renderComparisonRows(comparison),
          ).map((l) => `  ${l}`),
          '',
          `Comparison: ${comparison.verdict.toUpperCase()}`,
          ...comparison.notes.map((n) => `  note: ${terminalSafe(n)}`),
        ];
        if (verdicts.length > 0) lines.push('', ...thresholdLines(verdicts));
        process.stdout.write(`${lines.join('\n')}\n`);
        if (options.json) {
          await writeFile(
            options.json,
            `${JSON.stringify({ comparison, thresholds: verdicts }, null, 2)}\n`,
            'utf8',
          );
        }
        const regression = options.failOnRegression === true && comparison.verdict === 'worse';
        return regression ? EXIT.thresholdsFailed : exitCodeFor(verdicts);
      }),
  );
}

/** Thresholds given on the command line win over any the result carried. */
function judged(result: RunResult, thresholds: readonly Threshold[]): RunResult {
  if (thresholds.length === 0) return result;
  const verdicts: ThresholdVerdict[] = evaluateThresholds(thresholds, subjectOfResult(result));
  return withThresholds(result, verdicts);
}

function parseTolerance(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!(value >= 0 && value < 1)) {
    throw new UsageError(
      `--tolerance: must be a share below 100%, e.g. 5% or 0.05 (got ${JSON.stringify(text)})`,
    );
  }
  return value;
}

const formatTolerance = (t: number) => `${Math.round(t * 1_000) / 10}%`;

function sideText(result: RunResult): string {
  const { meta } = result;
  return terminalSafe(
    `${meta.mode} run, ${meta.agents} agents, ${meta.target}, started ${meta.startedAt}`,
  );
}
