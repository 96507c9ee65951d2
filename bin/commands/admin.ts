import { type Command, InvalidArgumentError } from 'commander';
import {
  CreateEnrollmentTokenRequest,
  CreateMdmEnrollmentTokenRequest,
  type EnrollmentKind,
  type EnrollmentTokenResponse,
} from '../../protocol/index.js';
import { readAdminCredentials } from '../cli/admin-credentials.js';
import { consoleRequest } from '../cli/console-client.js';
import { durationOption, formatBound, positiveIntegerFlag } from '../cli/flags.js';
import { runAction } from '../cli/run-action.js';
import { registerBackupCommands } from './admin-backup.js';
import { registerPurgeCommand } from './admin-purge.js';
import { registerRevokeCommand } from './admin-revoke.js';

interface TokenOptions {
  uses: number;
  ttl: number;
  dataDir: string;
  consoleUrl?: string;
  json?: boolean;
  kind?: EnrollmentKind;
  simulation?: boolean;
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
  /** Offers --simulation (server tokens only: the connector's devices are never tagged). */
  readonly simulation?: boolean;
  /** The service's own bound on ttlSeconds (its request schema), checked before asking. */
  readonly ttlBounds: { readonly min: number; readonly max: number };
}

/** Reads a TypeBox integer's bounds, so the CLI refuses exactly what the server would. */
function boundsOf(schema: object) {
  const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
  return { min: minimum ?? 1, max: maximum ?? Number.MAX_SAFE_INTEGER };
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
  simulation: true,
  ttlBounds: boundsOf(CreateEnrollmentTokenRequest.properties.ttlSeconds),
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
  ttlBounds: boundsOf(CreateMdmEnrollmentTokenRequest.properties.ttlSeconds),
};

export function registerAdminCommand(program: Command): void {
  const admin = program
    .command('admin')
    .summary(
      'administer a server or connector: tokens, revocation and purges through its console API; backup, restore and host rename on its data folder',
    );
  for (const source of [SERVER_TOKEN, MDM_TOKEN]) registerTokenCommand(admin, source);
  registerRevokeCommand(admin);
  registerPurgeCommand(admin);
  registerBackupCommands(admin);
}

function kindFlag(value: string): EnrollmentKind {
  if (value === 'agent' || value === 'mdm-connector' || value === 'rd-sensor') return value;
  throw new InvalidArgumentError(
    `--kind: must be agent, mdm-connector or rd-sensor (got ${JSON.stringify(value)})`,
  );
}

/** `smc admin enrollment-token` and `smc admin mdm-token`: one shape, two services. */
function registerTokenCommand(admin: Command, source: TokenSource): void {
  const command = admin.command(source.name);
  if (source.kinds)
    command.option(
      '--kind <kind>',
      'agent; mdm-connector: a Mobile Device Connector (the server trusts relayed phones only from those); rd-sensor: a Rogue Detection Sensor (smc rd-sensor)',
      kindFlag,
      'agent',
    );
  command
    .description(source.description)
    .option('--uses <n>', source.usesHelp, positiveIntegerFlag('--uses', 10_000_000), 1)
    .addOption(
      durationOption(
        '--ttl <duration>',
        `how long it is valid, e.g. 1h, 7d (${formatBound(source.ttlBounds.min)} to ${formatBound(source.ttlBounds.max)}: ${source.owner} bound)`,
        3_600,
        source.ttlBounds,
      ),
    )
    .option('--data-dir <dir>', source.dataDirHelp, source.dataDirDefault)
    .option(`${source.urlFlag} <url>`, source.urlHelp, source.urlDefault)
    .option('--json', 'print the token as JSON');
  if (source.simulation)
    command.option(
      '--simulation',
      'tag the agents that enroll with it as simulated: left out of the console views and counts, deleted by smc admin purge-simulated (for after-rollout runs against production)',
    );
  command.action((options: TokenOptions & { enrollUrl?: string }) =>
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
          ...(options.simulation ? { simulation: true } : {}),
        },
      });
      // Only the token (or the JSON) on stdout, so `T=$(smc admin enrollment-token)` works;
      // what it allows goes to stderr for the person at the terminal.
      if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        process.stdout.write(`${result.token}\n`);
        process.stderr.write(
          `smc admin ${source.name}: uses ${result.uses}, expires ${result.expiresAt}${result.kind && result.kind !== 'agent' ? `, enrolls: ${result.kind}` : ''}${result.simulation ? ', simulation' : ''}\n`,
        );
      }
      return 0;
    }),
  );
}
