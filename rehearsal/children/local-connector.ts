import path from 'node:path';
import type { EnrollmentTokenResponse, MdmReadyFile, ReadyFile } from '../../protocol/index.js';
import { consoleCall } from '../../simulator/identity/console-client.js';
import { type SmcChild, startSmcChild } from './smc-child.js';

/** The real Mobile Device Connector (`smc mdm`), in its own process, on a throwaway folder. */
export interface LocalConnector extends SmcChild<MdmReadyFile> {
  /** An MDM enrollment token for `uses` devices, made on the connector's console API. */
  createDeviceToken(uses: number): Promise<string>;
}

/** ours: the connector also starts an embedded PostgreSQL and enrolls with the server. */
const CONNECTOR_READY_TIMEOUT_MS = 120_000;

export async function startLocalConnector(options: {
  /** The local server: its agent plane, CA file, console URL and admin token file. */
  server: {
    readonly ready: Pick<ReadyFile, 'agentUrl' | 'caFile' | 'consoleUrl' | 'adminTokenFile'>;
  };
  /** The interval the connector tells its devices. */
  checkInIntervalSeconds: number;
  /** `--check-in-budget`: check-ins per second the connector plans for (absent: its default). */
  checkInBudgetPerSecond?: number;
  /** `--relay-interval`, whole seconds (absent: the connector's default). */
  relayIntervalSeconds?: number;
  log: (line: string) => void;
  timeoutMs?: number;
}): Promise<LocalConnector> {
  const connector = await startSmcChild<MdmReadyFile>({
    command: 'mdm',
    folderPrefix: 'smc-rehearsal-mdm-',
    timeoutMs: options.timeoutMs ?? CONNECTOR_READY_TIMEOUT_MS,
    // DATABASE_URL would point the connector at a shared database: the rehearsal's is its own.
    env: { ...process.env, DATABASE_URL: undefined },
    args: ({ dataDir }) => [
      '--data-dir',
      path.join(dataDir, 'connector'),
      '--enroll-port',
      '0',
      '--device-port',
      '0',
      '--server-url',
      options.server.ready.agentUrl,
      '--server-ca',
      options.server.ready.caFile,
      '--server-console-url',
      options.server.ready.consoleUrl,
      '--server-admin-token-file',
      options.server.ready.adminTokenFile,
      '--check-in-interval',
      `${options.checkInIntervalSeconds}s`,
      ...(options.checkInBudgetPerSecond !== undefined
        ? ['--check-in-budget', String(options.checkInBudgetPerSecond)]
        : []),
      ...(options.relayIntervalSeconds !== undefined
        ? ['--relay-interval', `${options.relayIntervalSeconds}s`]
        : []),
    ],
  });
  const { ready, caPem, adminToken } = connector;
  options.log(`connector up: devices ${ready.deviceUrl} (enrollment ${ready.enrollUrl})`);
  return {
    ...connector,
    createDeviceToken: async (uses) => {
      const made = await consoleCall<EnrollmentTokenResponse>(
        { url: ready.enrollUrl, adminToken, caPem },
        'POST',
        '/api/enrollment-tokens',
        { uses, ttlSeconds: 86_400 },
      );
      return made.token;
    },
  };
}
