import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LogLevel, ServerOptions } from '../../server/index.js';
import { jsonLine } from './service-lifecycle.js';
import { UsageError } from './usage-error.js';

/** What commander hands `smc serve`'s action. */
export interface ServeOptions {
  dataDir: string;
  host: string;
  agentPort: number;
  consolePort: number;
  hostname: string[];
  databaseUrl?: string;
  interval: number;
  readyFile?: string;
  rehearsalReports?: string;
  allowSimulationSeed?: boolean;
  groupCommitWait?: number;
  withMdm?: boolean;
  mdmEnrollPort: number;
  mdmDevicePort: number;
  logLevel: LogLevel;
  logRequests?: boolean;
  pushPort?: number;
  push: boolean;
  pushBroker?: string;
  pushCert?: string;
  pushKey?: string;
  workers: number;
  /** Seconds SIGTERM drains first (rolling upgrades); 0: stop at once. */
  drain: number;
  /** A rehearsal playing an older release: the version announced and the migrations known. */
  announceVersion?: string;
  schemaLevel?: number;
}

/** The server's options from the flags (one process, or one worker of --workers). */
export function serverOptionsFrom(
  options: ServeOptions,
  context: {
    databaseUrl: string | undefined;
    external: { url: string; certPem: string; keyPem: string } | undefined;
    log: (line: string) => void;
  },
): ServerOptions {
  const { databaseUrl, external, log } = context;
  return {
    dataDir: options.dataDir,
    host: options.host,
    agentPort: options.agentPort,
    consolePort: options.consolePort,
    hostnames: options.hostname,
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    intervalSeconds: options.interval,
    push: options.push
      ? {
          ...(options.pushPort !== undefined ? { port: options.pushPort } : {}),
          ...(external ? { external } : {}),
        }
      : false,
    ...(options.rehearsalReports
      ? { rehearsalReportsDir: path.resolve(options.rehearsalReports) }
      : {}),
    allowSimulationSeed: options.allowSimulationSeed === true,
    ...(options.groupCommitWait !== undefined
      ? { groupCommit: { maxWaitMs: options.groupCommitWait } }
      : {}),
    log,
    // Error lines are JSON (pino) as they are, so log tools can read them.
    errorLog: jsonLine,
    logLevel: options.logLevel,
    logRequests: options.logRequests === true,
    ...(options.announceVersion !== undefined ? { version: options.announceVersion } : {}),
    ...(options.schemaLevel !== undefined ? { schemaLevel: options.schemaLevel } : {}),
  };
}

/** --push-broker with its certificate and key, read and checked; problems name their flag. */
export async function externalPushBroker(
  options: ServeOptions,
): Promise<{ url: string; certPem: string; keyPem: string } | undefined> {
  const { pushBroker, pushCert, pushKey } = options;
  if (pushBroker === undefined) {
    const stray =
      pushCert !== undefined ? '--push-cert' : pushKey !== undefined ? '--push-key' : null;
    if (stray) throw new UsageError(`${stray}: only applies with --push-broker`);
    return undefined;
  }
  if (!options.push) throw new UsageError('--push-broker: cannot be combined with --no-push');
  if (options.pushPort !== undefined)
    throw new UsageError('--push-port: the embedded broker does not run with --push-broker');
  let url: URL;
  try {
    url = new URL(pushBroker);
  } catch {
    throw new UsageError(
      `--push-broker: must be mqtts://host:port (got ${JSON.stringify(pushBroker)})`,
    );
  }
  if (url.protocol !== 'mqtts:' || !url.port)
    throw new UsageError(
      `--push-broker: must be mqtts://host:port (got ${JSON.stringify(pushBroker)})`,
    );
  if (!pushCert || !pushKey)
    throw new UsageError(
      '--push-broker: needs --push-cert and --push-key (the publisher identity)',
    );
  const read = (file: string, flag: string) =>
    readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`${flag}: cannot read ${file} (${error.code ?? error.message})`);
    });
  return {
    url: `mqtts://${url.host}`,
    certPem: await read(pushCert, '--push-cert'),
    keyPem: await read(pushKey, '--push-key'),
  };
}
