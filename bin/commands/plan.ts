import { type Command, Option } from 'commander';
import { DATABASE_ENGINES, planDeployment } from '../../sizing/index.js';
import {
  addPlanOptions,
  PLAN_FLAGS,
  type PlanFlagValues,
  planInputFrom,
} from '../cli/plan-options.js';
import { runAction } from '../cli/run-action.js';
import { renderPlanText } from '../render/plan-text.js';

interface PlanOptions extends PlanFlagValues {
  json?: boolean;
}

export function registerPlanCommand(program: Command): void {
  const command = program
    .command('plan')
    .summary('size a deployment from a client count')
    .description(
      'Size a deployment from the ESMC 7 guide tables: tier, replication intervals and rates, database placement, machines (and their Azure sizes), proxies, warnings.',
    );
  addPlanOptions(command)
    .addOption(
      new Option(
        '--database <engine>',
        'azure only: citus = a Cosmos DB for PostgreSQL cluster, logs sharded by agent id, for databases past one Flexible Server',
      ).choices(DATABASE_ENGINES),
    )
    .option('--json', 'print only the plan as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  smc plan --clients 20000\n  smc plan --clients 150000 --offices 12 --mobile-devices 500 --json\n  smc plan --clients 5000 --platform vms --phase deployment --interval 8m',
    )
    .action((options: PlanOptions) =>
      runAction(() => {
        const plan = planDeployment(planInputFrom(options));
        process.stdout.write(
          options.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlanText(plan),
        );
        return 0;
      }, PLAN_FLAGS),
    );
}
