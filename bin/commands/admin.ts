import { type Command, InvalidArgumentError } from 'commander';
import type { EnrollmentKind, EnrollmentTokenResponse } from '../../protocol/index.js';
import { readAdminCredentials } from '../cli/admin-credentials.js';
import { consoleRequest } from '../cli/console-client.js';
import { durationSecondsFlag, positiveIntegerFlag } from '../cli/flags.js';
import { runAction } from '../cli/run-action.js';
import { registerRevokeCommand } from './admin-revoke.js';

interface TokenOptions {
  uses: number;
  ttl: number;
  dataDir: string;
  consoleUrl?: string;
  json?: boolean;
  kind?: EnrollmentKind;
}

interface TokenSource {
  /** The command and what its token is for. */
  readonly name: string;
  readonly description: string;
  readonly usesHelp: string;
  readonly dataDirDefault: string;
  readonly dataDirHelp: string;
  readonly urlFlag: string;
  readonly urlDefault: string;
  readonly urlHelp: string;
  readonly owner: string;
  /** The server's tokens enroll agents or connectors; the connector's only phones. */
  readonly kinds?: boolean;
}

const SERVER_TOKEN: TokenSource = {
  name: 'enrollment-token',
  description: 'Make an enrollment token agents use once each to get their certificate.',
  usesHelp: 'how many agents may enroll with it',
  dataDirDefault: '.smc',
  dataDirHelp: 'server data folder (reads the admin token and CA from it)',
  urlFlag: '--console-url',
  urlDefault: 'https://127.0.0.1:2223',
  urlHelp: 'console API',
  owner: "the server's",
  kinds: true,
};

const MDM_TOKEN: TokenSource = {
  name: 'mdm-token',
  description:
    'Make an MDM enrollment token phones use once each to enroll with a Mobile Device Connector (smc mdm).',
  usesHelp: 'how many devices may enroll with it',
  dataDirDefault: '.smc-mdm',
  dataDirHelp: 'connector data folder (reads its admin token and device CA from it)',
  urlFlag: '--enroll-url',
  urlDefault: 'https://127.0.0.1:9980',
  urlHelp: "the connector's enrollment port, where its console API is",
  owner: "the connector's",
};

export function registerAdminCommand(program: Command): void {
  const admin = program
    .command('admin')
    .summary('administer a running server or connector through its console API');
  for (const source of [SERVER_TOKEN, MDM_TOKEN]) registerTokenCommand(admin, source);
  registerRevokeCommand(admin);
}

function kindFlag(value: string): EnrollmentKind {
  if (value === 'agent' || value === 'mdm-connector') return value;
  throw new InvalidArgumentError(
    `--kind: must be agent or mdm-connector (got ${JSON.stringify(value)})`,
  );
}

/** `smc admin enrollment-token` and `smc admin mdm-token`: one shape, two services. */
function registerTokenCommand(admin: Command, source: TokenSource): void {
  const command = admin.command(source.name);
  if (source.kinds)
    command.option(
      '--kind <kind>',
      'agent, or mdm-connector: a Mobile Device Connector (the server trusts relayed phones only from those)',
      kindFlag,
      'agent',
    );
  command
    .description(source.description)
    .option('--uses <n>', source.usesHelp, positiveIntegerFlag('--uses', 10_000_000), 1)
    .option(
      '--ttl <duration>',
      'how long it is valid, e.g. 1h, 7d',
      durationSecondsFlag('--ttl'),
      3_600,
    )
    .option('--data-dir <dir>', source.dataDirHelp, source.dataDirDefault)
    .option(`${source.urlFlag} <url>`, source.urlHelp, source.urlDefault)
    .option('--json', 'print the token as JSON')
    .action((options: TokenOptions & { enrollUrl?: string }) =>
      runAction(async () => {
        const { token, ca } = await readAdminCredentials(options.dataDir, source.owner);
        const result = await consoleRequest<EnrollmentTokenResponse>({
          baseUrl: (options.enrollUrl ?? options.consoleUrl) as string,
          path: '/api/enrollment-tokens',
          method: 'POST',
          token,
          ca,
          body: {
            uses: options.uses,
            ttlSeconds: options.ttl,
            ...(options.kind ? { kind: options.kind } : {}),
          },
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify(result)}\n`
            : `${result.token}\n(uses: ${result.uses}, expires ${result.expiresAt}${result.kind && result.kind !== 'agent' ? `, enrolls: ${result.kind}` : ''})\n`,
        );
        return 0;
      }),
    );
}
