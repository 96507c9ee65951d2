import path from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_AGENT_PORT,
  DEFAULT_CONSOLE_PORT,
  DEFAULT_MDM_DEVICE_PORT,
  DEFAULT_MDM_ENROLL_PORT,
  type ReadyFile,
} from '../../protocol/index.js';
import { startEmbeddedConnector } from '../cli/embedded-connector.js';
import { durationSecondsFlag, portFlag } from '../cli/flags.js';
import { runAction } from '../cli/run-action.js';
import { gracefulShutdown, jsonLine, writeReadyFile } from '../cli/service-lifecycle.js';

interface ServeOptions {
  dataDir: string;
  host: string;
  agentPort: number;
  consolePort: number;
  hostname: string[];
  databaseUrl?: string;
  interval: number;
  readyFile?: string;
  rehearsalReports?: string;
  withMdm?: boolean;
  mdmEnrollPort: number;
  mdmDevicePort: number;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .summary('run the management server (agent plane + console API)')
    .description(
      'Run the management server: agents enroll and replicate over mutual TLS + HTTP/2 on the agent port; the console API (HTTPS, bearer admin token) on the console port. Without --database-url (or DATABASE_URL) an embedded PostgreSQL runs in the data folder. SIGTERM/SIGINT: stop accepting, commit and answer in-flight replications, close.',
    )
    .option('--data-dir <dir>', 'PKI, admin token and embedded database', '.smc')
    .option('--host <address>', 'listen address for both planes', '127.0.0.1')
    .option(
      '--agent-port <port>',
      'agent plane (replication) port',
      portFlag('--agent-port'),
      DEFAULT_AGENT_PORT,
    )
    .option(
      '--console-port <port>',
      'console API port',
      portFlag('--console-port'),
      DEFAULT_CONSOLE_PORT,
    )
    .option(
      '--hostname <name>',
      'name the server certificate covers (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL, else embedded)')
    .option(
      '--interval <duration>',
      'replication interval told to agents before adaptive stretch',
      durationSecondsFlag('--interval'),
      600,
    )
    .option(
      '--ready-file <file>',
      'write {agentUrl, consoleUrl, caFile, adminTokenFile, pid} as JSON once listening',
    )
    .option(
      '--rehearsal-reports <dir>',
      "offer a rehearsal's capacity.html and fleet.html from this folder to the console (set by smc rehearse)",
    )
    .option(
      '--with-mdm',
      'also run the Mobile Device Connector in this process (small tiers; its folder is <data-dir>/mdm, its schema mdm in this database)',
    )
    .option(
      '--mdm-enroll-port <port>',
      'with --with-mdm: device enrollment and connector console',
      portFlag('--mdm-enroll-port'),
      DEFAULT_MDM_ENROLL_PORT,
    )
    .option(
      '--mdm-device-port <port>',
      'with --with-mdm: device check-ins (mutual TLS)',
      portFlag('--mdm-device-port'),
      DEFAULT_MDM_DEVICE_PORT,
    )
    .action((options: ServeOptions) =>
      runAction(async () => {
        // Loaded here, not at the top: `smc plan` must not pay for fastify and pg.
        const { startServer } = await import('../../server/app.js');
        const log = (line: string) => process.stderr.write(`smc serve: ${line}\n`);
        const server = await startServer({
          dataDir: options.dataDir,
          host: options.host,
          agentPort: options.agentPort,
          consolePort: options.consolePort,
          hostnames: options.hostname,
          databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL,
          intervalSeconds: options.interval,
          rehearsalReportsDir: options.rehearsalReports
            ? path.resolve(options.rehearsalReports)
            : undefined,
          log,
          // Error lines are JSON (pino) as they are, so log tools can read them.
          errorLog: jsonLine,
        });
        const connector = options.withMdm
          ? await startEmbeddedConnector({
              server,
              dataDir: options.dataDir,
              host: options.host,
              enrollPort: options.mdmEnrollPort,
              devicePort: options.mdmDevicePort,
              hostnames: options.hostname,
              log,
            }).catch(async (error: unknown) => {
              await server.close();
              throw error;
            })
          : undefined;
        // Handlers first, ready file second: a script that signals as soon as it reads the
        // file must get a graceful shutdown. The connector stops first: its last relay round
        // still reaches the server.
        const stopped = gracefulShutdown(
          async () => {
            await connector?.close();
            await server.close();
          },
          log,
          'finishing in-flight replications',
        );
        log(`agents:  ${server.agentUrl}  (POST /v1/enroll, /v1/replicate)`);
        log(`console: ${server.consoleUrl}  (admin token in ${server.adminTokenFile})`);
        log(`CA:      ${server.caFile}`);
        if (connector) {
          log(`mdm:     ${connector.enrollUrl} (enrollment), ${connector.deviceUrl} (devices)`);
          log(
            `         device CA ${connector.caFile}; tokens: smc admin mdm-token --data-dir ${path.join(options.dataDir, 'mdm')}`,
          );
        }
        if (options.readyFile) {
          const ready: ReadyFile = {
            agentUrl: server.agentUrl,
            consoleUrl: server.consoleUrl,
            caFile: server.caFile,
            adminTokenFile: server.adminTokenFile,
            pid: process.pid,
            ...(connector
              ? {
                  mdm: {
                    enrollUrl: connector.enrollUrl,
                    deviceUrl: connector.deviceUrl,
                    caFile: connector.caFile,
                    adminTokenFile: connector.adminTokenFile,
                    relayAgentId: connector.relayAgentId,
                  },
                }
              : {}),
          };
          await writeReadyFile(options.readyFile, ready);
        }
        await stopped;
        log('stopped');
        return 0;
      }),
    );
}
