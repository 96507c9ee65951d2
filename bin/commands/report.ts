import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import type { RunResult, ThresholdVerdict } from '../../simulator/metrics/run-result.js';
import { compareRuns, DEFAULT_TOLERANCE } from '../../simulator/report/compare.js';
import { renderComparisonRows } from '../../simulator/report/compare-text.js';
import { renderCompareHtmlReport } from '../../simulator/report/html/compare-page.js';
import { mergeRunResults, type NamedResult } from '../../simulator/report/merge.js';
import {
  isStdout,
  readRunJson,
  writeHtmlReport,
  writeJsonOutput,
  writeRunJson,
} from '../../simulator/report/result-file.js';
import {
  CONNECTION_STRING_ENV,
  parseShardSource,
  REPORTS_SAS_ENV,
  readShardSource,
} from '../../simulator/report/shard-sources.js';
import {
  type DataRule,
  evaluateThresholds,
  exitCodeFor,
  gatherThresholds,
  parseThresholds,
  subjectOfResult,
  type Threshold,
  withThresholds,
} from '../../simulator/thresholds.js';
import { EXIT } from '../cli/exit-codes.js';
import { runAction } from '../cli/run-action.js';
import { dataRuleFrom } from '../cli/run-reporting.js';
import { UsageError } from '../cli/usage-error.js';
import { renderRunSummary, terminalSafe, thresholdLines } from '../render/run-summary.js';
import { renderColumns } from '../render/table.js';

interface GateOptions {
  threshold: string[];
  thresholdsFile?: string;
  minReplications?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function gateOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--threshold <expr>',
        "a gate, e.g. --threshold 'p99<250ms' or --threshold 'errors<0.1%' (repeatable)",
      )
        .argParser(collect)
        .default([], 'none'),
    )
    .option('--thresholds-file <file>', 'JSON file: { "thresholds": ["p99<250ms", ...] }')
    .option(
      '--min-replications <n>',
      'a gate on fewer completed replications fails: not enough data (default 100; a fleet run must also cover one interval)',
    );
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
      const stored = await readRunJson(file);
      // Gates the run carried are judged again, so a result saved by an older smc (or with
      // another --min-replications) cannot keep a pass on too little data.
      const gates =
        thresholds.length > 0
          ? thresholds
          : parseThresholds((stored.thresholds ?? []).map((t) => t.expression));
      const result = judged(stored, gates, dataRuleFrom(options.minReplications));
      process.stdout.write(renderRunSummary(result));
      if (options.html) await writeHtmlReport(options.html, result);
      return exitCodeFor(result.thresholds ?? []);
    }),
  );

  gateOptions(
    report
      .command('merge')
      .summary('merge the results of --shard i/n runs into one')
      .argument('[results...]', 'result files (two or more in all, with --from)')
      .addOption(
        new Option(
          '--from <source>',
          `shard reports from a folder (its *.json), a blob container URL (SAS in ${REPORTS_SAS_ENV}), or blob:CONTAINER (${CONNECTION_STRING_ENV}); repeatable`,
        )
          .argParser(collect)
          .default([], 'none'),
      )
      .requiredOption('--json <file>', 'where to write the merged result (- for stdout)')
      .option('--html <file>', 'also write the HTML report of the merged run')
      .addHelpText(
        'after',
        [
          '',
          'Examples:',
          "  smc report merge shard-1.json shard-2.json --json all.json --html all.html --threshold 'p99<250ms'",
          '  smc report merge --from reports/ --json all.json',
          `  ${REPORTS_SAS_ENV}='sv=...&sp=rl&sig=...' smc report merge --from https://ACCOUNT.blob.core.windows.net/loadgen-reports --json all.json`,
        ].join('\n'),
      ),
  ).action(
    (files: string[], options: GateOptions & { from: string[]; json: string; html?: string }) =>
      runAction(async () => {
        const sources = options.from.map((text) => parseShardSource(text, '--from'));
        const thresholds = await gatherThresholds(options.threshold, options.thresholdsFile);
        const listed = await Promise.all(
          files.map(async (name) => ({ name, result: await readRunJson(name) })),
        );
        const gathered: NamedResult[] = [];
        // One source after another: a blob container is listed and read in order, never all at once.
        for (const source of sources) {
          gathered.push(
            ...(await readShardSource(source, process.env, '--from', [
              options.json,
              options.html ?? '',
            ])),
          );
        }
        const inputs = [...listed, ...gathered];
        if (inputs.length < 2) {
          throw new UsageError(
            sources.length > 0
              ? `--from: found ${inputs.length} result${inputs.length === 1 ? '' : 's'}; a merge needs two or more`
              : 'report merge: give two or more result files (or --from a folder or container)',
          );
        }
        const merged = judged(
          mergeRunResults(inputs),
          thresholds,
          dataRuleFrom(options.minReplications),
        );
        await writeRunJson(options.json, merged);
        if (options.html) await writeHtmlReport(options.html, merged);
        (isStdout(options.json) ? process.stderr : process.stdout).write(renderRunSummary(merged));
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
      .option(
        '--fail-on-regression',
        "exit 99 when the verdict is worse (or, against a rehearsal's fleet.json, the deployment misses its projection)",
      )
      .option(
        '--json <file>',
        'write the comparison (and threshold results) as JSON (- for stdout)',
      )
      .option('--html <file>', 'write both runs side by side as an HTML report (charts and table)')
      .addHelpText(
        'after',
        "\nThresholds are judged on <after>. With a rehearsal's fleet.json as <before>, the comparison also\nsays whether <after> (smc simulate against the deployed server) meets the rehearsal's projection.\nExit codes: 0 ok, 99 a threshold failed (or worse / projection missed with --fail-on-regression),\n2 bad usage or input.",
      ),
  ).action(
    (
      beforeFile: string,
      afterFile: string,
      options: GateOptions & {
        tolerance: string;
        failOnRegression?: boolean;
        json?: string;
        html?: string;
      },
    ) =>
      runAction(async () => {
        if (options.html)
          await access(path.dirname(options.html)).catch(() => {
            throw new UsageError(`--html: the folder of ${options.html} does not exist`);
          });
        const tolerance = parseTolerance(options.tolerance);
        const thresholds = await gatherThresholds(options.threshold, options.thresholdsFile);
        const [before, after] = await Promise.all([
          readRunJson(beforeFile),
          readRunJson(afterFile),
        ]);
        const comparison = compareRuns(before, after, tolerance);
        const verdicts = evaluateThresholds(
          thresholds,
          subjectOfResult(after),
          dataRuleFrom(options.minReplications),
        );
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
          ...(comparison.projection
            ? [
                '',
                `Projection (${comparison.projection.basis}): ${comparison.projection.meets ? 'MEETS' : 'DOES NOT MEET'}: ${terminalSafe(comparison.projection.reason)}`,
                `  model: ${terminalSafe(comparison.projection.model)}`,
              ]
            : []),
        ];
        if (verdicts.length > 0) lines.push('', ...thresholdLines(verdicts));
        (isStdout(options.json) ? process.stderr : process.stdout).write(`${lines.join('\n')}\n`);
        if (options.json) await writeJsonOutput(options.json, { comparison, thresholds: verdicts });
        if (options.html)
          await writeFile(
            options.html,
            renderCompareHtmlReport({
              before,
              after,
              beforeName: beforeFile,
              afterName: afterFile,
              comparison,
              thresholds: verdicts,
            }),
            'utf8',
          );
        const regression =
          options.failOnRegression === true &&
          (comparison.verdict === 'worse' || comparison.projection?.meets === false);
        return regression ? EXIT.thresholdsFailed : exitCodeFor(verdicts);
      }),
  );
}

/** Thresholds given on the command line win over any the result carried. */
function judged(result: RunResult, thresholds: readonly Threshold[], rule: DataRule): RunResult {
  if (thresholds.length === 0) return result;
  const verdicts: ThresholdVerdict[] = evaluateThresholds(
    thresholds,
    subjectOfResult(result),
    rule,
  );
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
