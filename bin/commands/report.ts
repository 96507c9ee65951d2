import { type Command, Option } from 'commander';
// Flag help only, read at registration: the constants' own modules, not the simulator's door,
// so `smc --help` does not load faker and MQTT (see test/design/front-doors.test.ts).
import { DEFAULT_TOLERANCE } from '../../simulator/report/compare.js';
import { CONNECTION_STRING_ENV, REPORTS_SAS_ENV } from '../../simulator/report/shard-sources.js';
import { runAction } from '../cli/run-action.js';

export interface GateOptions {
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
      const { reportShow } = await import('./report-run.js');
      return reportShow(file, options);
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
        const { reportMerge } = await import('./report-run.js');
        return reportMerge(files, options);
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
        const { reportCompare } = await import('./report-run.js');
        return reportCompare(beforeFile, afterFile, options);
      }),
  );
}
