import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  DEFAULT_MDM_DEVICE_PORT,
  DEFAULT_MDM_ENROLL_PORT,
  type EnrollmentTokenResponse,
  type MdmReadyFile,
} from '../../protocol/index.js';
// The --check-in-budget default, read at registration: the constant's own module, not the
// server's door, so `smc --help` does not load fastify and pg (see test/design/front-doors.test.ts).
import { DEFAULT_CHECK_IN_BUDGET_PER_SECOND } from '../../server/mdm/check-in-policy.js';
import { consoleRequest } from '../cli/console-client.js';
import { durationOption, portFlag, positiveNumberFlag } from '../cli/flags.js';
import { runAction } from '../cli/run-action.js';
import { gracefulShutdown, jsonLine, writeReadyFile } from '../cli/service-lifecycle.js';
import { UsageError } from '../cli/usage-error.js';

interface MdmOptions {
  dataDir: string;
  host: string;
  enrollPort: number;
  devicePort: number;
  hostname: string[];
  databaseUrl?: string;
  serverUrl: string;
  serverCa?: string;
  serverEnrollToken?: string;
  serverConsoleUrl?: string;
  serverAdminTokenFile?: string;
  relayInterval: number;
  checkInInterval: number;
  checkInBudget: number;
  readyFile?: string;
}

export function registerMdmCommand(program: Command): void {
  program
    .command('mdm')
    .summary(
      'run the Mobile Device Connector (device enrollment + check-ins, relayed to the server)',
    )
    .description(
      "Run the Mobile Device Connector as its own service: devices enroll on the enrollment port with an MDM token (`smc admin mdm-token`, or POST /api/enrollment-tokens on the connector's console with the admin token in <data-dir>/pki/admin.token), then check in over mutual TLS on the device port. The connector is an agent of the management server: on first start it enrolls there with a connector token (--server-enroll-token, made with `smc admin enrollment-token --kind mdm-connector`, or --server-console-url with --server-admin-token-file to make one), then replicates device summaries and command results and takes device commands as tasks. Without --database-url (or DATABASE_URL) an embedded PostgreSQL runs in the data folder. SIGTERM/SIGINT: finish the relay round and in-flight check-ins, close.",
    )
    .option(
      '--data-dir <dir>',
      'device CA, admin token, relay identity and embedded database',
      '.smc-mdm',
    )
    .option('--host <address>', 'listen address for both ports', '127.0.0.1')
    .option(
      '--enroll-port <port>',
      'device enrollment and connector console (HTTPS)',
      portFlag('--enroll-port'),
      DEFAULT_MDM_ENROLL_PORT,
    )
    .option(
      '--device-port <port>',
      'device check-ins (mutual TLS)',
      portFlag('--device-port'),
      DEFAULT_MDM_DEVICE_PORT,
    )
    .option(
      '--hostname <name>',
      'name the connector certificate covers (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--database-url <url>',
      'PostgreSQL URL (default: $DATABASE_URL, else embedded); schema mdm',
    )
    .option('--server-url <url>', "the management server's agent plane", 'https://127.0.0.1:2222')
    .option('--server-ca <file>', "the management server's agent CA (its <data-dir>/pki/ca.pem)")
    .option(
      '--server-enroll-token <token>',
      'server enrollment token of kind mdm-connector for the first start (smc admin enrollment-token --kind mdm-connector)',
    )
    .option('--server-console-url <url>', 'server console API, to make that token')
    .option(
      '--server-admin-token-file <file>',
      "the server's admin token file, with --server-console-url",
    )
    .addOption(
      durationOption(
        '--relay-interval <duration>',
        'longest pause between replications to the server',
        5,
        { min: 1 },
      ),
    )
    .addOption(
      durationOption('--check-in-interval <duration>', 'check-in interval told to devices', 300, {
        min: 1,
      }),
    )
    .option(
      '--check-in-budget <per-second>',
      'check-ins per second to plan for: past budget x interval devices, the interval told to devices stretches',
      positiveNumberFlag('--check-in-budget'),
      DEFAULT_CHECK_IN_BUDGET_PER_SECOND,
    )
    .option(
      '--ready-file <file>',
      'write {enrollUrl, deviceUrl, caFile, adminTokenFile, relayAgentId, pid} as JSON once listening',
    )
    .action((options: MdmOptions) =>
      runAction(async () => {
        if (!options.serverCa)
          throw new UsageError(
            '--server-ca: required (the server agent CA, pki/ca.pem in its data folder)',
          );
        const serverCaPem = await readFile(options.serverCa, 'utf8').catch((error: Error) => {
          throw new UsageError(`--server-ca: cannot read ${options.serverCa} (${error.message})`);
        });
        const enrollmentToken = serverTokenSource(options, serverCaPem);
        const { startConnector } = await import('../../server/index.js');
        const log = (line: string) => process.stderr.write(`smc mdm: ${line}\n`);
        const connector = await startConnector({
          dataDir: options.dataDir,
          host: options.host,
          enrollPort: options.enrollPort,
          devicePort: options.devicePort,
          hostnames: options.hostname,
          databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL,
          server: { serverUrl: options.serverUrl, serverCaPem, enrollmentToken },
          relayIntervalMs: options.relayInterval * 1_000,
          checkInIntervalSeconds: options.checkInInterval,
          checkInBudgetPerSecond: options.checkInBudget,
          log,
          errorLog: jsonLine,
        });
        // Handlers first, ready file second (same reason as `smc serve`).
        const stopped = gracefulShutdown(
          () => connector.close(),
          log,
          'finishing the relay round and in-flight check-ins',
        );
        log(
          `enrollment: ${connector.enrollUrl}  (POST /mdm/v1/enroll; console /api/*, admin token in ${connector.adminTokenFile})`,
        );
        log(`devices:    ${connector.deviceUrl}  (POST /mdm/v1/check-in, mutual TLS)`);
        log(`relay:      agent ${connector.relayAgentId} of ${options.serverUrl}`);
        if (options.readyFile) {
          const ready: MdmReadyFile = {
            enrollUrl: connector.enrollUrl,
            deviceUrl: connector.deviceUrl,
            caFile: connector.caFile,
            adminTokenFile: connector.adminTokenFile,
            relayAgentId: connector.relayAgentId,
            pid: process.pid,
          };
          await writeReadyFile(options.readyFile, ready);
        }
        await stopped;
        log('stopped');
        return 0;
      }),
    );
}

/** Where the first start's server enrollment token comes from; asked only when needed. */
function serverTokenSource(options: MdmOptions, serverCaPem: string): () => Promise<string> {
  if (options.serverEnrollToken) {
    const token = options.serverEnrollToken;
    return async () => token;
  }
  return async () => {
    if (!options.serverConsoleUrl || !options.serverAdminTokenFile) {
      throw new UsageError(
        'the connector is not enrolled with the server yet: give --server-enroll-token, or --server-console-url with --server-admin-token-file',
      );
    }
    const adminToken = (await readFile(options.serverAdminTokenFile, 'utf8')).trim();
    const made = await consoleRequest<EnrollmentTokenResponse>({
      baseUrl: options.serverConsoleUrl,
      path: '/api/enrollment-tokens',
      method: 'POST',
      token: adminToken,
      ca: serverCaPem,
      body: { uses: 1, ttlSeconds: 600, kind: 'mdm-connector' },
    });
    return made.token;
  };
}
