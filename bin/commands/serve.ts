import cluster from 'node:cluster';
import path from 'node:path';
import { type Command, Option } from 'commander';
import {
  DEFAULT_AGENT_PORT,
  DEFAULT_CONSOLE_PORT,
  DEFAULT_MDM_DEVICE_PORT,
  DEFAULT_MDM_ENROLL_PORT,
  type ReadyFile,
} from '../../protocol/index.js';
// The --log-level choices, read at registration: the list's own module, not the server's door,
// so `smc --help` does not load fastify and pg (see test/design/front-doors.test.ts).
import { LOG_LEVELS } from '../../server/telemetry/log-levels.js';
import { startEmbeddedConnector } from '../cli/embedded-connector.js';
import { durationOption, portFlag, positiveIntegerFlag } from '../cli/flags.js';
import { runAction } from '../cli/run-action.js';
import { externalPushBroker, type ServeOptions, serverOptionsFrom } from '../cli/serve-options.js';
import { preflightDatabaseUrl, preflightListen } from '../cli/serve-preflight.js';
import { gracefulShutdown, writeReadyFile } from '../cli/service-lifecycle.js';
import { UsageError } from '../cli/usage-error.js';
import { runServePrimary, runServeWorker } from './serve-workers.js';

/** Ours: the bound of a drain asked for on the console (POST /api/drain) without --drain. */
const CONSOLE_DRAIN_SECONDS = 30;

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
    .option(
      '--push-port <port>',
      'push broker for wake-up calls (MQTT over TLS, agent certificates) [default: 8883, or a free port with --agent-port 0]',
      portFlag('--push-port'),
    )
    .option('--no-push', 'run no push broker: agents replicate at their interval only')
    .option(
      '--push-broker <url>',
      "publish wake-ups on this broker (mqtts://host:port, e.g. the deployment's Mosquitto) instead of running one; needs --push-cert and --push-key",
    )
    .option(
      '--push-cert <file>',
      'with --push-broker: the publisher certificate (PEM, CN smc-push-publisher)',
    )
    .option('--push-key <file>', 'with --push-broker: its private key (PEM)')
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL, else embedded)')
    .addOption(
      durationOption(
        '--interval <duration>',
        'replication interval told to agents before adaptive stretch',
        600,
        { min: 1 },
      ),
    )
    .addOption(
      durationOption(
        '--drain <duration>',
        'on SIGTERM (or POST /api/drain) first drain for at most this long: new replications get 503 + Retry-After, in-flight ones finish, /readyz says draining (the load balancer moves agents to another node); 0: stop at once',
        0,
        { max: 3_600 },
      ),
    )
    .addOption(
      // A rehearsal plays an older release with these two; an operator never needs them.
      new Option(
        '--announce-version <version>',
        'the version this server announces on the database',
      ).hideHelp(),
    )
    .addOption(
      new Option('--schema-level <n>', 'know migrations up to n only (an older release)')
        .argParser(positiveIntegerFlag('--schema-level', 10_000))
        .hideHelp(),
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
      '--allow-simulation-seed',
      "take POST /api/simulation/seed, which fills the database with a simulated fleet's history (set by smc rehearse on its throwaway server; never on a real one)",
    )
    .addOption(
      // A test's lever, not a tuning knob: a long wait slows every replication on purpose.
      new Option(
        '--group-commit-wait <ms>',
        'longest a replication waits for its batch to fill before it is committed',
      )
        .argParser(positiveIntegerFlag('--group-commit-wait', 60_000))
        .hideHelp(),
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
    .addOption(
      new Option(
        '--log-level <level>',
        'structured JSON log on stderr (pino): errors, state changes, fastify, requests',
      )
        .choices(LOG_LEVELS)
        .default('info'),
    )
    .option(
      '--workers <n>',
      'agent-plane processes on the agent port (node:cluster; one database, a group commit each, the console API and push broker once); a worker that dies is started again',
      positiveIntegerFlag('--workers', 64),
      1,
    )
    .option(
      '--log-requests',
      'log each request as it arrives and is answered (method, url, status, time; busy)',
    )
    .action((options: ServeOptions) =>
      runAction(async () => {
        // A worker of `--workers N`: the primary checked the flags and holds the ports.
        const worker = cluster.isWorker
          ? (await import('../../server/index.js')).readWorkerEnvironment()
          : null;
        if (worker) return runServeWorker(options, worker, await externalPushBroker(options));
        if (options.workers > 1 && options.withMdm)
          throw new UsageError(
            '--workers: runs without --with-mdm (run the connector on its own: smc mdm)',
          );
        // Before PostgreSQL starts and the CA is made: a busy port, a bad --host or a malformed
        // --database-url is one line naming the flag, and nothing is left behind.
        const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
        if (databaseUrl !== undefined)
          await preflightDatabaseUrl(
            databaseUrl,
            options.databaseUrl !== undefined ? '--database-url' : 'DATABASE_URL',
          );
        await preflightListen(options.host, [
          { flag: '--agent-port', port: options.agentPort },
          { flag: '--console-port', port: options.consolePort },
          ...(options.withMdm
            ? [
                { flag: '--mdm-enroll-port', port: options.mdmEnrollPort },
                { flag: '--mdm-device-port', port: options.mdmDevicePort },
              ]
            : []),
        ]);
        const log = (line: string) => process.stderr.write(`smc serve: ${line}\n`);
        if (options.workers > 1) {
          await externalPushBroker(options);
          return runServePrimary(options, databaseUrl, log);
        }
        // Loaded here, not at the top: `smc plan` must not pay for fastify and pg.
        const { startServer } = await import('../../server/index.js');
        const external = await externalPushBroker(options);
        let requestStop: ((reason: string) => void) | undefined;
        let drainRequested = false;
        const server = await startServer({
          ...serverOptionsFrom(options, { databaseUrl, external, log }),
          onDrainRequested: () => {
            drainRequested = true;
            requestStop?.('POST /api/drain');
          },
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
        const { DRAIN_QUIET_MS } = await import('../../server/index.js');
        const stopped = gracefulShutdown(
          async () => {
            const bound = drainRequested ? options.drain || CONSOLE_DRAIN_SECONDS : options.drain;
            if (bound > 0) {
              log(`draining for at most ${bound} s: new replications get 503 + Retry-After`);
              const drained = await server.drain.settle({
                quietMs: DRAIN_QUIET_MS,
                boundMs: bound * 1_000,
              });
              log(
                drained.timedOut
                  ? `drain bound reached after ${drained.ms} ms with ${drained.inFlight} in flight (not acknowledged: their agents resend)`
                  : `drained in ${drained.ms} ms`,
              );
            }
            await connector?.close();
            await server.close();
          },
          log,
          'finishing in-flight replications',
          (trigger) => {
            requestStop = trigger;
          },
        );
        // A drain asked for while the server was still starting.
        if (drainRequested) requestStop?.('POST /api/drain');
        log(`agents:  ${server.agentUrl}  (POST /v1/enroll, /v1/replicate, /v1/sightings)`);
        log(`console: ${server.consoleUrl}  (admin token in ${server.adminTokenFile})`);
        log(`CA:      ${server.caFile}`);
        if (server.push?.url) log(`push:    ${server.push.url}  (wake-up calls, MQTT over TLS)`);
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
            ...(server.push?.url ? { pushUrl: server.push.url } : {}),
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
