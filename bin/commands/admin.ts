import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { EnrollmentTokenResponse } from '../../protocol/index.js';
import { consoleRequest } from '../cli/console-client.js';
import { durationSecondsFlag, positiveIntegerFlag } from '../cli/flags.js';
import { runAction } from '../cli/run-action.js';

interface TokenOptions {
  uses: number;
  ttl: number;
  dataDir: string;
  consoleUrl: string;
  json?: boolean;
}

export function registerAdminCommand(program: Command): void {
  const admin = program
    .command('admin')
    .summary('administer a running server through its console API');
  admin
    .command('enrollment-token')
    .description('Make an enrollment token agents use once each to get their certificate.')
    .option(
      '--uses <n>',
      'how many agents may enroll with it',
      positiveIntegerFlag('--uses', 10_000_000),
      1,
    )
    .option(
      '--ttl <duration>',
      'how long it is valid, e.g. 1h, 7d',
      durationSecondsFlag('--ttl'),
      3_600,
    )
    .option('--data-dir <dir>', 'server data folder (reads the admin token and CA from it)', '.smc')
    .option('--console-url <url>', 'console API', 'https://127.0.0.1:2223')
    .option('--json', 'print the token as JSON')
    .action((options: TokenOptions) =>
      runAction(async () => {
        const pki = path.join(options.dataDir, 'pki');
        const [token, ca] = await Promise.all([
          readFile(path.join(pki, 'admin.token'), 'utf8'),
          readFile(path.join(pki, 'ca.pem'), 'utf8'),
        ]).catch((error: Error) => {
          throw new Error(
            `cannot read the admin token or CA in ${pki} (${error.message}); is --data-dir the server's?`,
          );
        });
        const result = await consoleRequest<EnrollmentTokenResponse>({
          baseUrl: options.consoleUrl,
          path: '/api/enrollment-tokens',
          method: 'POST',
          token: token.trim(),
          ca,
          body: { uses: options.uses, ttlSeconds: options.ttl },
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(result)}\n`
            : `${result.token}\n(uses: ${result.uses}, expires ${result.expiresAt})\n`,
        );
        return 0;
      }),
    );
}
