import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { formatSeconds, planDeployment, type SizingPlan } from '../../sizing/index.js';
import { EXIT } from '../cli/exit-codes.js';
import { durationSecondsFlag, positiveIntegerFlag } from '../cli/flags.js';
import {
  addPlanOptions,
  PLAN_FLAGS,
  type PlanFlagValues,
  planInputFrom,
} from '../cli/plan-options.js';
import { runAction } from '../cli/run-action.js';

interface RehearseFlags extends PlanFlagValues {
  capacityAgents: number;
  fleetSeconds: number;
  reportDir: string;
  keep?: boolean;
  hold: number;
  json?: boolean;
}

export function registerRehearseCommand(program: Command): void {
  const command = program
    .command('rehearse')
    .summary(
      'find the replication limit before rollout: real server, real PostgreSQL, virtual agents',
    )
    .description(
      "Size the deployment (as smc plan), start the real server on an embedded PostgreSQL in a temporary folder, find its capacity (replications/s at p99 < 250 ms and errors < 0.1 %), play the plan's fleet at its interval (time-compressed) with every acknowledged log verified, and give a verdict: capacity, required rate, headroom, the interval the server can sustain for these clients. Reports (JSON + HTML) go to --report-dir.",
    );
  addPlanOptions(command, { clientsDefault: 1_000 })
    .option(
      '--capacity-agents <n>',
      'virtual agents that drive the capacity search (at most --clients)',
      positiveIntegerFlag('--capacity-agents', 100_000),
      1_000,
    )
    .option(
      '--fleet-seconds <n>',
      'wall-clock length of the fleet run',
      positiveIntegerFlag('--fleet-seconds', 3_600),
      20,
    )
    .option('--report-dir <dir>', 'where the reports go', 'reports/rehearsal')
    .option('--keep', 'keep the temporary server folder (database, PKI) for a look afterwards')
    .option(
      '--hold <duration>',
      'keep the server (and its web console) up this long after the verdict, e.g. 60s',
      durationSecondsFlag('--hold'),
      0,
    )
    .option('--json', 'print the verdict as JSON instead of text')
    .addHelpText(
      'after',
      '\nExit codes: 0 pass, 99 marginal or fail, 2 bad usage, 1 run error.\n\nExamples:\n  smc rehearse                      # 1,000 clients, about a minute\n  smc rehearse --clients 20000 --phase deployment --fleet-seconds 30',
    )
    .action((flags: RehearseFlags) =>
      runAction(async () => rehearse(planDeployment(planInputFrom(flags)), flags), PLAN_FLAGS),
    );
}

async function rehearse(plan: SizingPlan, flags: RehearseFlags): Promise<number> {
  // The rehearsal pieces load here so that other commands do not pay for them.
  const { runRehearsal } = await import('../rehearsal/run-rehearsal.js');
  const { renderVerdict } = await import('../rehearsal/verdict.js');
  const log = (line: string) => process.stderr.write(`smc rehearse: ${line}\n`);
  log(
    `${plan.input.clients.toLocaleString('en-US')} clients, ${plan.tier.label} tier: ${plan.replication.requiredRatePerSecond.toFixed(1)}/s required at a ${formatSeconds(plan.replication.intervalSeconds)} interval`,
  );
  await mkdir(flags.reportDir, { recursive: true });
  const outcome = await runRehearsal(plan, {
    capacityAgents: Math.min(flags.capacityAgents, plan.input.clients),
    fleetSeconds: flags.fleetSeconds,
    reportDir: flags.reportDir,
    keep: flags.keep === true,
    holdSeconds: flags.hold,
    log,
  });
  await writeFile(
    path.join(flags.reportDir, 'verdict.json'),
    `${JSON.stringify(
      {
        plan,
        verdict: outcome.verdict,
        reports: outcome.reports,
        ...(outcome.devices ? { devices: outcome.devices } : {}),
      },
      null,
      2,
    )}\n`,
  );
  if (flags.json) process.stdout.write(`${JSON.stringify(outcome.verdict, null, 2)}\n`);
  else {
    process.stdout.write(renderVerdict(outcome.verdict, plan));
    process.stdout.write(
      `  reports             ${outcome.reports.map((r) => path.relative(process.cwd(), r) || r).join(', ')}\n`,
    );
  }
  return outcome.verdict.verdict === 'pass' ? EXIT.ok : EXIT.thresholdsFailed;
}
