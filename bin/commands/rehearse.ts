import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { formatSeconds, planDeployment, type SizingPlan } from '../../sizing/index.js';
import { EXIT } from '../cli/exit-codes.js';
import { durationOption, positiveIntegerFlag, positiveNumberFlag } from '../cli/flags.js';
import { ensureOutputDir } from '../cli/output-dir.js';
import {
  addPlanOptions,
  PLAN_FLAGS,
  type PlanFlagValues,
  planInputFrom,
} from '../cli/plan-options.js';
import { runAction } from '../cli/run-action.js';
import { UsageError } from '../cli/usage-error.js';

interface RehearseFlags extends PlanFlagValues {
  capacityAgents?: number;
  maxRate?: number;
  fleetSeconds?: number;
  stormWindow?: number;
  generators?: number;
  serverWorkers?: number;
  identities?: string;
  reportDir: string;
  keep?: boolean;
  hold: number;
  json?: boolean;
  serverArg: string[];
  wakeups: 'on' | 'off';
  upgrade?: string;
  upgradeAgents: number;
}

export function registerRehearseCommand(program: Command): void {
  const command = program
    .command('rehearse')
    .summary(
      'tell before rollout whether the plan holds: real server, real PostgreSQL, the whole fleet',
    )
    .description(
      "Size the deployment (as smc plan), start the real server on an embedded PostgreSQL in a temporary folder and play the plan's whole fleet against it, one generator process per core: every agent enrolls and opens its own persistent session (warm-up, not measured); the database is filled to the plan's steady state (30 logs of history per client); a capacity search (p99 < 250 ms, errors < 0.1 %) is bisected to a bracket; the fleet runs at the plan's interval, time-compressed so each agent replicates 3+ times; a reconnect storm brings every client back within one jitter window; every pending log is drained and every acknowledged one checked. Reports (JSON + HTML) and verdict.json go to --report-dir.",
    );
  addPlanOptions(command, { clientsDefault: 1_000 })
    .option(
      '--capacity-agents <n>',
      'agents that drive the capacity search (at most --clients; default 2,000)',
      positiveIntegerFlag('--capacity-agents', 100_000),
    )
    .option(
      '--max-rate <r/s>',
      'stop the capacity search at this rate even if nothing broke (default 50,000/s)',
      positiveNumberFlag('--max-rate'),
    )
    .addOption(
      durationOption(
        '--fleet-seconds <duration>',
        'wall-clock length of the measured fleet run, e.g. 20s or 20 (default: long enough for 3 replications per agent at half the measured capacity)',
        undefined,
        { min: 1, max: 3_600 },
      ),
    )
    .addOption(
      durationOption(
        '--storm-window <duration>',
        "the window every client comes back in during the storm (default the plan's jitter window, as its peak assumes; shorter is a harsher storm)",
        undefined,
        { min: 1 },
      ),
    )
    .option(
      '--generators <n>',
      'load generator processes (default one per core)',
      positiveIntegerFlag('--generators', 64),
    )
    .option(
      '--server-workers <n>',
      'server processes (smc serve --workers) [default: 1, or as many as the sessions need within the open-files limit]',
      positiveIntegerFlag('--server-workers', 64),
    )
    .option(
      '--identities <dir>',
      "keep the fleet's identities (and the CA that signed them) here and reuse them next time",
    )
    .addOption(
      new Option(
        '--wakeups <on|off>',
        "during the fleet run every agent holds an MQTT push session on the server's broker and task probes measure task delivery latency (created -> result received) beside the replication figures; off: no push sessions, no probe",
      )
        .choices(['on', 'off'])
        .default('on'),
    )
    .option('--report-dir <dir>', 'where the reports go', 'reports/rehearsal')
    .option('--keep', 'keep the temporary server folder (database, PKI) for a look afterwards')
    .addOption(
      durationOption(
        '--hold <duration>',
        'keep the server (and its web console) up this long after the verdict, e.g. 60s',
        0,
      ),
    )
    .option('--json', 'print the verdict as JSON instead of text')
    .option(
      '--upgrade <FROM..TO>',
      'rehearse a rolling upgrade instead: two local servers (FROM, one migration behind) on one database behind a balancer, the fleet replicating, then each node drained, restarted as TO (applying the migration) and put back; reports errors, 503s, p99 during the change and acknowledged logs lost (must be 0)',
    )
    .option(
      '--upgrade-agents <n>',
      'with --upgrade: agents in the fleet',
      positiveIntegerFlag('--upgrade-agents', 50_000),
      2_000,
    )
    .addOption(
      // Tests slow the server on purpose with this; not for planning.
      new Option('--server-arg <arg>', 'pass a flag to the smc serve child (repeatable)')
        .argParser((value: string, previous: string[] = []) => [...previous, value])
        .default([])
        .hideHelp(),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 pass, 99 marginal or fail, 98 inconclusive (the load generator limited the run: rerun on a quieter machine, or play the fleet from several machines with smc simulate --shard), 2 bad usage, 1 run error.\n\nExamples:\n  smc rehearse                              # 1,000 clients\n  smc rehearse --clients 20000              # the 10,001-50,000 tier, ~10 minutes\n  smc rehearse --clients 50000 --identities .smc/rehearsal-ids\n  smc rehearse --upgrade 0.1.0..0.2.0       # rolling upgrade of an HA pair, 2,000 agents',
    )
    .action((flags: RehearseFlags) =>
      runAction(async () => {
        if (flags.upgrade !== undefined) {
          const { rehearseUpgrade } = await import('./rehearse-upgrade.js');
          return rehearseUpgrade({ ...flags, upgrade: flags.upgrade });
        }
        return rehearse(planDeployment(planInputFrom(flags)), flags);
      }, PLAN_FLAGS),
    );
}

async function rehearse(plan: SizingPlan, flags: RehearseFlags): Promise<number> {
  // The rehearsal loads here so that other commands do not pay for it.
  const { runRehearsal } = await import('../../rehearsal/index.js');
  const { IdentityCacheMismatch } = await import('../../simulator/index.js');
  const { renderRehearsal } = await import('../render/rehearsal-verdict.js');
  const { renderRunSummary } = await import('../render/run-summary.js');
  const { holdFor } = await import('../cli/hold.js');
  const log = (line: string) => process.stderr.write(`smc rehearse: ${line}\n`);
  log(
    `${plan.input.clients.toLocaleString('en-US')} clients, ${plan.tier.label} tier: ${plan.replication.requiredRatePerSecond.toFixed(1)}/s required at a ${formatSeconds(plan.replication.intervalSeconds)} interval, storm peak ${plan.replication.peakRatePerSecond.toFixed(1)}/s`,
  );
  await ensureOutputDir(flags.reportDir, '--report-dir');
  // A signal mid-run stops the generators and the server child (and its PostgreSQL) first.
  const abort = new AbortController();
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the generators and the rehearsal server`);
    abort.abort();
    process.exitCode = signal === 'SIGINT' ? 130 : 143;
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let outcome: Awaited<ReturnType<typeof runRehearsal>>;
  try {
    outcome = await runRehearsal(plan, {
      reportDir: flags.reportDir,
      keep: flags.keep === true,
      log,
      ...(flags.capacityAgents !== undefined ? { capacityAgents: flags.capacityAgents } : {}),
      ...(flags.maxRate !== undefined ? { maxRatePerSecond: flags.maxRate } : {}),
      ...(flags.fleetSeconds !== undefined ? { fleetSeconds: flags.fleetSeconds } : {}),
      ...(flags.stormWindow !== undefined ? { stormWindowSeconds: flags.stormWindow } : {}),
      ...(flags.generators !== undefined ? { generators: flags.generators } : {}),
      ...(flags.serverWorkers !== undefined ? { serverWorkers: flags.serverWorkers } : {}),
      ...(flags.identities ? { identitiesDir: flags.identities } : {}),
      ...(flags.serverArg.length > 0 ? { serverArgs: flags.serverArg } : {}),
      wakeups: flags.wakeups === 'on',
      signal: abort.signal,
      beforeStop: async (verdict, consoleUrl) => {
        if (flags.hold <= 0 || abort.signal.aborted) return;
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
        log(
          `verdict ${verdict.verdict}; the console stays up for ${flags.hold} s at ${consoleUrl}/#/rehearsal (Ctrl-C ends it)`,
        );
        await holdFor(flags.hold);
      },
    });
  } catch (error) {
    if (abort.signal.aborted) return process.exitCode as number;
    if (error instanceof IdentityCacheMismatch) throw new UsageError(error.message);
    throw error;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
  await writeFile(
    path.join(flags.reportDir, 'verdict.json'),
    `${JSON.stringify(
      {
        plan,
        verdict: outcome.verdict,
        findings: outcome.findings,
        machine: outcome.machine,
        projection: outcome.projection,
        afterRollout: outcome.afterRollout,
        reports: outcome.reports,
        seconds: outcome.seconds,
        ...(outcome.devices ? { devices: outcome.devices } : {}),
      },
      (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value),
      2,
    )}\n`,
  );
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(outcome.verdict, null, 2)}\n`);
  } else {
    if (outcome.results.fleet) process.stdout.write(renderRunSummary(outcome.results.fleet));
    process.stdout.write(renderRehearsal(outcome, plan));
    process.stdout.write(
      `  reports             ${[...outcome.reports, path.join(flags.reportDir, 'verdict.json')].map((r) => path.relative(process.cwd(), r) || r).join(', ')}\n`,
    );
    process.stdout.write(`  took                ${Math.round(outcome.seconds)} s\n`);
  }
  const word = outcome.verdict.verdict;
  return word === 'pass'
    ? EXIT.ok
    : word === 'inconclusive'
      ? EXIT.inconclusive
      : EXIT.thresholdsFailed;
}
