import { type Command, InvalidArgumentError } from 'commander';
import { readAdminCredentials } from '../cli/admin-credentials.js';
import { consoleRequest } from '../cli/console-client.js';
import { runAction } from '../cli/run-action.js';

interface RevokeOptions {
  dataDir: string;
  consoleUrl: string;
  reason?: string;
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function agentIdArgument(value: string): string {
  const id = value.toLowerCase();
  if (!UUID.test(id))
    throw new InvalidArgumentError(
      `AGENT: must be an agent id (a UUID), got ${JSON.stringify(value)}`,
    );
  return id;
}

/**
 * `smc admin revoke AGENT`: cuts off an agent whose key may be stolen. Every server node on
 * the database refuses it within seconds (NOTIFY smc_revocations); the agent would have to
 * enroll again with a new token.
 */
export function registerRevokeCommand(admin: Command): void {
  admin
    .command('revoke')
    .description(
      "Revoke an agent's certificate: every server node on the database refuses its replications (403) within seconds. The agent must enroll again with a new token.",
    )
    .argument(
      '<AGENT>',
      'the agent id (the certificate CN, as listed on the console)',
      agentIdArgument,
    )
    .option('--reason <text>', 'why, kept with the revocation')
    .option('--data-dir <dir>', 'server data folder (reads the admin token and CA from it)', '.smc')
    .option('--console-url <url>', 'console API', 'https://127.0.0.1:2223')
    .option('--json', 'print the revocation as JSON')
    .action((agentId: string, options: RevokeOptions) =>
      runAction(async () => {
        const { token, ca } = await readAdminCredentials(options.dataDir, "the server's");
        const result = await consoleRequest<{ agentId: string; revokedAt: string }>({
          baseUrl: options.consoleUrl,
          path: `/api/agents/${agentId}/revoke`,
          method: 'POST',
          token,
          ca,
          body: options.reason ? { reason: options.reason } : {},
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(result)}\n`
            : `revoked agent ${result.agentId} at ${result.revokedAt}\n`,
        );
        return 0;
      }),
    );
}
