import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  compareRuns,
  type DataRule,
  dataRuleFrom,
  evaluateThresholds,
  exitCodeFor,
  gatherThresholds,
  isStdout,
  mergeRunResults,
  type NamedResult,
  parseShardSource,
  parseThresholds,
  type RunResult,
  readRunJson,
  readShardSource,
  renderCompareHtmlReport,
  renderComparisonRows,
  subjectOfResult,
  type Threshold,
  type ThresholdVerdict,
  withThresholds,
  writeHtmlReport,
  writeJsonOutput,
  writeRunJson,
} from '../../simulator/index.js';
import { EXIT } from '../cli/exit-codes.js';
import { UsageError } from '../cli/usage-error.js';
import { renderRunSummary, terminalSafe, thresholdLines } from '../render/run-summary.js';
import { renderColumns } from '../render/table.js';
import type { GateOptions } from './report.js';

/**
 * The actions of `smc report`, loaded only when one runs: they need the simulator's front
 * door, which `smc --help` and the other commands should not pay for.
 */

/** `smc report show`: the summary of a stored result, its gates judged again. */
export async function reportShow(
  file: string,
  options: GateOptions & { html?: string },
): Promise<number> {
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
}

/** `smc report merge`: shard results (files, folders, blob containers) into one. */
export async function reportMerge(
  files: string[],
  options: GateOptions & { from: string[]; json: string; html?: string },
): Promise<number> {
  const sources = options.from.map((text) => parseShardSource(text, '--from'));
  const thresholds = await gatherThresholds(options.threshold, options.thresholdsFile);
  const listed = await Promise.all(
    files.map(async (name) => ({ name, result: await readRunJson(name) })),
  );
  const gathered: NamedResult[] = [];
  // One source after another: a blob container is listed and read in order, never all at once.
  for (const source of sources) {
    gathered.push(
      ...(await readShardSource(source, process.env, '--from', [options.json, options.html ?? ''])),
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
  const merged = judged(mergeRunResults(inputs), thresholds, dataRuleFrom(options.minReplications));
  await writeRunJson(options.json, merged);
  if (options.html) await writeHtmlReport(options.html, merged);
  (isStdout(options.json) ? process.stderr : process.stdout).write(renderRunSummary(merged));
  return exitCodeFor(merged.thresholds ?? []);
}

/** `smc report compare`: before against after, with a verdict and the gates on after. */
export async function reportCompare(
  beforeFile: string,
  afterFile: string,
  options: GateOptions & {
    tolerance: string;
    failOnRegression?: boolean;
    json?: string;
    html?: string;
  },
): Promise<number> {
  if (options.html)
    await access(path.dirname(options.html)).catch(() => {
      throw new UsageError(`--html: the folder of ${options.html} does not exist`);
    });
  const tolerance = parseTolerance(options.tolerance);
  const thresholds = await gatherThresholds(options.threshold, options.thresholdsFile);
  const [before, after] = await Promise.all([readRunJson(beforeFile), readRunJson(afterFile)]);
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
