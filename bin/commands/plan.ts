import { type Command, Option } from 'commander';
import { PHASES, PLATFORMS, planDeployment } from '../../sizing/index.js';
import { durationSecondsFlag, numberish } from '../cli/flags.js';
import { runAction } from '../cli/run-action.js';
import { renderPlanText } from '../render/plan-text.js';

/** Model field -> the flag that sets it, for error messages. */
const FLAGS = {
  clients: '--clients',
  mobileDevices: '--mobile-devices',
  offices: '--offices',
  platform: '--platform',
  highAvailability: '--ha',
  phase: '--phase',
  replicationIntervalSeconds: '--interval',
};

interface PlanOptions {
  clients?: number | string;
  mobileDevices?: number | string;
  offices?: number | string;
  platform?: string;
  ha?: boolean;
  phase?: string;
  interval?: number;
  json?: boolean;
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .summary('size a deployment from a client count')
    .description(
      'Size a deployment from the ESMC 7 guide tables: tier, replication intervals and rates, database placement, machines (and their Azure sizes), proxies, warnings.',
    )
    .requiredOption('--clients <n>', 'desktop and server agents (1 to 10,000,000)', numberish)
    .option('--mobile-devices <n>', 'phones and tablets behind the MDM connector', numberish, 0)
    .option('--offices <n>', 'branch offices that reach the server through a proxy', numberish, 0)
    .addOption(new Option('--platform <name>', 'where it runs').choices(PLATFORMS).default('azure'))
    .option(
      '--ha',
      'high availability: server pair and replicated database (default: on above 50,000 clients)',
    )
    .option('--no-ha', 'single server and database even for large tiers')
    .addOption(
      new Option('--phase <name>', "which of the guide's intervals applies")
        .choices(PHASES)
        .default('steady'),
    )
    .option(
      '--interval <duration>',
      "override the guide's interval, e.g. 90s, 10m, 1h",
      durationSecondsFlag('--interval'),
    )
    .option('--json', 'print only the plan as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  smc plan --clients 20000\n  smc plan --clients 150000 --offices 12 --mobile-devices 500 --json\n  smc plan --clients 5000 --platform vms --phase deployment --interval 8m',
    )
    .action((options: PlanOptions) =>
      runAction(() => {
        const plan = planDeployment({
          clients: options.clients,
          mobileDevices: options.mobileDevices,
          offices: options.offices,
          platform: options.platform,
          phase: options.phase,
          ...(options.ha === undefined ? {} : { highAvailability: options.ha }),
          ...(options.interval === undefined
            ? {}
            : { replicationIntervalSeconds: options.interval }),
        });
        process.stdout.write(
          options.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlanText(plan),
        );
        return 0;
      }, FLAGS),
    );
}
