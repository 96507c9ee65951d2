import type { Command } from 'commander';
import type { PurgeSimulatedResponse } from '../../protocol/index.js';
import { readAdminCredentials } from '../cli/admin-credentials.js';
import { consoleRequest } from '../cli/console-client.js';
import { runAction } from '../cli/run-action.js';

/** `smc admin purge-simulated`: after an after-rollout run, leave production as it was. */
export function registerPurgeCommand(admin: Command): void {
  admin
    .command('purge-simulated')
    .description(
      'Delete every simulated agent (enrolled with a simulation token: smc simulate, smc rehearse, smc admin enrollment-token --simulation) and everything it stored: its computer, logs, inventory, task targets and clone questions, plus the simulation tokens. Real agents are not touched.',
    )
    .option('--data-dir <dir>', 'server data folder (reads the admin token and CA from it)', '.smc')
    .option('--console-url <url>', 'console API', 'https://127.0.0.1:2223')
    .option('--json', 'print what was deleted as JSON')
    .action((options: { dataDir: string; consoleUrl: string; json?: boolean }) =>
      runAction(async () => {
        const { token, ca } = await readAdminCredentials(options.dataDir, "the server's");
        const purged = await consoleRequest<PurgeSimulatedResponse>({
          baseUrl: options.consoleUrl,
          path: '/api/simulation/purge',
          method: 'POST',
          token,
          ca,
          // A large simulated fleet's logs take a while to delete.
          timeoutMs: 600_000,
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(purged)}\n`
            : `deleted ${purged.agents} simulated agents: ${purged.computers} computers, ${purged.logs} logs, ${purged.inventories} inventories, ${purged.taskTargets} task targets, ${purged.cloneQuestions} clone questions; ${purged.tokens} simulation tokens (${purged.seconds.toFixed(1)} s)\n`,
        );
        return 0;
      }),
    );
}
